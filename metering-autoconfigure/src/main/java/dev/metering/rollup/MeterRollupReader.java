package dev.metering.rollup;

import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

import javax.sql.DataSource;

import dev.metering.internal.json.DimensionsJson;
import dev.metering.internal.sql.DatabaseSql;
import dev.metering.internal.sql.LedgerDatabase;
import dev.metering.ledger.MeteringTables;
import org.jspecify.annotations.Nullable;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.util.function.SingletonSupplier;

/**
 * Reads the defined meters' rollups: each group's usage over whole hours, and unique counts of a
 * month up to an instant. What the rollup has folded only (events not yet folded are not in it).
 */
public class MeterRollupReader {

	private final JdbcTemplate jdbc;

	private final Supplier<DatabaseSql> sql;

	/**
	 * A reader of the rollups of a DataSource.
	 * @param dataSource the ledger's DataSource
	 * @param database supplies the database (called once, on first use)
	 * @param tables the table names
	 */
	public MeterRollupReader(DataSource dataSource, Supplier<LedgerDatabase> database, MeteringTables tables) {
		this.jdbc = new JdbcTemplate(dataSource);
		this.sql = SingletonSupplier.of(() -> database.get().sql(tables.prefix()));
	}

	/**
	 * Each group's usage of a tenant's meter over the hours starting in {@code [from, to)}, all
	 * billing scopes together.
	 * @param tenantId the tenant
	 * @param meter the meter
	 * @param from the first hour (inclusive)
	 * @param to the end (exclusive)
	 * @return usage by group values, groups without events absent
	 */
	public Map<Map<String, String>, MeterGroupUsage> read(String tenantId, String meter, Instant from, Instant to) {
		return read("tenant_id", tenantId, meter, from, to);
	}

	/**
	 * Each group's usage of a meter billed to a billing scope (every tenant it pays for) over the
	 * hours starting in {@code [from, to)}.
	 * @param billingScopeId the billing scope
	 * @param meter the meter
	 * @param from the first hour (inclusive)
	 * @param to the end (exclusive)
	 * @return usage by group values, groups without events absent
	 */
	public Map<Map<String, String>, MeterGroupUsage> readBillingScope(String billingScopeId, String meter,
			Instant from, Instant to) {
		return read("billing_scope_id", billingScopeId, meter, from, to);
	}

	/**
	 * The distinct values of a tenant's unique-count meter per group, in the UTC month that starts
	 * at {@code month}, first seen before {@code before}: the month's count with {@code before}
	 * at its end, a month-to-date count otherwise. Exact (not a sum of hours).
	 * @param tenantId the tenant
	 * @param meter the meter
	 * @param month the first instant of a UTC month
	 * @param before the end of the window, within or after the month
	 * @return counts by group values
	 */
	public Map<Map<String, String>, Long> uniqueCounts(String tenantId, String meter, Instant month, Instant before) {
		return uniqueCounts("tenant_id", tenantId, meter, month, before);
	}

	/**
	 * {@link #uniqueCounts} of a meter billed to a billing scope: the distinct values over every
	 * tenant it pays for (a value two of them share counts once).
	 * @param billingScopeId the billing scope
	 * @param meter the meter
	 * @param month the first instant of a UTC month
	 * @param before the end of the window, within or after the month
	 * @return counts by group values
	 */
	public Map<Map<String, String>, Long> uniqueCountsOfBillingScope(String billingScopeId, String meter,
			Instant month, Instant before) {
		return uniqueCounts("billing_scope_id", billingScopeId, meter, month, before);
	}

	private Map<Map<String, String>, MeterGroupUsage> read(String scopeColumn, String scope, String meter,
			Instant from, Instant to) {
		DatabaseSql sql = this.sql.get();
		LedgerDatabase database = sql.database();
		Map<String, MeterAggregate> byGroup = new LinkedHashMap<>();
		Map<String, @Nullable String> values = new HashMap<>();
		this.jdbc.query(sql.meters().rollupsInWindow(scopeColumn), (rs) -> {
			String key = rs.getString(5);
			values.put(key, rs.getString(6));
			MeterAggregate hour = new MeterAggregate(rs.getBigDecimal(7), rs.getLong(8), rs.getBigDecimal(9),
					rs.getBigDecimal(10), rs.getBigDecimal(11), database.readTimestamp(rs, 12), rs.getString(13));
			MeterAggregate into = byGroup.get(key);
			if (into == null) {
				byGroup.put(key, hour);
			}
			else {
				into.merge(hour);
			}
		}, scope, meter, database.timestamp(from), database.timestamp(to));
		Map<Map<String, String>, MeterGroupUsage> usage = new LinkedHashMap<>();
		byGroup.forEach((key, a) -> {
			Map<String, String> groups = DimensionsJson.decode(values.get(key));
			usage.put(groups, new MeterGroupUsage(groups, a.sum, a.count, a.min, a.max, a.latest, a.latestAt,
					a.latestEventId));
		});
		return usage;
	}

	private Map<Map<String, String>, Long> uniqueCounts(String scopeColumn, String scope, String meter, Instant month,
			Instant before) {
		DatabaseSql sql = this.sql.get();
		LedgerDatabase database = sql.database();
		Map<String, @Nullable String> values = new HashMap<>();
		// Every group with a distinct value has rollup rows in the month: its values are there.
		this.jdbc.query(sql.meters().groupValues(scopeColumn), (rs) -> {
			values.put(rs.getString(1), rs.getString(2));
		}, scope, meter, database.timestamp(month), database.timestamp(MeterFold.nextMonth(month)));
		Map<Map<String, String>, Long> counts = new LinkedHashMap<>();
		this.jdbc.query(sql.meters().uniqueCounts(scopeColumn), (rs) -> {
			counts.merge(DimensionsJson.decode(values.get(rs.getString(1))), rs.getLong(2), Long::sum);
		}, scope, meter, database.timestamp(month), database.timestamp(before));
		return counts;
	}

}
