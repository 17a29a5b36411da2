package dev.metering.rollup;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.NavigableSet;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;

import javax.sql.DataSource;

import dev.metering.internal.json.DimensionsJson;
import dev.metering.internal.sql.LedgerDatabase;
import dev.metering.internal.sql.MeterSql;
import dev.metering.internal.sql.RollupSql;
import dev.metering.internal.sql.TableNames;
import dev.metering.ledger.MeteringTables;
import dev.metering.meter.Aggregation;
import dev.metering.meter.MeterDefinition;
import org.jspecify.annotations.Nullable;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.util.function.SingletonSupplier;

/**
 * Reads a defined meter's usage by group and bucket, equal to the ledger: the hourly group
 * rollups plus the ledger rows the rollup has not folded yet, in one statement.
 * <p>
 * A unique count is never a sum of parts. A window that starts at the first instant of a UTC
 * month is counted from the monthly distinct values (first seen before the window's end) plus
 * the unfolded rows' values; any other window (a day, an hour, a range starting mid-month) is
 * counted from the ledger rows of the window, so its cost grows with its events.
 * <p>
 * Events the rollup has not folded yet count under their own group values: a group beyond
 * {@code max-groups} moves to the overflow group when it is folded.
 * <p>
 * A void or correction not folded yet of a meter whose cells are not sums: the hours it touches
 * are read from the ledger instead, each event at its corrected quantity, voided events left out.
 */
public class MeterUsageReader {

	private final JdbcTemplate jdbc;

	private final Supplier<LedgerDatabase> database;

	private final Supplier<MeterSql.Usage> byTenant;

	private final Supplier<MeterSql.Usage> byBillingScope;

	private final String progress;

	/**
	 * A reader over the rollups and ledger of a DataSource.
	 * @param dataSource the ledger's DataSource
	 * @param database supplies the database (called once, on first use)
	 * @param tables the table names
	 */
	public MeterUsageReader(DataSource dataSource, Supplier<LedgerDatabase> database, MeteringTables tables) {
		this.jdbc = new JdbcTemplate(dataSource);
		this.database = SingletonSupplier.of(database);
		Supplier<MeterSql> sql = SingletonSupplier.of(() -> this.database.get().sql(tables.prefix()).meters());
		this.byTenant = SingletonSupplier.of(() -> sql.get().usage(LedgerScopeColumn.TENANT.column()));
		this.byBillingScope = SingletonSupplier.of(() -> sql.get().usage(LedgerScopeColumn.BILLING_SCOPE.column()));
		this.progress = new RollupSql(new TableNames(tables.prefix())).progress();
	}

	/**
	 * A tenant's usage of a defined meter.
	 * @param definition the meter's definition
	 * @param tenantId the tenant
	 * @param query the window, buckets, grouping and filter
	 * @return the usage by group
	 */
	public MeterUsage tenantUsage(MeterDefinition definition, String tenantId, Query query) {
		return read(this.byTenant.get(), definition, tenantId, query);
	}

	/**
	 * The usage of a defined meter billed to a scope (every tenant it pays for).
	 * @param definition the meter's definition
	 * @param billingScopeId the billing scope
	 * @param query the window, buckets, grouping and filter
	 * @return the usage by group
	 */
	public MeterUsage billingScopeUsage(MeterDefinition definition, String billingScopeId, Query query) {
		return read(this.byBillingScope.get(), definition, billingScopeId, query);
	}

	private MeterUsage read(MeterSql.Usage sql, MeterDefinition definition, String scope, Query query) {
		for (String dimension : query.groupBy()) {
			requireDimension(definition, dimension);
		}
		query.filter().keySet().forEach((dimension) -> requireDimension(definition, dimension));
		Windows windows = new Windows(query);
		Map<Map<String, String>, MeterUsage.Series> groups = (definition.aggregation() == Aggregation.UNIQUE_COUNT)
				? new MeterUniqueCounts(this.jdbc, this.database.get(), sql, definition, scope, query,
						windows.cut(), this::lowestUnfolded).count()
				: aggregates(sql, definition, scope, query, windows);
		return new MeterUsage(definition.aggregation(), query.groupBy(), groups);
	}

	private static void requireDimension(MeterDefinition definition, String dimension) {
		if (!definition.groupBy().containsKey(dimension)) {
			throw new IllegalArgumentException("Meter " + definition.name() + " has no dimension '" + dimension
					+ "'; its group-by is " + definition.groupBy().keySet());
		}
	}

	private Map<Map<String, String>, MeterUsage.Series> aggregates(MeterSql.Usage sql, MeterDefinition definition,
			String scope, Query query, Windows windows) {
		LedgerDatabase db = this.database.get();
		Object from = db.timestamp(query.from());
		Object to = db.timestamp(query.to());
		boolean summed = definition.aggregation() == Aggregation.SUM;
		List<Part> parts = new ArrayList<>();
		Set<Instant> corrected = new HashSet<>();
		Map<String, Map<String, String>> decoded = new HashMap<>();
		this.jdbc.query(sql.hoursAndUnfolded(), (rs) -> {
			Instant at = db.readTimestamp(rs, 1);
			String groupValues = rs.getString(2);
			String eventId = rs.getString(10);
			if (eventId == null) {
				Map<String, String> groups = decoded.computeIfAbsent((groupValues != null) ? groupValues : "",
						DimensionsJson::decode);
				parts.add(new Part(at, groups, new MeterAggregate(rs.getBigDecimal(3), rs.getLong(4),
						rs.getBigDecimal(5), rs.getBigDecimal(6), rs.getBigDecimal(7), db.readTimestamp(rs, 8),
						rs.getString(9))));
			}
			else if (!summed && rs.getString(12) != null) {
				// A compensating row not folded yet: its hour is read from the ledger, corrected.
				corrected.add(at.truncatedTo(ChronoUnit.HOURS));
			}
			else {
				parts.add(new Part(at, groupsOf(definition, decoded, rs.getString(11)),
						MeterAggregate.of(rs.getBigDecimal(3), at, eventId.toLowerCase(Locale.ROOT))));
			}
		}, scope, definition.name(), from, to, scope, definition.name(), from, to, lowestUnfolded(), RollupJob.NAME,
				RollupJob.NAME);
		if (!corrected.isEmpty()) {
			parts.removeIf((part) -> corrected.contains(part.at().truncatedTo(ChronoUnit.HOURS)));
			for (Instant hour : corrected) {
				this.jdbc.query(sql.correctedRows(), (rs) -> {
					Instant at = db.readTimestamp(rs, 7);
					parts.add(new Part(at, groupsOf(definition, decoded, rs.getString(8)),
							MeterAggregate.of(rs.getBigDecimal(6), at, rs.getString(2).toLowerCase(Locale.ROOT))));
				}, scope, definition.name(), db.timestamp(hour), db.timestamp(hour.plus(1, ChronoUnit.HOURS)));
			}
		}
		Map<Map<String, String>, Map<Instant, MeterAggregate>> byBucket = new LinkedHashMap<>();
		Map<Map<String, String>, MeterAggregate> totals = new LinkedHashMap<>();
		for (Part part : parts) {
			Map<String, String> group = query.groupOf(part.groups());
			if (group != null) {
				merge(byBucket.computeIfAbsent(group, (g) -> new HashMap<>()), windows.bucketOf(part.at()),
						part.aggregate());
				merge(totals, group, part.aggregate());
			}
		}
		Map<Map<String, String>, MeterUsage.Series> series = new LinkedHashMap<>();
		totals.forEach((group, total) -> {
			Map<Instant, BigDecimal> buckets = new HashMap<>();
			byBucket.get(group).forEach((bucket, a) -> buckets.put(bucket, a.value(definition.aggregation())));
			series.put(group, new MeterUsage.Series(buckets, total.value(definition.aggregation())));
		});
		return series;
	}

	/** A rollup cell or a ledger row: its hour or instant, its group values, what it holds. */
	private record Part(Instant at, Map<String, String> groups, MeterAggregate aggregate) {

	}

	private static <K> void merge(Map<K, MeterAggregate> into, K key, MeterAggregate part) {
		MeterAggregate existing = into.get(key);
		if (existing == null) {
			into.put(key, part.copy());
		}
		else {
			existing.merge(part);
		}
	}

	/** A ledger row's group values under the definition ({@code ""} for an absent one), as the fold keys them. */
	private static Map<String, String> groupsOf(MeterDefinition definition, Map<String, Map<String, String>> decoded,
			@Nullable String dimensionsJson) {
		return groupValues(definition, decoded.computeIfAbsent(
				"\u0000" + ((dimensionsJson != null) ? dimensionsJson : ""), (k) -> DimensionsJson.decode(dimensionsJson)));
	}

	/** The group-by dimensions' values among an event's dimensions, {@code ""} for an absent one. */
	static Map<String, String> groupValues(MeterDefinition definition, Map<String, String> dimensions) {
		Map<String, String> groups = new LinkedHashMap<>();
		definition.groupBy().keySet().forEach((name) -> groups.put(name, dimensions.getOrDefault(name, "")));
		return groups;
	}

	private long lowestUnfolded() {
		List<Long> lowest = this.jdbc.query(this.progress, (rs, n) -> {
			long next = rs.getLong(1) + 1;
			long gap = rs.getLong(2);
			return rs.wasNull() ? next : Math.min(next, gap);
		}, RollupJob.NAME);
		return lowest.isEmpty() ? 0 : lowest.get(0);
	}

	/**
	 * What to read.
	 *
	 * @param from the window's start, on a whole hour
	 * @param to the window's end (exclusive), on a whole hour
	 * @param buckets the start of each bucket, the first at or before {@code from}; a bucket
	 * ends where the next starts (the last at {@code to})
	 * @param groupBy the meter's dimensions to group by, in the order given; empty for one group
	 * @param filter dimension values every counted event has
	 */
	public record Query(Instant from, Instant to, NavigableSet<Instant> buckets, List<String> groupBy,
			Map<String, String> filter) {

		public Query {
			if (!from.isBefore(to)) {
				throw new IllegalArgumentException("from must be before to");
			}
			buckets = new TreeSet<>(buckets);
			if (buckets.isEmpty() || buckets.first().isAfter(from)) {
				throw new IllegalArgumentException("the first bucket must start at or before from");
			}
			groupBy = List.copyOf(groupBy);
			filter = Map.copyOf(filter);
		}

		/**
		 * The whole window as one bucket, ungrouped and unfiltered unless given.
		 * @param from the start
		 * @param to the end
		 * @param filter dimension values every counted event has
		 * @return the query
		 */
		public static Query total(Instant from, Instant to, Map<String, String> filter) {
			return new Query(from, to, new TreeSet<>(List.of(from)), List.of(), filter);
		}

		/** The group an event's group values count in, {@code null} when the filter leaves them out. */
		@Nullable Map<String, String> groupOf(Map<String, String> groups) {
			for (Map.Entry<String, String> wanted : this.filter.entrySet()) {
				if (!wanted.getValue().equals(groups.get(wanted.getKey()))) {
					return null;
				}
			}
			if (this.groupBy.isEmpty()) {
				return Map.of();
			}
			Map<String, String> group = new LinkedHashMap<>();
			this.groupBy.forEach((dimension) -> group.put(dimension, groups.getOrDefault(dimension, "")));
			return group;
		}

	}

	/** The query's buckets cut to its window. */
	private static final class Windows {

		private final Query query;

		Windows(Query query) {
			this.query = query;
		}

		Instant bucketOf(Instant at) {
			Instant start = this.query.buckets().floor(at);
			return (start != null) ? start : this.query.buckets().first();
		}

		/** Each bucket's window, cut to the query's: start (at least from) to end. */
		Map<Instant, Instant[]> cut() {
			Map<Instant, Instant[]> cut = new LinkedHashMap<>();
			for (Instant start : this.query.buckets()) {
				if (!start.isBefore(this.query.to())) {
					break;
				}
				Instant next = this.query.buckets().higher(start);
				Instant end = (next == null || next.isAfter(this.query.to())) ? this.query.to() : next;
				cut.put(start, new Instant[] { start.isBefore(this.query.from()) ? this.query.from() : start, end });
			}
			return cut;
		}

	}

}
