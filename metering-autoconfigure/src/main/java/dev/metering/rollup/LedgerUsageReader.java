package dev.metering.rollup;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.Map;
import java.util.function.Supplier;

import javax.sql.DataSource;

import dev.metering.ledger.LedgerDatabase;
import dev.metering.ledger.MeteringTables;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.util.function.SingletonSupplier;

/**
 * Reads usage straight from the ledger rows: exact, but its cost grows with the rows of the
 * window. The rollup reader replaces it where rollups exist.
 */
public class LedgerUsageReader implements UsageReader {

	private final JdbcTemplate jdbc;

	/** The ledger's quantity of one tenant or billing scope and meter over {@code [from, to)}. */
	static final String SUM_LEDGER = "SELECT COALESCE(SUM(quantity), 0) FROM %PREFIX%usage_event "
			+ "WHERE %SCOPE% = ? AND meter = ? AND occurred_at >= ? AND occurred_at < ?";

	private final Supplier<LedgerDatabase> database;

	private final Map<LedgerScopeColumn, String> sumLedger;

	/**
	 * A reader over the ledger of a DataSource.
	 * @param dataSource the DataSource
	 * @param database supplies the database (called once, on the first read)
	 * @param tables the table names
	 */
	public LedgerUsageReader(DataSource dataSource, Supplier<LedgerDatabase> database, MeteringTables tables) {
		this.jdbc = new JdbcTemplate(dataSource);
		this.database = SingletonSupplier.of(database);
		this.sumLedger = LedgerScopeColumn.resolve(SUM_LEDGER, tables);
	}

	@Override
	public BigDecimal tenantUsage(String tenantId, String meter, Instant from, Instant to) {
		return sum(LedgerScopeColumn.TENANT, tenantId, meter, from, to);
	}

	@Override
	public BigDecimal billingScopeUsage(String billingScopeId, String meter, Instant from, Instant to) {
		return sum(LedgerScopeColumn.BILLING_SCOPE, billingScopeId, meter, from, to);
	}

	private BigDecimal sum(LedgerScopeColumn column, String id, String meter, Instant from, Instant to) {
		LedgerDatabase sql = this.database.get();
		BigDecimal sum = this.jdbc.queryForObject(this.sumLedger.get(column), BigDecimal.class, id, meter,
				sql.timestamp(from), sql.timestamp(to));
		return (sum != null) ? sum : BigDecimal.ZERO;
	}

}
