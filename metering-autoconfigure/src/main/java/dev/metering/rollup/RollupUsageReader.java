package dev.metering.rollup;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import javax.sql.DataSource;

import dev.metering.internal.sql.LedgerDatabase;
import dev.metering.internal.sql.RollupSql;
import dev.metering.internal.sql.TableNames;
import dev.metering.ledger.MeteringTables;

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

	private final Supplier<LedgerDatabase> database;

	private final Map<LedgerScopeColumn, String> sumRollupsAndUnfolded;

	private final Map<LedgerScopeColumn, String> sumLedger;

	private final String progress;

	private final RollupSql sql;

	/**
	 * A reader over the rollups and ledger of a DataSource.
	 * @param dataSource the DataSource
	 * @param database supplies the database (called once, on the first read)
	 * @param tables the table names
	 */
	public RollupUsageReader(DataSource dataSource, Supplier<LedgerDatabase> database, MeteringTables tables) {
		this.jdbc = new JdbcTemplate(dataSource);
		this.database = SingletonSupplier.of(database);
		this.sql = new RollupSql(new TableNames(tables.prefix()));
		this.sumRollupsAndUnfolded = LedgerScopeColumn.resolve(this.sql::sumRollupsAndUnfolded);
		this.sumLedger = LedgerScopeColumn.resolve(this.sql::sumLedger);
		this.progress = this.sql.progress();
	}

	/**
	 * The usages of many tenants with the statements one tenant takes, each grouped by tenant
	 * ({@value LedgerUsageReader#TENANTS_PER_STATEMENT} tenants a statement).
	 */
	@Override
	public Map<String, BigDecimal> tenantUsages(Collection<String> tenantIds, String meter, Instant from,
			Instant to) {
		Map<String, BigDecimal> usages = LedgerUsageReader.zeros(tenantIds);
		if (!from.isBefore(to) || tenantIds.isEmpty()) {
			return usages;
		}
		LedgerDatabase sql = this.database.get();
		Instant firstHour = ceilHour(from);
		Instant endHour = to.truncatedTo(ChronoUnit.HOURS);
		for (List<String> part : LedgerUsageReader.partition(tenantIds)) {
			if (!firstHour.isBefore(endHour)) {
				ledgerByTenant(sql, part, meter, from, to, usages);
				continue;
			}
			List<Object> args = new ArrayList<>(part.size() * 2 + 9);
			args.addAll(part);
			args.add(meter);
			args.add(sql.timestamp(firstHour));
			args.add(sql.timestamp(endHour));
			args.add(lowestUnfoldedId(sql));
			args.addAll(part);
			args.add(meter);
			args.add(sql.timestamp(firstHour));
			args.add(sql.timestamp(endHour));
			args.add(RollupJob.NAME);
			args.add(RollupJob.NAME);
			LedgerUsageReader.addGrouped(this.jdbc, this.sql.sumRollupsAndUnfoldedByTenant(part.size()), args, usages);
			if (from.isBefore(firstHour)) {
				ledgerByTenant(sql, part, meter, from, firstHour, usages);
			}
			if (endHour.isBefore(to)) {
				ledgerByTenant(sql, part, meter, endHour, to, usages);
			}
		}
		return usages;
	}

	private void ledgerByTenant(LedgerDatabase sql, List<String> tenants, String meter, Instant from, Instant to,
			Map<String, BigDecimal> usages) {
		List<Object> args = new ArrayList<>(tenants);
		args.add(meter);
		args.add(sql.timestamp(from));
		args.add(sql.timestamp(to));
		LedgerUsageReader.addGrouped(this.jdbc,
				this.sql.sumLedgerByTenant(tenants.size()), args, usages);
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
		LedgerDatabase sql = this.database.get();
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

	private BigDecimal wholeHours(LedgerDatabase sql, LedgerScopeColumn column, String id, String meter, Instant from,
			Instant to) {
		Object start = sql.timestamp(from);
		Object end = sql.timestamp(to);
		BigDecimal sum = this.jdbc.queryForObject(this.sumRollupsAndUnfolded.get(column), BigDecimal.class,
				id, meter, start, end, lowestUnfoldedId(sql), id, meter, start, end, RollupJob.NAME, RollupJob.NAME);
		return (sum != null) ? sum : BigDecimal.ZERO;
	}

	/**
	 * A lower bound of every id the rollup has not folded, now or later: the watermark only
	 * rises, and new gaps only open above the watermark they were found at. The statement that
	 * sums reads the exact progress itself; this bound only lets the database scan the primary
	 * key from there instead of the whole window's ledger rows.
	 */
	private long lowestUnfoldedId(LedgerDatabase sql) {
		List<Long> lowest = this.jdbc.query(this.progress, (rs, n) -> {
			long next = rs.getLong(1) + 1;
			long gap = rs.getLong(2);
			return rs.wasNull() ? next : Math.min(next, gap);
		}, RollupJob.NAME);
		return lowest.isEmpty() ? 0 : lowest.get(0);
	}

	private BigDecimal ledger(LedgerDatabase sql, LedgerScopeColumn column, String id, String meter, Instant from,
			Instant to) {
		BigDecimal sum = this.jdbc.queryForObject(this.sumLedger.get(column), BigDecimal.class, id, meter,
				sql.timestamp(from), sql.timestamp(to));
		return (sum != null) ? sum : BigDecimal.ZERO;
	}

	private static Instant ceilHour(Instant instant) {
		Instant floor = instant.truncatedTo(ChronoUnit.HOURS);
		return floor.equals(instant) ? floor : floor.plus(1, ChronoUnit.HOURS);
	}

}
