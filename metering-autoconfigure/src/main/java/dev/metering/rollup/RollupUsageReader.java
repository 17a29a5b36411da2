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

import dev.metering.ledger.LedgerDatabase;
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

	/**
	 * Usage of whole hours as rollups plus the ledger rows the rollup has not folded yet (above
	 * its watermark or in one of its gaps), in one statement, so that both parts come from the
	 * same snapshot and a run committing meanwhile can neither hide a row nor count it twice.
	 * Parameters: id, meter, from, to (rollups); lowestUnfolded (a lower bound of every unfolded
	 * id, which lets the database scan the primary key), id, meter, from, to, name, name (ledger).
	 */
	private static final String SUM_ROLLUPS_AND_UNFOLDED = "SELECT COALESCE((SELECT SUM(r.quantity) FROM "
			+ "%PREFIX%usage_rollup r WHERE r.%SCOPE% = ? AND r.meter = ? AND r.period_start >= ? "
			+ "AND r.period_start < ?), 0) + COALESCE((SELECT SUM(e.quantity) FROM %PREFIX%usage_event e "
			+ "WHERE e.id >= ? AND e.%SCOPE% = ? AND e.meter = ? AND e.occurred_at >= ? AND e.occurred_at < ? "
			+ "AND (e.id > COALESCE((SELECT s.watermark FROM %PREFIX%rollup_state s WHERE s.name = ?), 0) "
			+ "OR EXISTS (SELECT 1 FROM %PREFIX%rollup_gap g WHERE g.name = ? "
			+ "AND e.id BETWEEN g.gap_start AND g.gap_end))), 0)";

	/**
	 * {@link #SUM_ROLLUPS_AND_UNFOLDED} for many tenants in one statement (one snapshot), one row
	 * per tenant with usage. Parameters: the tenants ({@code %IDS%}), meter, from, to (rollups);
	 * lowestUnfolded, the tenants, meter, from, to, name, name (ledger).
	 */
	private static final String SUM_ROLLUPS_AND_UNFOLDED_BY_TENANT = "SELECT x.tenant_id, SUM(x.quantity) FROM ("
			+ "SELECT r.tenant_id, r.quantity FROM %PREFIX%usage_rollup r WHERE r.tenant_id IN (%IDS%) "
			+ "AND r.meter = ? AND r.period_start >= ? AND r.period_start < ? UNION ALL "
			+ "SELECT e.tenant_id, e.quantity FROM %PREFIX%usage_event e WHERE e.id >= ? AND e.tenant_id IN (%IDS%) "
			+ "AND e.meter = ? AND e.occurred_at >= ? AND e.occurred_at < ? "
			+ "AND (e.id > COALESCE((SELECT s.watermark FROM %PREFIX%rollup_state s WHERE s.name = ?), 0) "
			+ "OR EXISTS (SELECT 1 FROM %PREFIX%rollup_gap g WHERE g.name = ? "
			+ "AND e.id BETWEEN g.gap_start AND g.gap_end))) x GROUP BY x.tenant_id";

	/** A rollup's watermark and the start of its lowest open gap (null when none), without locking. */
	private static final String PROGRESS = "SELECT s.watermark, (SELECT MIN(g.gap_start) FROM %PREFIX%rollup_gap g "
			+ "WHERE g.name = s.name) FROM %PREFIX%rollup_state s WHERE s.name = ?";

	private final Supplier<LedgerDatabase> database;

	private final Map<LedgerScopeColumn, String> sumRollupsAndUnfolded;

	private final Map<LedgerScopeColumn, String> sumLedger;

	private final String progress;

	private final String sumByTenant;

	private final String sumLedgerByTenant;

	/**
	 * A reader over the rollups and ledger of a DataSource.
	 * @param dataSource the DataSource
	 * @param database supplies the database (called once, on the first read)
	 * @param tables the table names
	 */
	public RollupUsageReader(DataSource dataSource, Supplier<LedgerDatabase> database, MeteringTables tables) {
		this.jdbc = new JdbcTemplate(dataSource);
		this.database = SingletonSupplier.of(database);
		this.sumRollupsAndUnfolded = LedgerScopeColumn.resolve(SUM_ROLLUPS_AND_UNFOLDED, tables);
		this.sumLedger = LedgerScopeColumn.resolve(LedgerUsageReader.SUM_LEDGER, tables);
		this.progress = tables.resolve(PROGRESS);
		this.sumByTenant = tables.resolve(SUM_ROLLUPS_AND_UNFOLDED_BY_TENANT);
		this.sumLedgerByTenant = tables.resolve(LedgerUsageReader.SUM_LEDGER_BY_TENANT);
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
			String ids = LedgerUsageReader.parameters(part.size());
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
			LedgerUsageReader.addGrouped(this.jdbc, this.sumByTenant.replace("%IDS%", ids), args, usages);
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
				this.sumLedgerByTenant.replace("%IDS%", LedgerUsageReader.parameters(tenants.size())), args, usages);
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
