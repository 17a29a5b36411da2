package dev.metering.rollup;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;
import java.util.function.IntFunction;
import java.util.function.LongPredicate;

import dev.metering.internal.json.DimensionsJson;
import dev.metering.internal.sql.LedgerDatabase;
import dev.metering.internal.sql.MeterSql;
import dev.metering.meter.GroupKey;
import dev.metering.meter.MeterDefinition;
import dev.metering.meter.MeterDefinitions;
import org.jspecify.annotations.Nullable;

import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The cells of meters whose cells are not sums ({@code count}, {@code max}, {@code min},
 * {@code latest}, {@code unique-count}) that a void or correction touched, recomputed from the
 * ledger in the fold's transaction: every group of the hour (tenant, meter, billing scope, hour)
 * and, for a unique count, the month's distinct values of every group, from the events folded
 * once the batch commits, each at its corrected quantity (its own plus its corrections'), voided
 * events left out. One read per cell, which the database answers with the ledger's
 * (tenant, meter, occurred_at) and {@code corrects_event_id} indexes.
 * <p>
 * Corrections are applied whether folded yet or not: one folded later touches the cell again,
 * which is recomputed again to the same result. An event is counted only once folded, so a later
 * fold never adds it twice. Groups are the ones the fold chose: a group the month registered,
 * else the overflow group.
 */
final class CorrectedCells {

	private final JdbcTemplate jdbc;

	private final LedgerDatabase dialect;

	private final MeterSql sql;

	private final MeterDefinitions definitions;

	private final LongPredicate folded;

	/** The fold's writer of many rows a statement, in chunks (the statement for n rows, the rows). */
	private final BiConsumer<IntFunction<String>, List<Object[]>> insertRows;

	/** The database's upsert of n distinct values (after the delete, it only inserts). */
	private final IntFunction<String> insertDistinct;

	private final Set<Cell> hours = new LinkedHashSet<>();

	private final Set<Cell> months = new LinkedHashSet<>();

	private final Map<Cell, Set<String>> knownGroups = new HashMap<>();

	CorrectedCells(JdbcTemplate jdbc, LedgerDatabase dialect, MeterSql sql, MeterDefinitions definitions,
			LongPredicate folded, BiConsumer<IntFunction<String>, List<Object[]>> insertRows,
			IntFunction<String> insertDistinct) {
		this.jdbc = jdbc;
		this.dialect = dialect;
		this.sql = sql;
		this.definitions = definitions;
		this.folded = folded;
		this.insertRows = insertRows;
		this.insertDistinct = insertDistinct;
	}

	/** Marks the hour of a corrected event, and for a unique count its month, to be recomputed. */
	void add(String tenantId, String meter, String billingScopeId, Instant hour, boolean uniqueCount) {
		this.hours.add(new Cell(tenantId, meter, billingScopeId, hour));
		if (uniqueCount) {
			this.months.add(new Cell(tenantId, meter, billingScopeId, MeterFold.monthOf(hour)));
		}
	}

	/** Rewrites the marked cells from the ledger. */
	void recompute(Instant now) {
		Object updatedAt = this.dialect.timestamp(now);
		for (Cell hour : this.hours) {
			MeterDefinition definition = this.definitions.find(hour.meter());
			if (definition == null) {
				continue;
			}
			Map<String, MeterAggregate> groups = new LinkedHashMap<>();
			Map<String, @Nullable String> values = new HashMap<>();
			read(hour, hour.start().plus(1, ChronoUnit.HOURS), (event) -> {
				String group = chosen(definition, hour, event.group(), values);
				MeterAggregate into = groups.get(group);
				MeterAggregate one = MeterAggregate.of(event.quantity(), event.at(), event.eventId());
				if (into == null) {
					groups.put(group, one);
				}
				else {
					into.merge(one);
				}
			});
			this.jdbc.update(this.sql.deleteRollups(), hour.tenantId(), hour.meter(), hour.billingScopeId(),
					this.dialect.timestamp(hour.start()));
			List<Object[]> inserts = new ArrayList<>();
			groups.forEach((group, a) -> inserts.add(new Object[] { hour.tenantId(), hour.meter(),
					hour.billingScopeId(), this.dialect.timestamp(hour.start()), group, values.get(group), a.sum,
					a.count, a.min, a.max, a.latest, this.dialect.timestamp(a.latestAt), a.latestEventId, updatedAt }));
			this.insertRows.accept(this.sql::insertRollups, inserts);
		}
		for (Cell month : this.months) {
			MeterDefinition definition = this.definitions.find(month.meter());
			if (definition == null) {
				continue;
			}
			Map<String, Map<String, Instant>> distinct = new LinkedHashMap<>();
			Map<String, @Nullable String> values = new HashMap<>();
			read(month, MeterFold.nextMonth(month.start()), (event) -> {
				String value = event.group().uniqueValue();
				if (value != null) {
					distinct.computeIfAbsent(chosen(definition, month, event.group(), values), (g) -> new HashMap<>())
						.merge(value, event.at(), (a, b) -> a.isBefore(b) ? a : b);
				}
			});
			Object start = this.dialect.timestamp(month.start());
			this.jdbc.update(this.sql.deleteDistinct(), month.tenantId(), month.meter(), month.billingScopeId(), start);
			List<Object[]> inserts = new ArrayList<>();
			distinct.forEach((group, seen) -> seen.entrySet()
				.stream()
				.sorted(Map.Entry.<String, Instant>comparingByValue().thenComparing(Map.Entry.comparingByKey()))
				.limit(MeterDefinition.MAX_DISTINCT_VALUES)
				.forEach((value) -> inserts.add(new Object[] { month.tenantId(), month.meter(), month.billingScopeId(),
						start, group, value.getKey(), this.dialect.timestamp(value.getValue()) })));
			this.insertRows.accept(this.insertDistinct, inserts);
		}
	}

	/** Streams the folded, not voided events of a cell's tenant, meter and billing scope in [start, end). */
	private void read(Cell cell, Instant end, EventHandler handler) {
		MeterDefinition definition = this.definitions.find(cell.meter());
		if (definition == null) {
			return;
		}
		Map<String, MeterFold.Group> parsed = new HashMap<>();
		this.jdbc.query(this.sql.usage(LedgerScopeColumn.TENANT.column()).correctedRows(), (rs) -> {
			if (!this.folded.test(rs.getLong(1)) || !cell.billingScopeId().equals(rs.getString(5))) {
				return;
			}
			String dimensions = rs.getString(8);
			MeterFold.Group group = parsed.computeIfAbsent((dimensions != null) ? dimensions : "",
					(k) -> MeterFold.Group.of(definition, dimensions));
			handler.accept(new Event(rs.getString(2).toLowerCase(Locale.ROOT), rs.getBigDecimal(6),
					this.dialect.readTimestamp(rs, 7), group));
		}, cell.tenantId(), cell.meter(), this.dialect.timestamp(cell.start()), this.dialect.timestamp(end));
	}

	/** The group an event counts under: its own when the month registered it (or ungrouped), else the overflow group. */
	private String chosen(MeterDefinition definition, Cell cell, MeterFold.Group group,
			Map<String, @Nullable String> values) {
		if (definition.ungrouped()) {
			values.putIfAbsent(group.key(), group.valuesJson());
			return group.key();
		}
		Cell month = new Cell(cell.tenantId(), cell.meter(), "", MeterFold.monthOf(cell.start()));
		Set<String> known = this.knownGroups.computeIfAbsent(month,
				(m) -> new HashSet<>(this.jdbc.queryForList(this.sql.selectGroups(), String.class, m.tenantId(),
						m.meter(), this.dialect.timestamp(m.start()))));
		if (known.contains(group.key())) {
			values.putIfAbsent(group.key(), group.valuesJson());
			return group.key();
		}
		Map<String, String> overflowValues = definition.overflowGroup();
		String overflow = GroupKey.of(overflowValues);
		values.putIfAbsent(overflow, DimensionsJson.encode(overflowValues));
		return overflow;
	}

	private record Cell(String tenantId, String meter, String billingScopeId, Instant start) {

	}

	private record Event(String eventId, BigDecimal quantity, Instant at, MeterFold.Group group) {

	}

	@FunctionalInterface
	private interface EventHandler {

		void accept(Event event);

	}

}
