package dev.metering.rollup;

import java.sql.PreparedStatement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongPredicate;
import java.util.function.Supplier;

import javax.sql.DataSource;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import dev.metering.internal.sql.DatabaseSql;
import dev.metering.internal.sql.LedgerDatabase;
import dev.metering.internal.sql.PostgresSql;
import dev.metering.internal.sql.RollupSql;
import dev.metering.internal.sql.TableNames;
import dev.metering.ledger.MeteringTables;
import dev.metering.meter.MeterDefinitions;
import org.jspecify.annotations.Nullable;

import org.springframework.dao.DuplicateKeyException;
import org.springframework.dao.PessimisticLockingFailureException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;
import org.springframework.util.function.SingletonSupplier;

/**
 * Folds ledger rows into hourly rollups ({@code metering_usage_rollup}), exactly once each.
 * <p>
 * Over 350 lines: one batch's steps, from the lock to the new watermark, share a transaction and
 * read best in one class.
 * <p>
 * Progress is a watermark (every ledger id up to it has been looked at) plus the open gaps: ids
 * at or below the watermark that were not visible when a run passed them. Identity ids are
 * handed out at insert but become visible at commit, so a lower id can appear after a higher
 * one was folded; the gap keeps it in view until it appears (and is folded) or the gap
 * timeout passes (it is taken as rolled back). This is the idea of Axon's
 * {@code GapAwareTrackingToken}.
 * <p>
 * Each batch is one transaction: it locks the progress row ({@code SELECT ... FOR UPDATE}), so one
 * batch of all instances runs at a time and reads the progress the previous one committed; it
 * folds the rows in open gaps and the next {@code batchSize} rows above the watermark (primary-key
 * range scans: cost follows the new rows, never the ledger's size), upserts the sums, rewrites
 * the gaps and moves the watermark. The new rows are summed by the database
 * ({@link DatabaseFold}: an {@code INSERT ... SELECT ... GROUP BY} upsert over the id ranges the
 * batch saw; the rows are never sent to Java), or on PostgreSQL from the sums the writer wrote with
 * them, where it did; rows found in gaps are few and are summed in Java.
 * The upserts and the progress commit together or not at all, so a run that dies half-way counts
 * nothing, and the next run redoes its work.
 */
public class RollupJob {

	/** The name of the hourly rollup's progress row. */
	public static final String NAME = "hourly";

	/** Gap ranges per recheck statement (two parameters each). */
	private static final int RANGES_PER_STATEMENT = 100;

	/** Attempts of a batch that loses a lock wait (H2 times lock waits out after a few seconds). */
	private static final int LOCK_ATTEMPTS = 5;

	private static final Log logger = LogFactory.getLog(RollupJob.class);

	private final JdbcTemplate jdbc;

	/** Built on the first run, when the database (and so the fold's isolation) is known. */
	private final Supplier<TransactionTemplate> transaction;

	private final Supplier<LedgerDatabase> database;

	private final Supplier<RollupDialect> dialect;

	private final MeteringTables tables;

	private final RollupSql statements;

	private final SingletonSupplier<DatabaseSql> sql;

	/**
	 * Whether there are batch sums to fold: PostgreSQL, a sum table this role may use. Asked on
	 * the first run, and again after a failed one (the table may have gone).
	 */
	private volatile @Nullable Boolean sums;

	/** Whether there are batch meter aggregates to read: as {@link #sums}, for their own table. */
	private volatile @Nullable Boolean meterBatches;

	private final RollupSettings settings;

	private final Clock clock;

	private final ReentrantLock runLock = new ReentrantLock();

	private final AtomicLong runs = new AtomicLong();

	private final AtomicLong failures = new AtomicLong();

	private final AtomicLong runNanos = new AtomicLong();

	private final AtomicLong eventsFolded = new AtomicLong();

	private final AtomicLong lastRunEvents = new AtomicLong();

	private final AtomicLong openGaps = new AtomicLong();

	/** Recorded-at of the oldest ledger row above the watermark after the last run; null when none. */
	private final AtomicReference<Instant> oldestUnfolded = new AtomicReference<>();

	private volatile boolean stateCreated;

	/** The meter definitions: a defined meter's rows are also folded into its group rollups. */
	private final Supplier<MeterDefinitions> meters;

	/** False only to measure the former in-Java fold of new rows against the fold in the database. */
	private final boolean foldInDatabase;

	/**
	 * A job over the ledger of a DataSource.
	 * @param dataSource the DataSource of the ledger
	 * @param database supplies the database (called once, on the first run)
	 * @param tables the table names
	 * @param settings batch size and gap timeout
	 * @param clock the clock of gap ages and lag
	 */
	public RollupJob(DataSource dataSource, Supplier<LedgerDatabase> database, MeteringTables tables,
			RollupSettings settings, Clock clock) {
		this(dataSource, database, tables, settings, clock, () -> MeterDefinitions.NONE);
	}

	/**
	 * A job over the ledger of a DataSource that also folds the defined meters' rows into their
	 * group rollups and distinct values ({@code metering.meters}).
	 * @param dataSource the DataSource of the ledger
	 * @param database supplies the database (called once, on the first run)
	 * @param tables the table names
	 * @param settings batch size and gap timeout
	 * @param clock the clock of gap ages and lag
	 * @param meters the meter definitions in force at each batch
	 */
	public RollupJob(DataSource dataSource, Supplier<LedgerDatabase> database, MeteringTables tables,
			RollupSettings settings, Clock clock, Supplier<MeterDefinitions> meters) {
		this(dataSource, database, tables, settings, clock, true, meters);
	}

	RollupJob(DataSource dataSource, Supplier<LedgerDatabase> database, MeteringTables tables, RollupSettings settings,
			Clock clock, boolean foldInDatabase) {
		this(dataSource, database, tables, settings, clock, foldInDatabase, () -> MeterDefinitions.NONE);
	}

	RollupJob(DataSource dataSource, Supplier<LedgerDatabase> database, MeteringTables tables, RollupSettings settings,
			Clock clock, boolean foldInDatabase, Supplier<MeterDefinitions> meters) {
		this.meters = meters;
		this.foldInDatabase = foldInDatabase;
		this.jdbc = new JdbcTemplate(dataSource);
		this.database = SingletonSupplier.of(database);
		this.sql = SingletonSupplier.of(() -> this.database.get().sql(tables.prefix()));
		this.transaction = SingletonSupplier.of(() -> {
			TransactionTemplate template = new TransactionTemplate(new DataSourceTransactionManager(dataSource));
			template.setIsolationLevel(this.sql.obtain().isolationLevel(this.jdbc));
			return template;
		});
		this.dialect = SingletonSupplier.of(() -> RollupDialect.of(this.database.get(), tables));
		this.tables = tables;
		this.statements = new RollupSql(new TableNames(tables.prefix()));
		this.settings = settings;
		this.clock = clock;
	}

	/**
	 * Folds every ledger row committed before this call (and any committed meanwhile, up to the
	 * point the run catches up), in batches. Safe to call from several threads and instances:
	 * runs take turns on the progress row's lock.
	 * @return what the run did
	 * @throws org.springframework.dao.DataAccessException when the database fails; the batch in
	 * progress is rolled back, and the next run redoes it
	 */
	public RollupResult rollupNow() {
		this.runLock.lock();
		long started = System.nanoTime();
		try {
			LedgerDatabase sql = this.database.get();
			long folded = 0;
			int batches = 0;
			int expired = 0;
			Batch batch;
			do {
				batch = foldBatchWithRetry(sql);
				folded += batch.events();
				expired += batch.expiredGaps();
				batches++;
			}
			while (batch.more());
			this.oldestUnfolded.set(oldestUnfolded(sql, batch.watermark()));
			this.runs.incrementAndGet();
			this.runNanos.addAndGet(System.nanoTime() - started);
			this.eventsFolded.addAndGet(folded);
			this.lastRunEvents.set(folded);
			this.openGaps.set(batch.openGaps());
			return new RollupResult(folded, batches, batch.watermark(), batch.openGaps(), expired);
		}
		catch (RuntimeException ex) {
			this.failures.incrementAndGet();
			this.sums = null;
			this.meterBatches = null;
			throw ex;
		}
		finally {
			this.runLock.unlock();
		}
	}

	/**
	 * Counters since start.
	 * @return the counters
	 */
	public RollupStats stats() {
		return new RollupStats(this.runs.get(), this.failures.get(), this.runNanos.get(), this.eventsFolded.get(),
				this.lastRunEvents.get(), this.openGaps.get());
	}

	/**
	 * How long the oldest ledger row that the last run left unfolded (above the watermark) has
	 * waited since it was recorded, as of now: zero when the last run caught up.
	 * @return the lag
	 */
	public Duration lag() {
		Instant oldest = this.oldestUnfolded.get();
		if (oldest == null) {
			return Duration.ZERO;
		}
		Duration lag = Duration.between(oldest, this.clock.instant());
		return lag.isNegative() ? Duration.ZERO : lag;
	}

	private Batch foldBatchWithRetry(LedgerDatabase sql) {
		for (int attempt = 1;; attempt++) {
			try {
				if (!this.stateCreated) {
					// In a transaction of its own: on PostgreSQL a duplicate key would abort the batch's.
					createState(sql);
				}
				Batch batch = this.transaction.get().execute((status) -> foldBatch(sql));
				if (batch != null) {
					return batch;
				}
				if (attempt > LOCK_ATTEMPTS) {
					throw new IllegalStateException("The rollup progress row '" + NAME + "' in "
							+ this.tables.rollupState() + " cannot be created");
				}
			}
			catch (PessimisticLockingFailureException ex) {
				// Another instance held the progress row longer than this database waits for a lock.
				if (attempt >= LOCK_ATTEMPTS) {
					throw ex;
				}
				logger.debug("Rollup batch waited too long for the progress lock; trying again", ex);
			}
		}
	}

	private void createState(LedgerDatabase sql) {
		try {
			this.dialect.get().insertStateIfAbsent(this.jdbc, NAME, this.clock.instant());
		}
		catch (DuplicateKeyException ex) {
			// Another instance created it first: what we wanted.
		}
		this.stateCreated = true;
	}

	/** One transaction; null when the progress row does not exist (deleted since this job created it). */
	private Batch foldBatch(LedgerDatabase sql) {
		List<Long> locked = this.jdbc.queryForList(this.statements.lockState(), Long.class, NAME);
		if (locked.isEmpty()) {
			this.stateCreated = false;
			return null;
		}
		long watermark = locked.get(0);
		List<IdGap> before = new ArrayList<>(this.jdbc.query(this.statements.lockGaps(),
				(rs, n) -> new IdGap(rs.getLong(1), rs.getLong(2), sql.readTimestamp(rs, 3)), NAME));
		// Sorted in Java (the locking read has no ORDER BY) to compare with the sorted gaps after.
		before.sort(Comparator.comparingLong(IdGap::start));
		// The precision every database's timestamp column keeps, so a gap read back equals itself.
		Instant now = this.clock.instant().truncatedTo(ChronoUnit.MICROS);
		GapSet gaps = new GapSet(before);
		Fold fold = new Fold(sql);
		recheckGaps(sql, before, fold, gaps);
		NewRows rows = this.foldInDatabase ? foldNewRowsInDatabase(sql, watermark, gaps, now)
				: foldNewRows(sql, watermark, fold, gaps, now);
		gaps.expire(now, this.settings.gapTimeout());
		List<IdGap> after = gaps.gaps();
		boolean moved = rows.watermark() != watermark;
		if (fold.events() > 0) {
			this.dialect.get().upsert(this.jdbc, fold.deltas(), now);
			new DatabaseFold(this.jdbc, this.sql.obtain()).foldUsers(fold.idRanges(), now);
		}
		foldMeters(fold.idRanges(), rows.ranges(), now, watermark, foldedAfter(rows.watermark(), after));
		if ((moved || fold.events() > 0) && meterBatches()) {
			// Folded now, from their aggregates or their rows: never of use again.
			PostgresSql postgres = (PostgresSql) this.sql.obtain();
			this.jdbc.update(postgres.meterBatches().deleteSql(), rows.watermark());
		}
		long events = fold.events() + rows.foldedInDatabase();
		writeGaps(sql, before, after);
		if (moved || events > 0 || !after.equals(before)) {
			// Last, so a failure anywhere above leaves the previous progress in place.
			this.jdbc.update(this.statements.updateState(), rows.watermark(), sql.timestamp(now), NAME);
		}
		return new Batch(events, rows.watermark(), after.size(), gaps.expired(),
				rows.more() || rows.count() >= this.settings.batchSize());
	}

	/** Whether a ledger id is folded once the batch commits: at or below its watermark, in no open gap. */
	private static LongPredicate foldedAfter(long watermark, List<IdGap> gaps) {
		List<IdGap> sorted = new ArrayList<>(gaps);
		sorted.sort(Comparator.comparingLong(IdGap::start));
		long[] starts = sorted.stream().mapToLong(IdGap::start).toArray();
		return (id) -> {
			if (id > watermark) {
				return false;
			}
			int at = Arrays.binarySearch(starts, id);
			int gap = (at >= 0) ? at : -at - 2;
			return gap < 0 || !sorted.get(gap).contains(id);
		};
	}

	/** The defined meters' rows of what this batch folded, in its transaction (nothing without definitions). */
	private void foldMeters(List<long[]> inJava, List<long[]> inDatabase, Instant now, long watermarkBefore,
			LongPredicate foldedAfter) {
		MeterDefinitions definitions = this.meters.get();
		if (definitions.all().isEmpty() || (inJava.isEmpty() && inDatabase.isEmpty())) {
			return;
		}
		List<long[]> ranges = new ArrayList<>(inJava.size() + inDatabase.size());
		ranges.addAll(inJava);
		ranges.addAll(inDatabase);
		new MeterFold(this.jdbc, this.sql.obtain(), definitions, meterBatches()).fold(ranges, now, watermarkBefore,
				foldedAfter);
	}

	private void recheckGaps(LedgerDatabase sql, List<IdGap> before, Fold fold, GapSet gaps) {
		for (int from = 0; from < before.size(); from += RANGES_PER_STATEMENT) {
			List<IdGap> chunk = before.subList(from, Math.min(before.size(), from + RANGES_PER_STATEMENT));
			Object[] args = new Object[chunk.size() * 2];
			for (int i = 0; i < chunk.size(); i++) {
				args[2 * i] = chunk.get(i).start();
				args[2 * i + 1] = chunk.get(i).end();
			}
			this.jdbc.query(this.statements.ledgerRowsInRanges(chunk.size()), (rs) -> {
				gaps.fill(fold.add(rs));
			}, args);
		}
	}

	private NewRows foldNewRows(LedgerDatabase sql, long watermark, Fold fold, GapSet gaps, Instant now) {
		int limit = this.settings.batchSize();
		NewRows rows = new NewRows(watermark);
		this.jdbc.query((connection) -> {
			PreparedStatement statement = connection.prepareStatement(this.statements.newLedgerRows());
			statement.setLong(1, watermark);
			statement.setInt(2, limit);
			statement.setFetchSize(Math.min(limit, 5_000));
			return statement;
		}, (rs) -> {
			long id = fold.add(rs);
			if (id > rows.watermark() + 1) {
				// Ids skipped over: not committed yet, or never to be. Wait for them.
				gaps.open(rows.watermark() + 1, id - 1, now);
			}
			rows.seen(id);
		});
		return rows;
	}

	private NewRows foldNewRowsInDatabase(LedgerDatabase sql, long watermark, GapSet gaps, Instant now) {
		DatabaseFold.Folded folded = new DatabaseFold(this.jdbc, this.sql.obtain()).foldAbove(watermark,
				this.settings.batchSize(), gaps, now, sums());
		NewRows rows = new NewRows(watermark);
		rows.seenInDatabase(folded.watermark(), folded.count(), folded.more(), folded.ranges());
		return rows;
	}

	private boolean sums() {
		Boolean sums = this.sums;
		if (sums == null) {
			sums = this.sql.obtain() instanceof PostgresSql postgres
					&& Boolean.TRUE.equals(this.jdbc.queryForObject(postgres.sumTableUsableSql(), Boolean.class,
							this.tables.usageEventSum()));
			this.sums = sums;
		}
		return sums;
	}

	/** Whether the writer's batch meter aggregates are there to read and delete (PostgreSQL). */
	private boolean meterBatches() {
		Boolean batches = this.meterBatches;
		if (batches == null) {
			batches = this.sql.obtain() instanceof PostgresSql postgres
					&& Boolean.TRUE.equals(this.jdbc.queryForObject(postgres.sumTableUsableSql(), Boolean.class,
							this.tables.meterBatch()));
			this.meterBatches = batches;
		}
		return batches;
	}

	private void writeGaps(LedgerDatabase sql, List<IdGap> before, List<IdGap> after) {
		Set<IdGap> kept = new HashSet<>(after);
		Set<IdGap> old = new HashSet<>(before);
		List<Object[]> deletes = new ArrayList<>();
		for (IdGap gap : before) {
			if (!kept.contains(gap)) {
				deletes.add(new Object[] { NAME, gap.start() });
			}
		}
		List<Object[]> inserts = new ArrayList<>();
		for (IdGap gap : after) {
			if (!old.contains(gap)) {
				inserts.add(new Object[] { NAME, gap.start(), gap.end(), sql.timestamp(gap.firstSeenAt()) });
			}
		}
		// Deletes first: a shrunk gap keeps its start, the primary key.
		if (!deletes.isEmpty()) {
			this.jdbc.batchUpdate(this.statements.deleteGap(), deletes);
		}
		if (!inserts.isEmpty()) {
			this.jdbc.batchUpdate(this.statements.insertGap(), inserts);
		}
	}

	private Instant oldestUnfolded(LedgerDatabase sql, long watermark) {
		List<Instant> oldest = this.jdbc.query(this.statements.oldestUnfoldedRow(),
				(rs, n) -> sql.readTimestamp(rs, 1), watermark);
		return oldest.isEmpty() ? null : oldest.get(0);
	}

	private record Batch(long events, long watermark, int openGaps, int expiredGaps, boolean more) {

	}

}
