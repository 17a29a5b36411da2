package dev.metering.rollup;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.function.Supplier;

import javax.sql.DataSource;

import dev.metering.ledger.LedgerScopeColumn;
import dev.metering.ledger.MeteringTables;
import dev.metering.ledger.SqlDialect;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.util.function.SingletonSupplier;

/**
 * Reads usage straight from the ledger rows: exact, but its cost grows with the rows of the
 * window. The rollup reader replaces it where rollups exist.
 */
public class LedgerUsageReader implements UsageReader {

	private final JdbcTemplate jdbc;

	private final Supplier<SqlDialect> dialect;

	private final MeteringTables tables;

	public LedgerUsageReader(DataSource dataSource, Supplier<SqlDialect> dialect, MeteringTables tables) {
		this.jdbc = new JdbcTemplate(dataSource);
		this.dialect = SingletonSupplier.of(dialect);
		this.tables = tables;
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
		SqlDialect sql = this.dialect.get();
		BigDecimal sum = this.jdbc.queryForObject(sql.sumLedgerSql(this.tables, column), BigDecimal.class, id, meter,
				sql.timestamp(from), sql.timestamp(to));
		return (sum != null) ? sum : BigDecimal.ZERO;
	}

}
