package dev.metering.rollup;

import java.math.BigDecimal;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.IntFunction;
import java.util.function.LongPredicate;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import dev.metering.internal.json.DimensionsJson;
import dev.metering.internal.sql.DatabaseSql;
import dev.metering.internal.sql.LedgerDatabase;
import dev.metering.internal.sql.MeterSql;
import dev.metering.internal.sql.PostgresSql;
import dev.metering.meter.Aggregation;
import dev.metering.meter.GroupKey;
import dev.metering.meter.MeterDefinition;
import dev.metering.meter.MeterDefinitions;
import org.jspecify.annotations.Nullable;

import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Folds the ledger rows of defined meters into their hourly group rollups and, for unique-count
 * meters, their monthly distinct values: over the exact id ranges the rollup batch folded, in
 * its transaction, so both commit with the watermark or not at all and every row is folded once.
 * <p>
 * Over 350 lines: one batch's read, group choice (max-groups), merge and writes share their keys
 * and read best together.
 * <p>
 * The rows are aggregated in Java by (tenant, meter, billing scope, hour, group), then merged
 * with the stored rows and written back by primary key: only this fold writes these tables, and
 * the batch holds the progress row's lock, so nothing writes between the read and the write.
 * New rollups, groups and distinct values go in multi-row statements (distinct values as each
 * database's upsert), so a batch's writes are a few statements, not one per row.
 * Groups beyond a meter's {@code max-groups} in a tenant's month are counted under the overflow
 * group, in the order their first events have in the ledger. Meters without a definition are not
 * read at all: their rows keep the rollup's one path.
 */
final class MeterFold {

	private static final Log logger = LogFactory.getLog(MeterFold.class);

	/** Id ranges per read (two parameters each). */
	private static final int RANGES_PER_STATEMENT = 100;

	/** Hour keys per read of stored rollups (four parameters each). */
	private static final int KEYS_PER_STATEMENT = 100;

	/** Values per read of stored distinct values. */
	private static final int VALUES_PER_STATEMENT = 500;

	/** Rows per multi-row insert or upsert (at most 14 parameters each). */
	private static final int ROWS_PER_STATEMENT = 1_000;

	private final JdbcTemplate jdbc;

	private final LedgerDatabase dialect;

	private final MeterSql sql;

	private final DatabaseSql databaseSql;

	private final MeterDefinitions definitions;

	/** PostgreSQL's statements when the ledger has batch meter aggregates to read; else null. */
	private final @Nullable PostgresSql batches;

	MeterFold(JdbcTemplate jdbc, DatabaseSql sql, MeterDefinitions definitions) {
		this(jdbc, sql, definitions, false);
	}

	/**
	 * A fold that reads the writer's batch aggregates where a batch has them.
	 * @param batches whether the ledger has batch meter aggregates (PostgreSQL only)
	 */
	MeterFold(JdbcTemplate jdbc, DatabaseSql sql, MeterDefinitions definitions, boolean batches) {
		this.jdbc = jdbc;
		this.dialect = sql.database();
		this.sql = sql.meters();
		this.databaseSql = sql;
		this.definitions = definitions;
		this.batches = (batches && sql instanceof PostgresSql postgres) ? postgres : null;
	}

	/**
	 * Folds the defined meters' rows of id ranges the batch folded.
	 * <p>
	 * A compensating row (a void or correction) of a meter whose cells are not sums is not added:
	 * the cells it touches (its hour, and for a unique count its month's distinct values) are
	 * recomputed from the ledger by {@link CorrectedCells}. So is the cell of an event folded
	 * late (from a gap, below the watermark) that already has a correction.
	 * @param ranges inclusive id ranges, every id of which exists and none folded before
	 * @param now the {@code updated_at} of the rows written
	 * @param watermarkBefore the watermark before this batch (an id at or below it fills a gap)
	 * @param foldedAfter whether a ledger id is folded once this batch commits
	 * @return how many ledger rows of defined meters were folded
	 */
	long fold(List<long[]> ranges, Instant now, long watermarkBefore, LongPredicate foldedAfter) {
		List<MeterDefinition> all = this.definitions.all();
		if (all.isEmpty() || ranges.isEmpty()) {
			return 0;
		}
		CorrectedCells cells = new CorrectedCells(this.jdbc, this.dialect, this.sql, this.definitions, foldedAfter,
				this::insertRows, this.databaseSql::upsertDistinct);
		Rows rows = new Rows(cells, watermarkBefore);
		List<String> meters = all.stream().map(MeterDefinition::name).toList();
		if (this.batches != null) {
			boolean exact = all.stream().anyMatch((definition) -> definition.aggregation() != Aggregation.SUM);
			ranges = foldBatchAggregates(this.batches, ranges, meters, rows, exact ? watermarkBefore : -1);
		}
		for (int from = 0; from < ranges.size(); from += RANGES_PER_STATEMENT) {
			List<long[]> chunk = ranges.subList(from, Math.min(ranges.size(), from + RANGES_PER_STATEMENT));
			Object[] args = new Object[chunk.size() * 2 + meters.size()];
			for (int i = 0; i < chunk.size(); i++) {
				args[2 * i] = chunk.get(i)[0];
				args[2 * i + 1] = chunk.get(i)[1];
			}
			for (int i = 0; i < meters.size(); i++) {
				args[2 * chunk.size() + i] = meters.get(i);
			}
			String statement = this.sql.ledgerRows(chunk.size(), meters.size());
			this.jdbc.query((connection) -> {
				PreparedStatement prepared = connection.prepareStatement(statement);
				for (int i = 0; i < args.length; i++) {
					prepared.setObject(i + 1, args[i]);
				}
				prepared.setFetchSize(5_000);
				return prepared;
			}, rows::add);
		}
		if (rows.events == 0) {
			return 0;
		}
		Map<GroupOfMonth, String> chosen = chooseGroups(rows);
		writeRollups(rows, chosen, now);
		writeDistinct(rows, chosen);
		rows.markCorrectedLateEvents();
		cells.recompute(now);
		return rows.events;
	}

	/**
	 * Adds the aggregates of the writer's batches that lie wholly within the ranges (every row of
	 * such a batch is folded now, and none before) instead of their rows. A batch at or below
	 * {@code rowsAtOrBelow} (one filling a gap) is read as rows, which tell its corrected events.
	 * @return the ranges left to read as rows
	 */
	private List<long[]> foldBatchAggregates(PostgresSql postgres, List<long[]> ranges, List<String> meters,
			Rows rows, long rowsAtOrBelow) {
		List<long[]> merged = coalesce(ranges);
		List<long[]> runs = new ArrayList<>(this.jdbc.query(postgres.meterBatches().runsSql(),
				(rs, n) -> new long[] { rs.getLong(1), rs.getLong(2) }, merged.get(0)[0] - 1,
				merged.get(merged.size() - 1)[1]));
		runs.sort(Comparator.comparingLong((long[] run) -> run[0]));
		List<long[]> used = new ArrayList<>();
		int at = 0;
		for (long[] run : runs) {
			// The run's first id is the one its batch took and left unused: its rows are the ids after.
			while (at < merged.size() && merged.get(at)[1] < run[1]) {
				at++;
			}
			if (at < merged.size() && merged.get(at)[0] <= run[0] + 1 && run[1] <= merged.get(at)[1]
					&& run[1] > rowsAtOrBelow) {
				used.add(run);
			}
		}
		if (used.isEmpty()) {
			return ranges;
		}
		Long[] firsts = used.stream().map((run) -> run[0]).toArray(Long[]::new);
		String[] names = meters.toArray(String[]::new);
		this.jdbc.query((connection) -> {
			PreparedStatement prepared = connection.prepareStatement(postgres.meterBatches().rowsSql());
			prepared.setArray(1, connection.createArrayOf("bigint", firsts));
			prepared.setArray(2, connection.createArrayOf("varchar", names));
			prepared.setFetchSize(5_000);
			return prepared;
		}, rows::addAggregate);
		return without(merged, used);
	}

	/** Ranges sorted and joined where they touch. */
	private static List<long[]> coalesce(List<long[]> ranges) {
		List<long[]> sorted = new ArrayList<>(ranges);
		sorted.sort(Comparator.comparingLong((long[] range) -> range[0]));
		List<long[]> merged = new ArrayList<>();
		for (long[] range : sorted) {
			long[] last = merged.isEmpty() ? null : merged.get(merged.size() - 1);
			if (last != null && range[0] <= last[1] + 1) {
				last[1] = Math.max(last[1], range[1]);
			}
			else {
				merged.add(new long[] { range[0], range[1] });
			}
		}
		return merged;
	}

	/** The ids of sorted, disjoint ranges outside sorted, disjoint runs. */
	private static List<long[]> without(List<long[]> ranges, List<long[]> runs) {
		List<long[]> left = new ArrayList<>();
		int r = 0;
		for (long[] range : ranges) {
			long next = range[0];
			while (r < runs.size() && runs.get(r)[1] < next) {
				r++;
			}
			int k = r;
			while (k < runs.size() && runs.get(k)[0] <= range[1]) {
				if (runs.get(k)[0] > next) {
					left.add(new long[] { next, runs.get(k)[0] - 1 });
				}
				next = Math.max(next, runs.get(k)[1] + 1);
				k++;
			}
			if (next <= range[1]) {
				left.add(new long[] { next, range[1] });
			}
		}
		return left;
	}

	/**
	 * The key each group of the batch is folded under: its own, or the overflow group's when its
	 * tenant's meter already has {@code max-groups} groups that month.
	 */
	private Map<GroupOfMonth, String> chooseGroups(Rows rows) {
		Map<GroupOfMonth, String> chosen = new HashMap<>();
		Map<MeterOfMonth, List<GroupOfMonth>> byMonth = new HashMap<>();
		rows.groups.keySet().forEach((group) -> byMonth.computeIfAbsent(group.meter(), (m) -> new ArrayList<>()).add(group));
		List<Object[]> inserts = new ArrayList<>();
		byMonth.forEach((month, groups) -> {
			MeterDefinition definition = this.definitions.find(month.meter());
			if (definition == null || definition.ungrouped()) {
				groups.forEach((group) -> chosen.put(group, group.key()));
				return;
			}
			Map<String, String> overflowValues = definition.overflowGroup();
			String overflow = GroupKey.of(overflowValues);
			rows.groupValues.put(overflow, DimensionsJson.encode(overflowValues));
			Set<String> known = new HashSet<>(this.jdbc.queryForList(this.sql.selectGroups(), String.class,
					month.tenantId(), month.meter(), this.dialect.timestamp(month.month())));
			groups.sort(Comparator.comparingLong(rows.groups::get));
			// The overflow group is kept beside max-groups others, and registered for its values.
			int room = definition.maxGroups() - known.size() + (known.contains(overflow) ? 1 : 0);
			boolean overflowed = false;
			for (GroupOfMonth group : groups) {
				if (known.contains(group.key())) {
					chosen.put(group, group.key());
				}
				else if (group.key().equals(overflow)) {
					// Values that are the overflow group's: counted there, registered once below.
					chosen.put(group, overflow);
					overflowed = true;
				}
				else if (room > 0) {
					room--;
					chosen.put(group, group.key());
					inserts.add(new Object[] { month.tenantId(), month.meter(), this.dialect.timestamp(month.month()),
							group.key(), rows.groupValues.get(group.key()) });
				}
				else {
					chosen.put(group, overflow);
					overflowed = true;
				}
			}
			if (overflowed && !known.contains(overflow)) {
				inserts.add(new Object[] { month.tenantId(), month.meter(), this.dialect.timestamp(month.month()),
						overflow, rows.groupValues.get(overflow) });
			}
		});
		insertRows(this.sql::insertGroups, inserts);
		return chosen;
	}

	private void writeRollups(Rows rows, Map<GroupOfMonth, String> chosen, Instant now) {
		Map<HourKey, MeterAggregate> folded = new LinkedHashMap<>();
		rows.hours.forEach((key, aggregate) -> {
			String group = chosen.get(new GroupOfMonth(new MeterOfMonth(key.tenantId(), key.meter(), monthOf(key.hour())),
					key.groupKey()));
			HourKey target = key.withGroup(group);
			MeterAggregate into = folded.get(target);
			if (into == null) {
				folded.put(target, aggregate.copy());
			}
			else {
				into.merge(aggregate);
			}
		});
		Map<HourKey, MeterAggregate> stored = storedRollups(new ArrayList<>(folded.keySet()));
		Object updatedAt = this.dialect.timestamp(now);
		List<Object[]> updates = new ArrayList<>();
		List<Object[]> inserts = new ArrayList<>();
		folded.forEach((key, aggregate) -> {
			MeterAggregate old = stored.get(key);
			if (old != null) {
				old.merge(aggregate);
				updates.add(new Object[] { old.sum, old.count, old.min, old.max, old.latest,
						this.dialect.timestamp(old.latestAt), old.latestEventId, updatedAt, key.tenantId(), key.meter(),
						key.billingScopeId(), this.dialect.timestamp(key.hour()), key.groupKey() });
			}
			else {
				inserts.add(new Object[] { key.tenantId(), key.meter(), key.billingScopeId(),
						this.dialect.timestamp(key.hour()), key.groupKey(), rows.groupValues.get(key.groupKey()),
						aggregate.sum, aggregate.count, aggregate.min, aggregate.max, aggregate.latest,
						this.dialect.timestamp(aggregate.latestAt), aggregate.latestEventId, updatedAt });
			}
		});
		if (!updates.isEmpty()) {
			this.jdbc.batchUpdate(this.sql.updateRollup(), updates);
		}
		insertRows(this.sql::insertRollups, inserts);
	}

	/** The stored rows of the batch's hours (every group of them), by key. */
	private Map<HourKey, MeterAggregate> storedRollups(List<HourKey> keys) {
		List<HourKey> hours = keys.stream().map((key) -> key.withGroup("")).distinct().toList();
		Map<HourKey, MeterAggregate> stored = new HashMap<>();
		for (int from = 0; from < hours.size(); from += KEYS_PER_STATEMENT) {
			List<HourKey> chunk = hours.subList(from, Math.min(hours.size(), from + KEYS_PER_STATEMENT));
			Object[] args = new Object[chunk.size() * 4];
			for (int i = 0; i < chunk.size(); i++) {
				HourKey key = chunk.get(i);
				args[4 * i] = key.tenantId();
				args[4 * i + 1] = key.meter();
				args[4 * i + 2] = key.billingScopeId();
				args[4 * i + 3] = this.dialect.timestamp(key.hour());
			}
			this.jdbc.query(this.sql.selectRollups(chunk.size()), (rs) -> {
				HourKey key = new HourKey(rs.getString(1), rs.getString(2), rs.getString(3),
						this.dialect.readTimestamp(rs, 4), rs.getString(5));
				stored.put(key, new MeterAggregate(rs.getBigDecimal(7), rs.getLong(8), rs.getBigDecimal(9),
						rs.getBigDecimal(10), rs.getBigDecimal(11), this.dialect.readTimestamp(rs, 12),
						rs.getString(13)));
			}, args);
		}
		return stored;
	}

	/**
	 * Adds the batch's distinct values to their months, set-based: one upsert per
	 * {@value #ROWS_PER_STATEMENT} values inserts the new ones and gives a known one seen earlier
	 * than stored (a late arrival) the earlier first-seen instant. A month keeps at most
	 * {@link MeterDefinition#MAX_DISTINCT_VALUES} values: when the batch's values could pass that
	 * bound, the stored ones are read first and only as many new values as fit are sent, the
	 * earliest seen first (then by value).
	 */
	private void writeDistinct(Rows rows, Map<GroupOfMonth, String> chosen) {
		Map<DistinctKey, Map<String, Instant>> folded = new LinkedHashMap<>();
		rows.distinct.forEach((key, values) -> {
			String group = chosen.get(new GroupOfMonth(new MeterOfMonth(key.tenantId(), key.meter(), key.month()),
					key.groupKey()));
			Map<String, Instant> into = folded.computeIfAbsent(key.withGroup(group), (k) -> new HashMap<>());
			values.forEach((value, seen) -> into.merge(value, seen, (a, b) -> (a.isBefore(b)) ? a : b));
		});
		List<Object[]> upserts = new ArrayList<>();
		folded.forEach((key, values) -> {
			Object month = this.dialect.timestamp(key.month());
			Long count = this.jdbc.queryForObject(this.sql.countDistinct(), Long.class, key.tenantId(), key.meter(),
					key.billingScopeId(), month, key.groupKey());
			long room = MeterDefinition.MAX_DISTINCT_VALUES - ((count != null) ? count : 0);
			List<Map.Entry<String, Instant>> sent = new ArrayList<>(values.entrySet());
			if (values.size() > room) {
				Set<String> stored = storedDistinct(key, month, new ArrayList<>(values.keySet()));
				List<Map.Entry<String, Instant>> added = new ArrayList<>();
				sent.clear();
				values.entrySet().forEach((entry) -> (stored.contains(entry.getKey()) ? sent : added).add(entry));
				added.sort(Map.Entry.<String, Instant>comparingByValue().thenComparing(Map.Entry.comparingByKey()));
				if (added.size() > room && logger.isWarnEnabled()) {
					logger.warn("Meter " + key.meter() + " of tenant " + key.tenantId() + " has "
							+ MeterDefinition.MAX_DISTINCT_VALUES + " distinct values in the month of " + key.month()
							+ ": " + (added.size() - Math.max(room, 0)) + " further values are not kept");
				}
				sent.addAll(added.subList(0, (int) Math.min(added.size(), Math.max(room, 0))));
			}
			sent.forEach((entry) -> upserts.add(new Object[] { key.tenantId(), key.meter(), key.billingScopeId(),
					month, key.groupKey(), entry.getKey(), this.dialect.timestamp(entry.getValue()) }));
		});
		insertRows(this.databaseSql::upsertDistinct, upserts);
	}

	/** Runs a statement of many rows in chunks of at most {@value #ROWS_PER_STATEMENT} rows. */
	private void insertRows(IntFunction<String> statement, List<Object[]> rows) {
		for (int from = 0; from < rows.size(); from += ROWS_PER_STATEMENT) {
			List<Object[]> chunk = rows.subList(from, Math.min(rows.size(), from + ROWS_PER_STATEMENT));
			this.jdbc.update(statement.apply(chunk.size()), chunk.stream().flatMap(Arrays::stream).toArray());
		}
	}

	/** Which of the values the key's month keeps already. */
	private Set<String> storedDistinct(DistinctKey key, Object month, List<String> values) {
		Set<String> stored = new HashSet<>();
		for (int from = 0; from < values.size(); from += VALUES_PER_STATEMENT) {
			List<String> chunk = values.subList(from, Math.min(values.size(), from + VALUES_PER_STATEMENT));
			Object[] args = new Object[5 + chunk.size()];
			args[0] = key.tenantId();
			args[1] = key.meter();
			args[2] = key.billingScopeId();
			args[3] = month;
			args[4] = key.groupKey();
			for (int i = 0; i < chunk.size(); i++) {
				args[5 + i] = chunk.get(i);
			}
			this.jdbc.query(this.sql.selectDistinct(chunk.size()), (rs) -> {
				stored.add(rs.getString(1));
			}, args);
		}
		return stored;
	}

	/** The first instant of the UTC month after the one starting at {@code month}. */
	static Instant nextMonth(Instant month) {
		return month.atOffset(ZoneOffset.UTC).plusMonths(1).toInstant();
	}

	/** The first instant of the UTC month of an instant. */
	static Instant monthOf(Instant instant) {
		return YearMonth.from(instant.atOffset(ZoneOffset.UTC)).atDay(1).atStartOfDay().toInstant(ZoneOffset.UTC);
	}

	/** The batch's rows, aggregated as they stream by: memory follows the keys, not the rows. */
	private final class Rows {

		final Map<HourKey, MeterAggregate> hours = new HashMap<>();

		final Map<DistinctKey, Map<String, Instant>> distinct = new HashMap<>();

		/** Each group of each tenant's meter and month, with the lowest ledger id it has in the batch. */
		final Map<GroupOfMonth, Long> groups = new HashMap<>();

		/** Group values as JSON by group key. */
		final Map<String, @Nullable String> groupValues = new HashMap<>();

		/** Group keys by the raw dimensions JSON, so each distinct JSON is hashed once. */
		private final Map<String, Group> parsed = new HashMap<>();

		long events;

		private final CorrectedCells cells;

		private final long watermarkBefore;

		/** Events of meters whose cells are not sums folded from a gap, by event id: their cells. */
		private final Map<String, Touched> late = new HashMap<>();

		Rows(CorrectedCells cells, long watermarkBefore) {
			this.cells = cells;
			this.watermarkBefore = watermarkBefore;
		}

		/** Adds a ledger row. */
		void add(ResultSet rs) throws SQLException {
			String meter = rs.getString(4);
			MeterDefinition definition = MeterFold.this.definitions.find(meter);
			if (definition == null) {
				return;
			}
			BigDecimal quantity = rs.getBigDecimal(6);
			Instant at = MeterFold.this.dialect.readTimestamp(rs, 7);
			if (definition.aggregation() != Aggregation.SUM) {
				boolean compensating = rs.getString(9) != null;
				if (compensating || rs.getLong(1) <= this.watermarkBefore) {
					Touched cell = new Touched(rs.getString(3), meter, rs.getString(5), at.truncatedTo(ChronoUnit.HOURS),
							definition.aggregation() == Aggregation.UNIQUE_COUNT);
					if (compensating) {
						cell.markIn(this.cells);
						this.events++;
						return;
					}
					this.late.put(rs.getString(2).toLowerCase(Locale.ROOT), cell);
				}
			}
			addKey(definition, rs.getString(3), meter, rs.getString(5), at.truncatedTo(ChronoUnit.HOURS), rs.getString(8),
					MeterAggregate.of(quantity, at, rs.getString(2).toLowerCase(Locale.ROOT)), at, rs.getLong(1));
		}

		/**
		 * Marks for recomputing the cells of the events folded from a gap that already have a
		 * correction (folded while the event waited in its gap, so not applied to it).
		 */
		void markCorrectedLateEvents() {
			List<String> ids = new ArrayList<>(this.late.keySet());
			for (int from = 0; from < ids.size(); from += VALUES_PER_STATEMENT) {
				List<String> chunk = ids.subList(from, Math.min(ids.size(), from + VALUES_PER_STATEMENT));
				Object[] args = chunk.stream()
					.map((id) -> (MeterFold.this.dialect == LedgerDatabase.MYSQL) ? id : UUID.fromString(id))
					.toArray();
				for (String corrected : MeterFold.this.jdbc.queryForList(MeterFold.this.sql.correctedEvents(chunk.size()),
						String.class, args)) {
					Touched cell = this.late.get(corrected.toLowerCase(Locale.ROOT));
					if (cell != null) {
						cell.markIn(this.cells);
					}
				}
			}
		}

		/** Adds a batch aggregate: the rows of one key of a writer's batch ({@code metering_meter_batch}). */
		void addAggregate(ResultSet rs) throws SQLException {
			String meter = rs.getString(2);
			MeterDefinition definition = MeterFold.this.definitions.find(meter);
			if (definition == null) {
				return;
			}
			LedgerDatabase database = MeterFold.this.dialect;
			MeterAggregate aggregate = new MeterAggregate(rs.getBigDecimal(6), rs.getLong(7), rs.getBigDecimal(8),
					rs.getBigDecimal(9), rs.getBigDecimal(10), database.readTimestamp(rs, 11),
					rs.getString(12).toLowerCase(Locale.ROOT));
			addKey(definition, rs.getString(1), meter, rs.getString(3), database.readTimestamp(rs, 4), rs.getString(5),
					aggregate, database.readTimestamp(rs, 13), rs.getLong(14));
		}

		/**
		 * Adds rows of one key.
		 * @param firstAt the earliest occurred_at of the rows (a counted value's first sight)
		 * @param firstId the lowest ledger id of the rows (the order of new groups)
		 */
		private void addKey(MeterDefinition definition, String tenantId, String meter, String scope, Instant hour,
				@Nullable String dimensions, MeterAggregate rowsAggregate, Instant firstAt, long firstId) {
			Group group = this.parsed.computeIfAbsent(meter + '\u0000' + ((dimensions != null) ? dimensions : ""),
					(k) -> Group.of(definition, dimensions));
			this.groupValues.putIfAbsent(group.key(), group.valuesJson());
			Instant month = monthOf(hour);
			HourKey key = new HourKey(tenantId, meter, scope, hour, group.key());
			MeterAggregate aggregate = this.hours.get(key);
			if (aggregate == null) {
				this.hours.put(key, rowsAggregate);
			}
			else {
				aggregate.merge(rowsAggregate);
			}
			this.groups.merge(new GroupOfMonth(new MeterOfMonth(tenantId, meter, month), group.key()), firstId,
					Math::min);
			if (definition.aggregation() == Aggregation.UNIQUE_COUNT && group.uniqueValue() != null) {
				this.distinct.computeIfAbsent(new DistinctKey(tenantId, meter, scope, month, group.key()),
						(k) -> new HashMap<>())
					.merge(group.uniqueValue(), firstAt, (a, b) -> (a.isBefore(b)) ? a : b);
			}
			this.events += rowsAggregate.count;
		}

	}

	/**
	 * An event's group under its definition: the group-by dimensions' values (an absent one is
	 * {@code ""}), their key, and the counted value of a unique-count meter.
	 */
	record Group(String key, @Nullable String valuesJson, @Nullable String uniqueValue) {

		static Group of(MeterDefinition definition, @Nullable String dimensionsJson) {
			Map<String, String> dimensions = DimensionsJson.decode(dimensionsJson);
			Map<String, String> groups = new LinkedHashMap<>();
			definition.groupBy().keySet().forEach((name) -> groups.put(name, dimensions.getOrDefault(name, "")));
			return new Group(GroupKey.of(groups), DimensionsJson.encode(groups),
					dimensions.get(MeterDefinition.UNIQUE_VALUE_DIMENSION));
		}

	}

	/** The hour (and for a unique count the month) of an event whose correction the fold meets. */
	private record Touched(String tenantId, String meter, String billingScopeId, Instant hour, boolean uniqueCount) {

		void markIn(CorrectedCells cells) {
			cells.add(this.tenantId, this.meter, this.billingScopeId, this.hour, this.uniqueCount);
		}

	}

	private record MeterOfMonth(String tenantId, String meter, Instant month) {

	}

	private record GroupOfMonth(MeterOfMonth meter, String key) {

	}

	private record HourKey(String tenantId, String meter, String billingScopeId, Instant hour, String groupKey) {

		HourKey withGroup(String group) {
			return new HourKey(this.tenantId, this.meter, this.billingScopeId, this.hour, group);
		}

	}

	private record DistinctKey(String tenantId, String meter, String billingScopeId, Instant month, String groupKey) {

		DistinctKey withGroup(String group) {
			return new DistinctKey(this.tenantId, this.meter, this.billingScopeId, this.month, group);
		}

	}

}
