package dev.metering.ledger;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

import dev.metering.event.UsageEvent;
import dev.metering.internal.postgres.PgCopy;
import dev.metering.internal.postgres.PostgresCopyBinary;
import dev.metering.internal.sql.EventColumn;
import dev.metering.internal.sql.PlannedEachExecution;
import dev.metering.internal.sql.PostgresSql;
import dev.metering.internal.sql.TableNames;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.util.ClassUtils;

/**
 * PostgreSQL. With the pgjdbc driver a batch is written by {@code COPY}: repeated (tenant,
 * idempotency key) pairs inside the batch are dropped here (the first occurrence wins, as with
 * {@code ON CONFLICT DO NOTHING}) and the rest is {@code COPY}ed straight into the ledger, under a
 * savepoint, in COPY's binary format (the server parses no digits: a fifth less of its CPU per
 * row than the text format), each row encoded as it streams ({@link PostgresCopyBinary}, 64 KiB
 * at a time), so the server inserts while the client encodes. A repeated event id inside the
 * batch is not looked for (a set of the batch's ids cost a quarter of the writer's CPU, for
 * repeats only retries and replays make): one makes the COPY hit the unique index like a repeat
 * of a stored event, and the next {@value #ID_WATCH_BATCHES} batches then drop repeated ids
 * before COPYing, so a source of many repeats does not take the slow path batch after batch.
 * Only when the COPY hits a unique index (a retried or replayed batch) is the savepoint rolled
 * back, one query finds which of the batch's event ids and (tenant, idempotency key) pairs the
 * ledger already holds, and the rest is {@code COPY}ed: COPY inserts rows in bulk, where every
 * {@code INSERT ... ON CONFLICT} pays for a speculative insertion per row. The count is exact: the rows COPY reports. Another writer committing one of
 * the keys between the look-up and the second COPY makes it fail with a unique violation, and
 * {@link JdbcUsageEventStore} then writes that batch row by row, each row skipping only itself.
 * <p>
 * When the ledger has a sum table ({@code metering_usage_event_sum}, schema-postgresql.sql) and
 * sums are wanted ({@code metering.rollup.batch-sums}), a batch of at least {@value LedgerBatchSums#ROWS_PER_KEY}
 * rows per rollup key also writes its sums by key into the sum table, in its transaction, with
 * the run of ids its rows took: before the COPY it takes one id from the ledger's identity
 * sequence, and if the sequence's value after the COPY is that id plus the rows COPYed, no other
 * session took an id meanwhile and the run from that id (unused) to the last is this batch's
 * alone. The server checks that in the statement that writes the sums, which writes none
 * otherwise (another writer took ids at the same moment). The rollup folds such a run from its
 * sums without reading its rows ({@code dev.metering.rollup.DatabaseFold}); a batch without sums
 * is folded from its rows. A batch that took the slow path (a unique violation) writes no sums:
 * its first COPY took ids no one can count.
 * <p>
 * A batch with sums and an event of a defined meter also writes, with the same run and the same
 * check, its aggregates by (tenant, meter, billing scope, hour, dimensions) into
 * {@code metering_meter_batch} ({@link LedgerBatchMeters}): the defined meters' fold reads those
 * instead of the run's rows ({@code dev.metering.rollup.MeterFold}).
 * <p>
 * Without pgjdbc (another driver, or a connection that does not unwrap to it) a batch is one
 * {@code INSERT ... SELECT FROM unnest(arrays) ON CONFLICT DO NOTHING}, whose update count is
 * exact as well.
 * <p>
 * Over 350 lines: the ledger's write path on PostgreSQL (COPY under a savepoint, the look-up after
 * a duplicate key, the batch sums) is one transaction's steps.
 */
final class PostgresSqlDialect extends SqlDialect {

	private static final Log logger = LogFactory.getLog(PostgresSqlDialect.class);

	/** SQLSTATE of a unique index violation. */
	private static final String UNIQUE_VIOLATION = "23505";

	/** Whether pgjdbc is there to COPY with: it is an optional dependency of the kit. */
	private static final boolean PGJDBC_PRESENT = ClassUtils.isPresent("org.postgresql.PGConnection",
			PostgresSqlDialect.class.getClassLoader());

	/** Batches that drop repeated event ids before COPY after a COPY hit a unique index. */
	static final int ID_WATCH_BATCHES = 64;

	private final boolean copy;

	/** Whether to write batch sums when the ledger has a sum table. */
	private final boolean sums;

	/** The ledger's id sequence when sums are written, found on the first COPY; empty when they are not. */
	private volatile @Nullable Optional<String> sumSequence;

	private final Predicate<String> definedMeters;

	/** Whether the meter aggregate table may be written: null until found, false after a failure. */
	private volatile @Nullable Boolean meterBatchWritable;

	/** Batches left that drop repeated event ids before COPY. */
	private final AtomicInteger idWatchBatches = new AtomicInteger();

	private final PostgresSql sql;

	private final MeteringTables tables;

	/**
	 * A dialect that may be told not to COPY.
	 * @param tables the table names
	 * @param copy whether to write by COPY when the driver allows it ({@code false} only for
	 * tests of the other path)
	 * @param sums whether to write batch sums when the ledger has a sum table
	 */
	PostgresSqlDialect(MeteringTables tables, boolean copy, boolean sums) {
		this(tables, copy, sums, (meter) -> false);
	}

	/**
	 * A dialect that also writes the defined meters' batch aggregates beside the batch sums.
	 * @param tables the table names
	 * @param copy whether to write by COPY when the driver allows it
	 * @param sums whether to write batch sums when the ledger has a sum table
	 * @param definedMeters whether a meter has a definition now (a batch with none writes no
	 * meter aggregates)
	 */
	PostgresSqlDialect(MeteringTables tables, boolean copy, boolean sums, Predicate<String> definedMeters) {
		this.copy = copy && PGJDBC_PRESENT;
		this.sums = sums;
		this.definedMeters = definedMeters;
		this.tables = tables;
		this.sql = new PostgresSql(new TableNames(tables.prefix()));
	}

	@Override
	InsertResult insertEvents(JdbcTemplate jdbc, List<UsageEvent> events, Instant recordedAt) {
		InsertResult result = jdbc.execute((Connection connection) -> (this.copy && PgCopy.supports(connection))
				? insertByCopy(connection, events, recordedAt) : insertByUnnest(connection, events, recordedAt));
		return (result != null) ? result : new InsertResult(0, events.size());
	}

	private InsertResult insertByCopy(Connection connection, List<UsageEvent> events, Instant recordedAt)
			throws SQLException {
		// Sums first, so that a batch not worth them takes no id: an id taken and left unused
		// would wait in a rollup gap until the gap timeout.
		String sequence = (events.size() >= LedgerBatchSums.ROWS_PER_KEY) ? sumSequence(connection) : null;
		LedgerBatchSums sums = (sequence != null) ? LedgerBatchSums.of(events) : null;
		// Only beside sums: they take the run's first id, which meter aggregates alone would leave
		// to a rollup gap in every batch that has no sums.
		LedgerBatchMeters meters = (sums != null && meterBatchWritable(connection)) ? LedgerBatchMeters.of(events, this.definedMeters)
				: null;
		// Optimistic first: a batch almost never repeats what the ledger holds (only retries and
		// replays do), so COPY it without looking anything up, and look up only when the COPY
		// hits a unique index.
		Savepoint savepoint = connection.getAutoCommit() ? null : connection.setSavepoint();
		boolean watchIds = this.idWatchBatches.getAndUpdate((left) -> Math.max(0, left - 1)) > 0;
		boolean inSums = false;
		boolean inMeters = false;
		try {
			long before = 0;
			if (sums != null) {
				inSums = true;
				before = nextId(connection, sequence);
				inSums = false;
			}
			long copied = copy(connection, events, watchIds ? new HashSet<>(events.size() * 2) : null,
					new HashSet<>(), recordedAt);
			if (sums != null && sums.rows() == copied) {
				// Not when the batch dropped repeats of its own: the sums counted them.
				inSums = true;
				writeSums(connection, sequence, before, sums, copied);
				inSums = false;
				if (meters != null) {
					inMeters = true;
					writeMeters(connection, sequence, before, meters, copied);
					inMeters = false;
				}
			}
			if (savepoint != null) {
				connection.releaseSavepoint(savepoint);
			}
			return new InsertResult((int) copied, events.size() - (int) copied);
		}
		catch (SQLException ex) {
			if (inMeters && savepoint != null) {
				// As with the sums: the batch again, with its sums and without meter aggregates.
				connection.rollback(savepoint);
				turnMeterBatchesOff(ex);
				return insertByCopy(connection, events, recordedAt);
			}
			if (inSums && savepoint != null) {
				// The sums must never cost the ledger its batch: the batch again, without them.
				connection.rollback(savepoint);
				turnSumsOff(ex);
				return insertByCopy(connection, events, recordedAt);
			}
			if (!UNIQUE_VIOLATION.equals(ex.getSQLState())) {
				throw ex;
			}
			this.idWatchBatches.set(ID_WATCH_BATCHES);
			if (savepoint != null) {
				connection.rollback(savepoint);
			}
		}
		Set<UUID> ids = new HashSet<>(events.size() * 2);
		Set<List<String>> keys = new HashSet<>();
		findExisting(connection, events, ids, keys);
		long copied = copy(connection, events, ids, keys, recordedAt);
		return new InsertResult((int) copied, events.size() - (int) copied);
	}

	/**
	 * The ledger's id sequence if sums are to be written, found once: null without a sum table
	 * (a ledger created before it, with the schema left to the application) or an id sequence.
	 */
	private @Nullable String sumSequence(Connection connection) throws SQLException {
		Optional<String> sequence = this.sumSequence;
		if (sequence == null) {
			sequence = Optional.empty();
			if (this.sums) {
				try (PreparedStatement statement = connection.prepareStatement(this.sql.findSumTarget())) {
					statement.setString(1, this.tables.usageEventSum());
					statement.setString(2, this.tables.usageEvent());
					try (ResultSet found = statement.executeQuery()) {
						if (found.next() && found.getBoolean(1) && found.getString(2) != null) {
							if (found.getBoolean(3)) {
								sequence = Optional.of(found.getString(2));
							}
							else {
								logger.warn("Batch sums are off: this database role may not insert into "
										+ this.tables.usageEventSum() + " or take ids from " + found.getString(2)
										+ " (USAGE); the rollup folds the ledger's rows instead");
							}
						}
					}
				}
			}
			this.sumSequence = sequence;
		}
		return sequence.orElse(null);
	}

	/** After a statement of the batch sums failed (a table or a privilege gone): none until restart. */
	private void turnSumsOff(SQLException failure) {
		this.sumSequence = Optional.empty();
		logger.warn("Batch sums are off until restart: writing them failed (" + failure.getMessage()
				+ "); the batch was written without them, and the rollup folds the ledger's rows instead");
	}

	/** Whether the meter aggregate table is there to insert into, found once. */
	private boolean meterBatchWritable(Connection connection) throws SQLException {
		Boolean writable = this.meterBatchWritable;
		if (writable == null) {
			String writableSql = this.sql.meterBatches().writableSql();
			try (PreparedStatement statement = connection.prepareStatement(writableSql)) {
				statement.setString(1, this.tables.meterBatch());
				try (ResultSet found = statement.executeQuery()) {
					writable = found.next() && found.getBoolean(1);
				}
			}
			this.meterBatchWritable = writable;
		}
		return writable;
	}

	/** After writing meter aggregates failed (a table or a privilege gone): none until restart. */
	private void turnMeterBatchesOff(SQLException failure) {
		this.meterBatchWritable = false;
		logger.warn("Batch meter aggregates are off until restart: writing them failed (" + failure.getMessage()
				+ "); the batch was written without them, and the rollup folds the defined meters' rows instead");
	}

	/** Writes a batch's meter aggregates with the run of ids its sums have (the statement checks it again). */
	private void writeMeters(Connection connection, String sequence, long before, LedgerBatchMeters meters,
			long copied) throws SQLException {
		String[][] columns = meters.columns();
		Array[] arrays = new Array[columns.length];
		try (PreparedStatement statement = connection.prepareStatement(this.sql.meterBatches().insert())) {
			statement.setLong(1, before);
			statement.setString(2, sequence);
			for (int c = 0; c < columns.length; c++) {
				arrays[c] = connection.createArrayOf("text", columns[c]);
				statement.setArray(c + 3, arrays[c]);
			}
			statement.setLong(3 + columns.length, copied);
			statement.executeUpdate();
		}
		finally {
			for (Array array : arrays) {
				if (array != null) {
					array.free();
				}
			}
		}
	}

	/** Takes the next id of the ledger's sequence. */
	private long nextId(Connection connection, String sequence) throws SQLException {
		try (PreparedStatement statement = connection.prepareStatement(this.sql.nextId())) {
			statement.setString(1, sequence);
			try (ResultSet next = statement.executeQuery()) {
				next.next();
				return next.getLong(1);
			}
		}
	}

	/**
	 * Writes a batch's sums with the run of ids from the one taken before its COPY
	 * to the sequence's value now, if the rows COPYed took all the ids between (the statement
	 * checks).
	 */
	private void writeSums(Connection connection, String sequence, long before, LedgerBatchSums sums, long copied)
			throws SQLException {
		String[][] columns = sums.columns();
		Array[] arrays = new Array[columns.length];
		try (PreparedStatement statement = connection.prepareStatement(this.sql.insertSums())) {
			statement.setLong(1, before);
			statement.setString(2, sequence);
			for (int c = 0; c < columns.length; c++) {
				arrays[c] = connection.createArrayOf("text", columns[c]);
				statement.setArray(c + 3, arrays[c]);
			}
			statement.setLong(3 + columns.length, copied);
			statement.executeUpdate();
		}
		finally {
			for (Array array : arrays) {
				if (array != null) {
					array.free();
				}
			}
		}
	}

	/**
	 * COPYs the events whose id and (tenant, key) are not in the given sets nor earlier in the
	 * batch, encoding them as they stream: the first occurrence wins, and a skipped event claims
	 * neither its id nor its key, as with {@code ON CONFLICT DO NOTHING}. Without a set of ids,
	 * repeated ids are left for the unique index to refuse.
	 * @return the rows the server took
	 */
	private long copy(Connection connection, List<UsageEvent> events, @Nullable Set<UUID> ids,
			Set<List<String>> keys, Instant recordedAt) throws SQLException {
		PgCopy.Stream stream = new PgCopy.Stream(connection, this.sql.copyEvents());
		try {
			PostgresCopyBinary rows = new PostgresCopyBinary(stream, recordedAt);
			for (UsageEvent event : events) {
				if (ids != null && ids.contains(event.eventId())) {
					continue;
				}
				if (event.idempotencyKey() != null && !keys.add(List.of(event.tenantId(), event.idempotencyKey()))) {
					continue;
				}
				if (ids != null) {
					ids.add(event.eventId());
				}
				rows.appendRow(event);
			}
			rows.finish();
			return stream.end();
		}
		catch (SQLException | RuntimeException ex) {
			stream.cancel(ex);
			throw ex;
		}
	}

	/** Adds to {@code ids} and {@code keys} what of the batch the ledger already holds, in one query. */
	private void findExisting(Connection connection, List<UsageEvent> events, Set<UUID> ids, Set<List<String>> keys)
			throws SQLException {
		String[] eventIds = new String[events.size()];
		List<String> keyTenants = new ArrayList<>();
		List<String> keyValues = new ArrayList<>();
		for (int i = 0; i < eventIds.length; i++) {
			UsageEvent event = events.get(i);
			eventIds[i] = event.eventId().toString();
			if (event.idempotencyKey() != null) {
				keyTenants.add(event.tenantId());
				keyValues.add(event.idempotencyKey());
			}
		}
		Array[] arrays = { connection.createArrayOf("text", eventIds),
				connection.createArrayOf("text", keyTenants.toArray()),
				connection.createArrayOf("text", keyValues.toArray()) };
		try (PreparedStatement statement = connection.prepareStatement(this.sql.findExisting())) {
			// Planned for each batch with its values and the ledger as it is now: a cached generic plan
			// made for another state of the ledger ran large batches at a fraction of their speed.
			PlannedEachExecution.apply(statement);
			for (int i = 0; i < arrays.length; i++) {
				statement.setArray(i + 1, arrays[i]);
			}
			try (ResultSet existing = statement.executeQuery()) {
				while (existing.next()) {
					UUID id = existing.getObject(1, UUID.class);
					if (id != null) {
						ids.add(id);
					}
					else {
						keys.add(List.of(existing.getString(2), existing.getString(3)));
					}
				}
			}
		}
		finally {
			for (Array array : arrays) {
				array.free();
			}
		}
	}

	private InsertResult insertByUnnest(Connection connection, List<UsageEvent> events, Instant recordedAt)
			throws SQLException {
		int size = events.size();
		List<EventColumn> columns = EventColumn.ALL;
		String[][] values = new String[columns.size()][size];
		for (int i = 0; i < size; i++) {
			UsageEvent event = events.get(i);
			for (int c = 0; c < values.length; c++) {
				values[c][i] = columns.get(c).text(event, recordedAt);
			}
		}
		try (PreparedStatement statement = connection.prepareStatement(this.sql.insertUnnest())) {
			Array[] arrays = new Array[values.length];
			for (int c = 0; c < values.length; c++) {
				arrays[c] = connection.createArrayOf("text", values[c]);
				statement.setArray(c + 1, arrays[c]);
			}
			try {
				int rows = statement.executeUpdate();
				return new InsertResult(rows, size - rows);
			}
			finally {
				for (Array array : arrays) {
					array.free();
				}
			}
		}
	}

}
