package dev.metering.billing;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import javax.sql.DataSource;

import dev.metering.internal.sql.BillingSql;
import dev.metering.internal.sql.TableNames;
import dev.metering.ledger.MeteringTables;

import org.springframework.jdbc.core.ConnectionCallback;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Looks up what the ledger already holds, so the HTTP API can answer a retried idempotency key
 * with the id it was first recorded under instead of recording it again.
 */
public class RecordedEvents {

	private static final int KEYS_PER_STATEMENT = 500;

	private final JdbcTemplate jdbc;

	private final BillingSql sql;

	/**
	 * A look-up over the kit's ledger.
	 * @param dataSource the kit's DataSource
	 * @param tables the table names
	 */
	public RecordedEvents(DataSource dataSource, MeteringTables tables) {
		this.jdbc = new JdbcTemplate(dataSource);
		this.sql = new BillingSql(new TableNames(tables.prefix()));
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

	/**
	 * The events a tenant's idempotency keys were recorded under, in one statement per
	 * {@value #KEYS_PER_STATEMENT} keys, all on one connection.
	 * @param tenant the tenant
	 * @param idempotencyKeys the keys
	 * @return the recorded event id of each key the ledger has
	 */
	public Map<String, UUID> byIdempotencyKeys(String tenant, Collection<String> idempotencyKeys) {
		List<String> keys = List.copyOf(new LinkedHashSet<>(idempotencyKeys));
		Map<String, UUID> found = new HashMap<>();
		if (keys.isEmpty()) {
			return found;
		}
		Map<String, UUID> rows = this.jdbc.execute((ConnectionCallback<Map<String, UUID>>) (connection) -> {
			Map<String, UUID> all = new HashMap<>();
			for (int from = 0; from < keys.size(); from += KEYS_PER_STATEMENT) {
				List<String> chunk = keys.subList(from, Math.min(keys.size(), from + KEYS_PER_STATEMENT));
				try (PreparedStatement statement = connection.prepareStatement(this.sql.eventIdsByIdempotencyKeys(chunk.size()))) {
					statement.setString(1, tenant);
					for (int i = 0; i < chunk.size(); i++) {
						statement.setString(i + 2, chunk.get(i));
					}
					try (ResultSet result = statement.executeQuery()) {
						while (result.next()) {
							all.put(result.getString(1), UUID.fromString(result.getString(2).trim()));
						}
					}
				}
			}
			return all;
		});
		for (String key : keys) {
			UUID id = rows.get(key);
			if (id == null) {
				// A PAD SPACE collation (MySQL/MariaDB) matches keys that differ in trailing spaces:
				// the ledger's unique index treats them as one, so must the answer.
				String stripped = withoutTrailingSpaces(key);
				id = rows.entrySet().stream()
					.filter((row) -> withoutTrailingSpaces(row.getKey()).equals(stripped))
					.map(Map.Entry::getValue)
					.findFirst()
					.orElse(null);
			}
			if (id != null) {
				found.put(key, id);
			}
		}
		return found;
	}

	private static String withoutTrailingSpaces(String key) {
		int end = key.length();
		while (end > 0 && key.charAt(end - 1) == ' ') {
			end--;
		}
		return key.substring(0, end);
	}

}
