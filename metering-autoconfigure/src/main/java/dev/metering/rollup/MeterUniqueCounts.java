package dev.metering.rollup;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.LongSupplier;

import dev.metering.internal.json.DimensionsJson;
import dev.metering.internal.sql.CorrectionSql;
import dev.metering.internal.sql.LedgerDatabase;
import dev.metering.internal.sql.MeterSql;
import dev.metering.meter.MeterDefinition;
import org.jspecify.annotations.Nullable;

import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The unique counts of one {@link MeterUsageReader.Query}, each window (a bucket, or the whole
 * query) counted exactly: from the monthly distinct values when it starts at the first instant of
 * a UTC month, else from the ledger rows of the window. Voided events are never counted: a window
 * with a void the rollup has not folded yet is counted from the ledger too.
 */
final class MeterUniqueCounts {

	/** Values per look-up of kept distinct values. */
	private static final int VALUES_PER_STATEMENT = 500;

	private final MeterSql.Usage sql;

	private final MeterDefinition definition;

	private final String scope;

	private final MeterUsageReader.Query query;

	private final JdbcTemplate jdbc;

	private final LedgerDatabase db;

	private final Map<Instant, Instant[]> cut;

	private final LongSupplier lowestUnfolded;

	private final Map<String, Map<String, String>> decoded = new HashMap<>();

	MeterUniqueCounts(JdbcTemplate jdbc, LedgerDatabase db, MeterSql.Usage sql, MeterDefinition definition,
			String scope, MeterUsageReader.Query query, Map<Instant, Instant[]> cut, LongSupplier lowestUnfolded) {
		this.jdbc = jdbc;
		this.db = db;
		this.cut = cut;
		this.lowestUnfolded = lowestUnfolded;
		this.sql = sql;
		this.definition = definition;
		this.scope = scope;
		this.query = query;
	}

	Map<Map<String, String>, MeterUsage.Series> count() {
		Map<Map<String, String>, Map<Instant, BigDecimal>> buckets = new LinkedHashMap<>();
		Map<Map<String, String>, BigDecimal> totals = new LinkedHashMap<>();
		List<Instant[]> fromLedger = new ArrayList<>();
		this.cut.forEach((start, window) -> {
			if (isMonthStart(window[0])) {
				window(window[0], window[1]).forEach((group, count) -> buckets
					.computeIfAbsent(group, (g) -> new HashMap<>()).put(start, BigDecimal.valueOf(count)));
			}
			else {
				fromLedger.add(new Instant[] { start, window[0], window[1] });
			}
		});
		if (!fromLedger.isEmpty()) {
			ledgerWindows(fromLedger).forEach((window, counts) -> counts.forEach((group, count) -> buckets
				.computeIfAbsent(group, (g) -> new HashMap<>()).put(window, BigDecimal.valueOf(count))));
		}
		Map<Map<String, String>, Long> whole = isMonthStart(this.query.from())
				? window(this.query.from(), this.query.to())
				: ledgerWindows(List.<Instant[]>of(new Instant[] { this.query.from(), this.query.from(),
						this.query.to() })).getOrDefault(this.query.from(), Map.of());
		whole.forEach((group, count) -> totals.put(group, BigDecimal.valueOf(count)));
		Map<Map<String, String>, MeterUsage.Series> series = new LinkedHashMap<>();
		totals.forEach((group, total) -> series.put(group,
				new MeterUsage.Series(buckets.getOrDefault(group, Map.of()), total)));
		return series;
	}

	/**
	 * The counts of a window starting at a month's start: the months' kept values first seen
	 * before its end, joined with the values of rows not folded yet. The unfolded rows are read
	 * first: a value folded between the two reads is then in both, and a set counts it once.
	 */
	private Map<Map<String, String>, Long> window(Instant from, Instant to) {
		Object start = this.db.timestamp(from);
		Object end = this.db.timestamp(to);
		Object monthsEnd = this.db.timestamp(nextMonth(MeterFold.monthOf(to.minusNanos(1))));
		Map<Map<String, String>, Set<String>> unfolded = new LinkedHashMap<>();
		boolean[] voided = { false };
		this.jdbc.query(this.sql.unfoldedDimensions(), (rs) -> {
			if (rs.getString(3) == null) {
				addValue(unfolded, rs.getString(2));
			}
			else if (CorrectionSql.VOID.equals(rs.getString(4))) {
				voided[0] = true;
			}
		}, this.scope, this.definition.name(), start, end, this.lowestUnfolded.getAsLong(), RollupJob.NAME, RollupJob.NAME);
		if (voided[0]) {
			// A void not folded yet: the kept values may still hold its event's; count the ledger's.
			return ledgerWindows(List.<Instant[]>of(new Instant[] { from, from, to })).getOrDefault(from, Map.of());
		}
		Object[] months = { this.scope, this.definition.name(), start, monthsEnd, end };
		if (this.query.groupBy().isEmpty() && this.query.filter().isEmpty()) {
			// One group of every value: counted by the database, only unfolded values compared.
			Long kept = this.jdbc.queryForObject(this.sql.countDistinct(), Long.class, months);
			Set<String> fresh = new HashSet<>(unfolded.getOrDefault(Map.of(), Set.of()));
			fresh.removeAll(known(months, new ArrayList<>(fresh)));
			long count = ((kept != null) ? kept : 0) + fresh.size();
			return (count > 0) ? Map.of(Map.of(), count) : Map.of();
		}
		Map<String, Map<String, String>> groupsByKey = new HashMap<>();
		this.jdbc.query(this.sql.groupValues(), (rs) -> {
			String values = rs.getString(2);
			groupsByKey.put(rs.getString(1), DimensionsJson.decode(values));
		}, this.scope, this.definition.name(), start, monthsEnd);
		Map<Map<String, String>, Set<String>> values = unfolded;
		this.jdbc.query(this.sql.distinctValues(), (rs) -> {
			Map<String, String> groups = groupsByKey.getOrDefault(rs.getString(1), Map.of());
			Map<String, String> group = this.query.groupOf(groups);
			if (group != null) {
				values.computeIfAbsent(group, (g) -> new HashSet<>()).add(rs.getString(2));
			}
		}, months);
		Map<Map<String, String>, Long> counts = new LinkedHashMap<>();
		values.forEach((group, set) -> counts.put(group, (long) set.size()));
		return counts;
	}

	private Set<String> known(Object[] months, List<String> values) {
		Set<String> known = new HashSet<>();
		for (int from = 0; from < values.size(); from += VALUES_PER_STATEMENT) {
			List<String> chunk = values.subList(from, Math.min(values.size(), from + VALUES_PER_STATEMENT));
			Object[] args = new Object[months.length + chunk.size()];
			System.arraycopy(months, 0, args, 0, months.length);
			for (int i = 0; i < chunk.size(); i++) {
				args[months.length + i] = chunk.get(i);
			}
			known.addAll(this.jdbc.queryForList(this.sql.knownDistinct(chunk.size()),
					String.class, args));
		}
		return known;
	}

	/**
	 * The counts of windows read from the ledger, in one scan of their span.
	 * @param windows each as (key, from, to)
	 * @return counts by group, by window key
	 */
	private Map<Instant, Map<Map<String, String>, Long>> ledgerWindows(List<Instant[]> windows) {
		Instant from = windows.stream().map((w) -> w[1]).min(Instant::compareTo).orElseThrow();
		Instant to = windows.stream().map((w) -> w[2]).max(Instant::compareTo).orElseThrow();
		Map<Instant, Map<Map<String, String>, Set<String>>> values = new LinkedHashMap<>();
		this.jdbc.query(this.sql.ledgerDimensions(), (rs) -> {
			Instant at = this.db.readTimestamp(rs, 1);
			for (Instant[] window : windows) {
				if (!at.isBefore(window[1]) && at.isBefore(window[2])) {
					addValue(values.computeIfAbsent(window[0], (w) -> new LinkedHashMap<>()), rs.getString(2));
				}
			}
		}, this.scope, this.definition.name(), this.db.timestamp(from), this.db.timestamp(to));
		Map<Instant, Map<Map<String, String>, Long>> counts = new LinkedHashMap<>();
		values.forEach((window, groups) -> {
			Map<Map<String, String>, Long> byGroup = new LinkedHashMap<>();
			groups.forEach((group, set) -> byGroup.put(group, (long) set.size()));
			counts.put(window, byGroup);
		});
		return counts;
	}

	private void addValue(Map<Map<String, String>, Set<String>> into, @Nullable String dimensionsJson) {
		Map<String, String> dimensions = this.decoded.computeIfAbsent(
				(dimensionsJson != null) ? dimensionsJson : "", (k) -> DimensionsJson.decode(dimensionsJson));
		String value = dimensions.get(MeterDefinition.UNIQUE_VALUE_DIMENSION);
		if (value == null) {
			return;
		}
		Map<String, String> groups = new LinkedHashMap<>();
		this.definition.groupBy().keySet().forEach((name) -> groups.put(name, dimensions.getOrDefault(name, "")));
		Map<String, String> group = this.query.groupOf(groups);
		if (group != null) {
			into.computeIfAbsent(group, (g) -> new HashSet<>()).add(value);
		}
	}

	private static boolean isMonthStart(Instant at) {
		return MeterFold.monthOf(at).equals(at);
	}

	private static Instant nextMonth(Instant month) {
		return month.atOffset(ZoneOffset.UTC).plusMonths(1).toInstant();
	}

}
