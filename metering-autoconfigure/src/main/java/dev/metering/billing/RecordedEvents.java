package dev.metering.billing;

import java.util.List;
import java.util.Optional;
import java.util.UUID;

import javax.sql.DataSource;

import dev.metering.ledger.MeteringTables;

import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Looks up what the ledger already holds, so the HTTP API can answer a retried idempotency key
 * with the id it was first recorded under instead of recording it again.
 */
public class RecordedEvents {

	private final JdbcTemplate jdbc;

	private final BillingSql sql;

	/**
	 * A look-up over the kit's ledger.
	 * @param dataSource the kit's DataSource
	 * @param tables the table names
	 */
	public RecordedEvents(DataSource dataSource, MeteringTables tables) {
		this.jdbc = new JdbcTemplate(dataSource);
		this.sql = new BillingSql(tables);
	}

	/**
	 * The event a tenant's idempotency key was recorded under.
	 * @param tenant the tenant
	 * @param idempotencyKey the key
	 * @return the recorded event's id, empty when the ledger has none (yet)
	 */
	public Optional<UUID> byIdempotencyKey(String tenant, String idempotencyKey) {
		List<String> ids = this.jdbc.queryForList(this.sql.eventIdByIdempotencyKey, String.class, tenant,
				idempotencyKey);
		return ids.isEmpty() ? Optional.empty() : Optional.of(UUID.fromString(ids.get(0).trim()));
	}

}
