package dev.metering.rollup;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.function.Supplier;

import javax.sql.DataSource;

import dev.metering.ledger.LedgerScopeColumn;
import dev.metering.ledger.MeteringTables;
import dev.metering.ledger.SqlDialect;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.util.function.SingletonSupplier;

/**
 * Reads usage from the hourly rollups plus the ledger rows the rollup job has not folded yet,
 * which keeps the {@link UsageReader} contract exactly while reading about one row per hour.
 * <p>
 * Whole hours of {@code [from, to)} come from one statement that sums the rollup rows and the
 * unfolded ledger rows (above the watermark or in an open gap) together, so both parts see the
 * same snapshot: a rollup run that commits meanwhile cannot make a row count twice or not at
 * all. The parts of an hour at either end of a window that is not hour-aligned are read from
 * the ledger, as {@link LedgerUsageReader} does.
 */
public class RollupUsageReader implements UsageReader {

	private final JdbcTemplate jdbc;

	private final Supplier<SqlDialect> dialect;

	private final MeteringTables tables;

	/**
	 * A reader over the rollups and ledger of a DataSource.
	 * @param dataSource the DataSource
	 * @param dialect supplies the dialect (called once, on the first read)
	 * @param tables the table names
	 */
	public RollupUsageReader(DataSource dataSource, Supplier<SqlDialect> dialect, MeteringTables tables) {
		this.jdbc = new JdbcTemplate(dataSource);
		this.dialect = SingletonSupplier.of(dialect);
		this.tables = tables;
	}

	@Override
	public BigDecimal tenantUsage(String tenantId, String meter, Instant from, Instant to) {
		return usage(LedgerScopeColumn.TENANT, tenantId, meter, from, to);
	}

	@Override
	public BigDecimal billingScopeUsage(String billingScopeId, String meter, Instant from, Instant to) {
		return usage(LedgerScopeColumn.BILLING_SCOPE, billingScopeId, meter, from, to);
	}

	private BigDecimal usage(LedgerScopeColumn column, String id, String meter, Instant from, Instant to) {
		if (!from.isBefore(to)) {
			return BigDecimal.ZERO;
		}
		SqlDialect sql = this.dialect.get();
		Instant firstHour = ceilHour(from);
		Instant endHour = to.truncatedTo(ChronoUnit.HOURS);
		if (!firstHour.isBefore(endHour)) {
			// No whole hour inside the window.
			return ledger(sql, column, id, meter, from, to);
		}
		BigDecimal total = wholeHours(sql, column, id, meter, firstHour, endHour);
		if (from.isBefore(firstHour)) {
			total = total.add(ledger(sql, column, id, meter, from, firstHour));
		}
		if (endHour.isBefore(to)) {
			total = total.add(ledger(sql, column, id, meter, endHour, to));
		}
		return total;
	}

	private BigDecimal wholeHours(SqlDialect sql, LedgerScopeColumn column, String id, String meter, Instant from,
			Instant to) {
		Object start = sql.timestamp(from);
		Object end = sql.timestamp(to);
		BigDecimal sum = this.jdbc.queryForObject(sql.sumRollupsAndUnfoldedSql(this.tables, column), BigDecimal.class,
				id, meter, start, end, lowestUnfoldedId(sql), id, meter, start, end, RollupJob.NAME, RollupJob.NAME);
		return (sum != null) ? sum : BigDecimal.ZERO;
	}

	/**
	 * A lower bound of every id the rollup has not folded, now or later: the watermark only
	 * rises, and new gaps only open above the watermark they were found at. The statement that
	 * sums reads the exact progress itself; this bound only lets the database scan the primary
	 * key from there instead of the whole window's ledger rows.
	 */
	private long lowestUnfoldedId(SqlDialect sql) {
		List<Long> lowest = this.jdbc.query(sql.rollupProgressSql(this.tables), (rs, n) -> {
			long next = rs.getLong(1) + 1;
			long gap = rs.getLong(2);
			return rs.wasNull() ? next : Math.min(next, gap);
		}, RollupJob.NAME);
		return lowest.isEmpty() ? 0 : lowest.get(0);
	}

	private BigDecimal ledger(SqlDialect sql, LedgerScopeColumn column, String id, String meter, Instant from,
			Instant to) {
		BigDecimal sum = this.jdbc.queryForObject(sql.sumLedgerSql(this.tables, column), BigDecimal.class, id, meter,
				sql.timestamp(from), sql.timestamp(to));
		return (sum != null) ? sum : BigDecimal.ZERO;
	}

	private static Instant ceilHour(Instant instant) {
		Instant floor = instant.truncatedTo(ChronoUnit.HOURS);
		return floor.equals(instant) ? floor : floor.plus(1, ChronoUnit.HOURS);
	}

}
