package dev.metering.billing;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Supplier;

import javax.sql.DataSource;

import dev.metering.internal.sql.BillingSql;
import dev.metering.internal.sql.TableNames;
import dev.metering.meter.MeterDefinition;
import dev.metering.rollup.MeterUsage;
import dev.metering.rollup.MeterUsageReader;
import dev.metering.rollup.RollupJob;
import dev.metering.tenant.BillingCalendar;
import dev.metering.tenant.TenantCalendars;
import org.jspecify.annotations.Nullable;
import dev.metering.ledger.MeteringTables;
import dev.metering.internal.sql.LedgerDatabase;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.util.function.SingletonSupplier;

/**
 * Usage summaries (totals per hour, day or month) from the hourly rollups plus the ledger rows
 * not folded yet, read in one statement; and a tenant's top users, from the ledger.
 */
public class UsageSummaryService {

	/** The most buckets one summary may have, so a request cannot ask for a million rows. */
	public static final int MAX_BUCKETS = 2_000;

	private final JdbcTemplate jdbc;

	private final Supplier<LedgerDatabase> dialect;

	private final BillingSql sql;

	private final MeterUsageReader meters;

	private final TenantCalendars calendars;

	/**
	 * The calendar a tenant's day and month buckets and billing periods follow.
	 * @param tenant the tenant
	 * @return its calendar
	 */
	public BillingCalendar calendarOf(String tenant) {
		return this.calendars.calendarOf(tenant);
	}

	/**
	 * A summary service.
	 * @param dataSource the kit's DataSource
	 * @param dialect supplies the dialect (called once, on first use)
	 * @param tables the table names
	 */
	public UsageSummaryService(DataSource dataSource, Supplier<LedgerDatabase> dialect, MeteringTables tables) {
		this(dataSource, dialect, tables, TenantCalendars.UTC);
	}

	/**
	 * A summary service whose day and month buckets follow each tenant's calendar.
	 * @param dataSource the kit's DataSource
	 * @param dialect supplies the dialect (called once, on first use)
	 * @param tables the table names
	 * @param calendars each tenant's calendar
	 */
	public UsageSummaryService(DataSource dataSource, Supplier<LedgerDatabase> dialect, MeteringTables tables,
			TenantCalendars calendars) {
		this.calendars = calendars;
		this.jdbc = new JdbcTemplate(dataSource);
		this.dialect = SingletonSupplier.of(dialect);
		this.sql = new BillingSql(new TableNames(tables.prefix()));
		this.meters = new MeterUsageReader(dataSource, this.dialect, tables);
	}

	/**
	 * A tenant's usage of a meter over a period, in buckets.
	 * @param tenant the tenant
	 * @param meter the meter
	 * @param period the range, on whole hours
	 * @param granularity the bucket size
	 * @return the summary
	 * @throws BillingException when the range has more than {@link #MAX_BUCKETS} buckets
	 */
	public UsageSummary summary(String tenant, String meter, BillingPeriod period, Granularity granularity) {
		BillingCalendar calendar = calendarOf(tenant);
		TreeMap<Instant, BigDecimal> buckets = new TreeMap<>();
		bucketStarts(period, granularity, calendar).forEach((start) -> buckets.put(start, BigDecimal.ZERO));
		LedgerDatabase dialect = this.dialect.get();
		Object from = dialect.timestamp(period.from());
		Object to = dialect.timestamp(period.to());
		long lowest = UnfoldedRows.lowestId(this.jdbc, this.sql);
		this.jdbc.query(this.sql.tenantHoursAndUnfolded, (rs) -> {
			Instant at = dialect.readTimestamp(rs, 1);
			buckets.merge(granularity.start(at, calendar), rs.getBigDecimal(2), BigDecimal::add);
		}, tenant, meter, from, to, lowest, tenant, meter, from, to, RollupJob.NAME, RollupJob.NAME);
		List<UsageSummary.Bucket> result = new ArrayList<>(buckets.size());
		BigDecimal total = BigDecimal.ZERO;
		for (Map.Entry<Instant, BigDecimal> bucket : buckets.entrySet()) {
			Instant start = max(bucket.getKey(), period.from());
			Instant next = granularity.next(bucket.getKey(), calendar);
			Instant end = next.isAfter(period.to()) ? period.to() : next;
			result.add(new UsageSummary.Bucket(start, end, bucket.getValue()));
			total = total.add(bucket.getValue());
		}
		return new UsageSummary(tenant, meter, period, granularity, result, total);
	}

	/**
	 * A tenant's usage of a defined meter over a period, in buckets, under its aggregation: of
	 * every event the filter keeps and, when grouped, of each group.
	 * @param definition the meter's definition
	 * @param tenant the tenant
	 * @param period the range, on whole hours
	 * @param granularity the bucket size
	 * @param groupBy dimensions of the meter to group by (empty: not grouped)
	 * @param filter dimension values every counted event has
	 * @return the summary
	 * @throws BillingException when the range has more than {@link #MAX_BUCKETS} buckets
	 * @throws IllegalArgumentException naming a dimension the meter does not have
	 */
	public MeterSummary meterSummary(MeterDefinition definition, String tenant, BillingPeriod period,
			Granularity granularity, List<String> groupBy, Map<String, String> filter) {
		BillingCalendar calendar = calendarOf(tenant);
		TreeSet<Instant> starts = new TreeSet<>(bucketStarts(period, granularity, calendar));
		MeterUsage all = this.meters.tenantUsage(definition, tenant,
				new MeterUsageReader.Query(period.from(), period.to(), starts, List.of(), filter));
		MeterSummary.Group together = group(definition, Map.of(), all.groups().get(Map.of()), starts, period, granularity,
				calendar);
		List<MeterSummary.Group> groups = new ArrayList<>();
		if (!groupBy.isEmpty()) {
			MeterUsage grouped = this.meters.tenantUsage(definition, tenant,
					new MeterUsageReader.Query(period.from(), period.to(), starts, groupBy, filter));
			grouped.groups()
				.forEach((values, series) -> groups
					.add(group(definition, values, series, starts, period, granularity, calendar)));
		}
		return new MeterSummary(tenant, definition.name(), definition.aggregation(), period, granularity, groupBy,
				filter, together, groups);
	}

	private static MeterSummary.Group group(MeterDefinition definition, Map<String, String> values,
			MeterUsage.@Nullable Series series, TreeSet<Instant> starts, BillingPeriod period, Granularity granularity,
			BillingCalendar calendar) {
		// Sums, counts and unique counts without events are zero; a maximum of nothing is none.
		boolean zeroWhenEmpty = switch (definition.aggregation()) {
			case SUM, COUNT, UNIQUE_COUNT -> true;
			case MAX, MIN, LATEST -> false;
		};
		BigDecimal empty = zeroWhenEmpty ? BigDecimal.ZERO : null;
		List<MeterSummary.Bucket> buckets = new ArrayList<>(starts.size());
		for (Instant start : starts) {
			Instant next = granularity.next(start, calendar);
			BigDecimal value = (series != null) ? series.buckets().get(start) : null;
			buckets.add(new MeterSummary.Bucket(max(start, period.from()), next.isAfter(period.to()) ? period.to() : next,
					(value != null) ? value : empty));
		}
		return new MeterSummary.Group(values, buckets, (series != null) ? series.total() : empty);
	}

	private static List<Instant> bucketStarts(BillingPeriod period, Granularity granularity, BillingCalendar calendar) {
		List<Instant> starts = new ArrayList<>();
		for (Instant start = granularity.start(period.from(), calendar); start.isBefore(period.to()); start = granularity
			.next(start, calendar)) {
			if (starts.size() == MAX_BUCKETS) {
				throw new BillingException("granularity", BillingException.Reason.INVALID,
						"more than " + MAX_BUCKETS + " buckets: use a coarser granularity or a shorter range");
			}
			starts.add(start);
		}
		return starts;
	}

	/**
	 * A tenant's heaviest users of a meter in a period, heaviest first (ties by user id).
	 * @param tenant the tenant
	 * @param meter the meter
	 * @param period the period
	 * @param limit the most users to return, at least 1
	 * @return the users
	 */
	public List<TopUser> topUsers(String tenant, String meter, BillingPeriod period, int limit) {
		LedgerDatabase dialect = this.dialect.get();
		Object from = dialect.timestamp(period.from());
		Object to = dialect.timestamp(period.to());
		long lowest = UnfoldedRows.lowestId(this.jdbc, this.sql);
		// Whole UTC days from the daily rollups, the hours around them from the hourly ones.
		Instant firstDay = period.from().truncatedTo(ChronoUnit.DAYS);
		if (firstDay.isBefore(period.from())) {
			firstDay = firstDay.plus(1, ChronoUnit.DAYS);
		}
		Instant lastDayEnd = period.to().truncatedTo(ChronoUnit.DAYS);
		if (!firstDay.isBefore(lastDayEnd)) {
			// No whole day: every hour from the hourly rollups.
			firstDay = period.to();
			lastDayEnd = period.to();
		}
		Object days = dialect.timestamp(firstDay);
		Object daysEnd = dialect.timestamp(lastDayEnd);
		return this.jdbc.query(this.sql.topUsers,
				(rs, n) -> new TopUser(rs.getString(1), rs.getBigDecimal(2), rs.getLong(3)), tenant, meter, days,
				daysEnd, tenant, meter, from, days, tenant, meter, daysEnd, to, lowest, tenant, meter, from, to,
				RollupJob.NAME, RollupJob.NAME, limit);
	}

	/**
	 * {@link #topUsers} read from the hourly per-user rollups only: the statement before the daily
	 * rollups, for the benchmark to measure them against. Same answer.
	 * @param tenant the tenant
	 * @param meter the meter
	 * @param period the period
	 * @param limit the most users
	 * @return the heaviest users first
	 */
	public List<TopUser> topUsersFromHours(String tenant, String meter, BillingPeriod period, int limit) {
		LedgerDatabase dialect = this.dialect.get();
		Object from = dialect.timestamp(period.from());
		Object to = dialect.timestamp(period.to());
		long lowest = UnfoldedRows.lowestId(this.jdbc, this.sql);
		return this.jdbc.query(this.sql.topUsersFromHours,
				(rs, n) -> new TopUser(rs.getString(1), rs.getBigDecimal(2), rs.getLong(3)), tenant, meter, from, to,
				lowest, tenant, meter, from, to, RollupJob.NAME, RollupJob.NAME, limit);
	}

	private static Instant max(Instant a, Instant b) {
		return a.isAfter(b) ? a : b;
	}

}
