package dev.metering.ledger;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

import javax.sql.DataSource;

import dev.metering.internal.schedule.PeriodicTask;
import dev.metering.internal.sql.PartitionSql;
import dev.metering.internal.sql.TableNames;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.context.SmartLifecycle;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The months of a partitioned ledger ({@code metering.ledger.partitioning: monthly}, PostgreSQL):
 * at start-up and every six hours, each month from the oldest an event may still carry (the late
 * window) to {@code monthsAhead} ahead gets its partition. Instances take turns under an advisory
 * lock, and a month's rows that the default partition took meanwhile move into it, in the same
 * transaction, so creating a month never fails on them. With a retention, the same run detaches
 * and drops the partitions of months closed, expired and fully folded ({@link #dropExpired()}).
 */
public final class LedgerPartitions implements SmartLifecycle {

	private static final Log logger = LogFactory.getLog(LedgerPartitions.class);

	private static final Duration CHECK_INTERVAL = Duration.ofHours(6);

	private final JdbcTemplate jdbc;

	private final TransactionTemplate transaction;

	private final PartitionSql sql;

	private final String ledger;

	private final Clock clock;

	private final int monthsBack;

	private final int monthsAhead;

	private final @Nullable Duration retention;

	private final Duration closeAfter;

	private final PeriodicTask task;

	/**
	 * @param dataSource the ledger's database
	 * @param tables the ledger's tables
	 * @param clock the clock that says which month it is
	 * @param monthsBack how many months before this one get a partition (those of the late window)
	 * @param monthsAhead how many months after this one get a partition
	 * @param retention how long after its end a month's partition is kept, {@code null} for ever
	 * @param closeAfter how long after its end a month is closed (no event can reach it any more)
	 */
	public LedgerPartitions(DataSource dataSource, MeteringTables tables, Clock clock, int monthsBack,
			int monthsAhead, @Nullable Duration retention, Duration closeAfter) {
		this.jdbc = new JdbcTemplate(dataSource);
		this.transaction = new TransactionTemplate(new DataSourceTransactionManager(dataSource));
		this.sql = new PartitionSql(new TableNames(tables.prefix()));
		this.ledger = tables.usageEvent();
		this.clock = clock;
		this.monthsBack = monthsBack;
		this.monthsAhead = monthsAhead;
		this.retention = retention;
		this.closeAfter = closeAfter;
		// Stop interrupts a run in progress without waiting: the next start's ensureMonths() redoes it.
		this.task = PeriodicTask
			.every(CHECK_INTERVAL, "metering-ledger-partitions", this::checkMonths, logger,
					"Could not create or drop the ledger's monthly partitions; retried in " + CHECK_INTERVAL.toHours()
							+ " hours")
			.withInterruptOnStop(Duration.ZERO);
	}

	/**
	 * Every month from {@code monthsBack} before this one to {@code monthsAhead} after it gets its
	 * partition, and so does every month the default partition holds rows of (a migrated ledger's).
	 */
	public void ensureMonths() {
		for (String month : this.jdbc.queryForList(this.sql.defaultMonths(), String.class)) {
			ensureMonth(PartitionSql.parseMonth(month));
		}
		YearMonth now = YearMonth.now(this.clock.withZone(ZoneOffset.UTC));
		for (YearMonth month = now.minusMonths(this.monthsBack); !month.isAfter(now.plusMonths(this.monthsAhead)); month = month
			.plusMonths(1)) {
			ensureMonth(month);
		}
	}

	/**
	 * The month gets its partition, unless it has one.
	 * @param month the month (UTC)
	 * @return whether this call created it
	 */
	public boolean ensureMonth(YearMonth month) {
		Boolean created = this.transaction.execute((status) -> {
			this.jdbc.queryForObject(this.sql.lock(), Object.class, this.ledger);
			if (Boolean.TRUE.equals(this.jdbc.queryForObject(this.sql.exists(), Boolean.class,
					this.sql.partition(month)))) {
				return false;
			}
			for (String statement : this.sql.createMonth(month)) {
				this.jdbc.execute(statement);
			}
			return true;
		});
		return Boolean.TRUE.equals(created);
	}

	/**
	 * Detaches and drops every month's partition that is closed, older than the retention and
	 * folded into the rollups by every fold; a partition with one unfolded row is kept. Rollups
	 * stay. Without a retention nothing is dropped.
	 * @return the months dropped
	 */
	public List<YearMonth> dropExpired() {
		Duration retained = this.retention;
		if (retained == null) {
			return List.of();
		}
		Instant keptFrom = this.clock.instant().minus(max(retained, this.closeAfter));
		List<YearMonth> expired = new ArrayList<>();
		for (String partition : this.jdbc.queryForList(this.sql.partitions(), String.class, this.ledger)) {
			YearMonth month = this.sql.monthOf(partition);
			if (month != null && !month.plusMonths(1).atDay(1).atStartOfDay().toInstant(ZoneOffset.UTC).isAfter(keptFrom)) {
				expired.add(month);
			}
		}
		expired.sort(null);
		List<YearMonth> dropped = new ArrayList<>();
		for (YearMonth month : expired) {
			if (dropIfFolded(month)) {
				dropped.add(month);
			}
		}
		return dropped;
	}

	private boolean dropIfFolded(YearMonth month) {
		// Checked first without a lock, so a month that waits for its fold costs no detach.
		if (!Boolean.TRUE.equals(this.jdbc.queryForObject(this.sql.folded(month), Boolean.class))) {
			return false;
		}
		// Checked again once detached: the detach waits for the partition's writers.
		Boolean droppedMonth = this.transaction.execute((status) -> {
			this.jdbc.queryForObject(this.sql.lock(), Object.class, this.ledger);
			this.jdbc.execute(this.sql.detach(month));
			if (!Boolean.TRUE.equals(this.jdbc.queryForObject(this.sql.folded(month), Boolean.class))) {
				status.setRollbackOnly();
				return false;
			}
			for (String statement : this.sql.drop(month)) {
				this.jdbc.execute(statement);
			}
			return true;
		});
		return Boolean.TRUE.equals(droppedMonth);
	}

	private static Duration max(Duration a, Duration b) {
		return (a.compareTo(b) >= 0) ? a : b;
	}

	@Override
	public void start() {
		ensureMonths();
		this.task.start();
	}

	private void checkMonths() {
		ensureMonths();
		dropExpired();
	}

	@Override
	public void stop() {
		this.task.stop();
	}

	@Override
	public boolean isRunning() {
		return this.task.isRunning();
	}

}
