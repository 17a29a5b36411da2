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
import java.util.stream.Collectors;

import dev.metering.event.UsageEvent;
import org.postgresql.PGConnection;
import org.jspecify.annotations.Nullable;
import org.postgresql.copy.CopyIn;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.util.ClassUtils;

/**
 * PostgreSQL. With the pgjdbc driver a batch is written by {@code COPY}: repeated (tenant,
 * idempotency key) pairs inside the batch are dropped here (the first occurrence wins, as with
 * {@code ON CONFLICT DO NOTHING}) and the rest is {@code COPY}ed straight into the ledger, under a
 * savepoint, in COPY's binary format (the server parses no digits: a fifth less of its CPU per
 * row than the text format), each row encoded as it streams ({@link PostgresCopyBinary}, 64 KiB
 * at a time): the server inserts while the client encodes, where a batch encoded whole before
 * sending left the server asleep for the encoding (docs/BENCHMARKS.md, issue 14). A repeated event id inside the batch is not looked for: a set
 * of 20,000 ids cost a quarter of the writer's CPU, for repeats that only retries and replays make;
 * one makes the COPY hit the unique index like a repeat of a stored event, and after such a batch
 * the next {@value #ID_WATCH_BATCHES} batches drop repeated ids before COPYing, so a source
 * of many repeats does not take the slow path batch after batch. Only when the COPY hits a unique
 * index (a retried or replayed batch) is the savepoint rolled back, one query finds which of the
 * batch's event ids and (tenant, idempotency key) pairs the ledger already holds, and the rest is
 * {@code COPY}ed. That measured fastest of the idempotent ways (docs/BENCHMARKS.md): COPY
 * inserts rows in bulk, where every {@code INSERT ... ON CONFLICT} pays for a speculative
 * insertion per row. The count is exact: the rows COPY reports. Another writer committing one of
 * the keys between the look-up and the second COPY makes it fail with a unique violation, and
 * {@link JdbcUsageEventStore} then writes that batch row by row, each row skipping only itself.
 * <p>
 * When the ledger has a sum table ({@code metering_usage_event_sum}, schema-postgresql.sql) and
 * sums are wanted (the rollup runs), a COPYed batch first takes as many ids from the ledger's
 * identity sequence as it has events, in one round trip that returns only the lowest and the
 * highest. When they are one run (the usual case) the rows are COPYed with them and, when the
 * batch has at least {@value LedgerBatchSums#ROWS_PER_KEY} rows per rollup key, its sums by key
 * go into the sum table with the run's first and last id, in the same transaction; otherwise
 * the rows take ids of their own, as without sums. The rollup folds such a run from its sums without reading its rows
 * ({@code dev.metering.rollup.DatabaseFold}); a batch without sums is folded from its rows.
 * <p>
 * Without pgjdbc (another driver, or a connection that does not unwrap to it) a batch is one
 * {@code INSERT ... SELECT FROM unnest(arrays) ON CONFLICT DO NOTHING}, whose update count is
 * exact as well.
 */
final class PostgresSqlDialect extends SqlDialect {

	/** SQLSTATE of a unique index violation. */
	private static final String UNIQUE_VIOLATION = "23505";

	/** Whether pgjdbc is there to COPY with: it is an optional dependency of the kit. */
	private static final boolean PGJDBC_PRESENT = ClassUtils.isPresent("org.postgresql.PGConnection",
			PostgresSqlDialect.class.getClassLoader());

	/**
	 * Which of a batch's keys the ledger holds already. Each key probes its unique index through a
	 * LATERAL ... LIMIT 1, a shape the planner can only run as index look-ups. The plainer
	 * "event_id = ANY (?)" or a join with unnest was planned, for a 5,000-event batch against
	 * 1,000,000 rows, as a sequential scan or a hash of the whole ledger (0.4 to 2 s a batch
	 * instead of 30 ms).
	 */
	private static final String FIND_EXISTING = "SELECT x.id, NULL, NULL FROM unnest(CAST(? AS uuid[])) AS x(id) "
			+ "CROSS JOIN LATERAL (SELECT 1 FROM %PREFIX%usage_event e WHERE e.event_id = x.id LIMIT 1) AS hit "
			+ "UNION ALL SELECT NULL, x.t, x.k FROM unnest(CAST(? AS varchar[]), CAST(? AS varchar[])) AS x(t, k) "
			+ "CROSS JOIN LATERAL (SELECT 1 FROM %PREFIX%usage_event e "
			+ "WHERE e.tenant_id = x.t AND e.idempotency_key = x.k LIMIT 1) AS hit";

	private static final String COPY_EVENTS = "COPY %PREFIX%usage_event (" + EventColumn.names() + ") FROM STDIN (FORMAT binary)";

	private static final String COPY_EVENTS_WITH_IDS = "COPY %PREFIX%usage_event (id, " + EventColumn.names()
			+ ") FROM STDIN (FORMAT binary)";

	/** Whether the sum table exists, and the sequence of the ledger's ids (null when none). */
	private static final String FIND_SUM_TARGET = "SELECT to_regclass(?) IS NOT NULL, pg_get_serial_sequence(?, 'id')";

	/**
	 * Takes the next ids of a sequence and selects the lowest and the highest: a run when they
	 * are as far apart as the count. The sequence is looked up once (OFFSET 0 keeps the look-up
	 * out of the per-row call).
	 */
	private static final String NEXT_IDS = "SELECT MIN(n), MAX(n) FROM (SELECT nextval(s.seq) AS n FROM "
			+ "(SELECT CAST(? AS regclass) AS seq OFFSET 0) s CROSS JOIN generate_series(1, ?)) ids";

	private static final String INSERT_SUMS = "INSERT INTO %PREFIX%usage_event_sum (first_id, last_id, tenant_id, "
			+ "meter, billing_scope_id, period_start, user_id, quantity, event_count) SELECT CAST(? AS bigint), "
			+ "CAST(? AS bigint), * FROM unnest(CAST(? AS varchar[]), CAST(? AS varchar[]), CAST(? AS varchar[]), "
			+ "CAST(? AS timestamptz[]), CAST(? AS varchar[]), CAST(? AS numeric[]), CAST(? AS bigint[]))";

	/** One text array per column, in {@link EventColumn} order. */
	private static final String INSERT_UNNEST = "INSERT INTO %PREFIX%usage_event (" + EventColumn.names()
			+ ") SELECT * FROM unnest(" + EventColumn.ALL.stream()
				.map((column) -> "CAST(? AS " + arrayType(column.type()) + ")")
				.collect(Collectors.joining(", "))
			+ ") ON CONFLICT DO NOTHING";

	/** Batches that drop repeated event ids before COPY after a COPY hit a unique index. */
	static final int ID_WATCH_BATCHES = 64;

	/** No id run: the rows take ids from the sequence as they are inserted. */
	private static final long NO_ID_RUN = Long.MIN_VALUE;

	private final boolean copy;

	/** Whether to write batch sums when the ledger has a sum table. */
	private final boolean sums;

	/** The ledger's id sequence when sums are written, found on the first COPY; empty when they are not. */
	private volatile @Nullable Optional<String> sumSequence;

	/** Batches left that drop repeated event ids before COPY. */
	private final AtomicInteger idWatchBatches = new AtomicInteger();

	private final String findExisting;

	private final String copyEvents;

	private final String insertUnnest;

	private final String copyEventsWithIds;

	private final String insertSums;

	private final MeteringTables tables;

	/**
	 * A dialect that may be told not to COPY.
	 * @param tables the table names
	 * @param copy whether to write by COPY when the driver allows it ({@code false} only for
	 * tests of the other path)
	 * @param sums whether to write batch sums when the ledger has a sum table
	 */
	PostgresSqlDialect(MeteringTables tables, boolean copy, boolean sums) {
		this.copy = copy && PGJDBC_PRESENT;
		this.sums = sums;
		this.tables = tables;
		this.findExisting = tables.resolve(FIND_EXISTING);
		this.copyEvents = tables.resolve(COPY_EVENTS);
		this.copyEventsWithIds = tables.resolve(COPY_EVENTS_WITH_IDS);
		this.insertUnnest = tables.resolve(INSERT_UNNEST);
		this.insertSums = tables.resolve(INSERT_SUMS);
	}

	@Override
	InsertResult insertEvents(JdbcTemplate jdbc, List<UsageEvent> events, Instant recordedAt) {
		InsertResult result = jdbc.execute((Connection connection) -> (this.copy && PgCopy.supports(connection))
				? insertByCopy(connection, events, recordedAt) : insertByUnnest(connection, events, recordedAt));
		return (result != null) ? result : new InsertResult(0, events.size());
	}

	private InsertResult insertByCopy(Connection connection, List<UsageEvent> events, Instant recordedAt)
			throws SQLException {
		String sequence = sumSequence(connection);
		long firstId = (sequence != null) ? nextIdRun(connection, sequence, events.size()) : NO_ID_RUN;
		// Optimistic first: a batch almost never repeats what the ledger holds (only retries and
		// replays do), so COPY it without looking anything up, and look up only when the COPY
		// hits a unique index.
		Savepoint savepoint = connection.getAutoCommit() ? null : connection.setSavepoint();
		boolean watchIds = this.idWatchBatches.getAndUpdate((left) -> Math.max(0, left - 1)) > 0;
		long copied = -1;
		LedgerBatchSums sums = sumsOf(firstId, events.size());
		try {
			copied = copy(connection, events, watchIds ? new HashSet<>(events.size() * 2) : null,
					new HashSet<>(), recordedAt, firstId, sums);
			if (savepoint != null) {
				connection.releaseSavepoint(savepoint);
			}
		}
		catch (SQLException ex) {
			if (!UNIQUE_VIOLATION.equals(ex.getSQLState())) {
				throw ex;
			}
			this.idWatchBatches.set(ID_WATCH_BATCHES);
			if (savepoint != null) {
				connection.rollback(savepoint);
			}
		}
		if (copied < 0) {
			Set<UUID> ids = new HashSet<>(events.size() * 2);
			Set<List<String>> keys = new HashSet<>();
			findExisting(connection, events, ids, keys);
			sums = sumsOf(firstId, events.size());
			copied = copy(connection, events, ids, keys, recordedAt, firstId, sums);
		}
		writeSums(connection, firstId, events.size(), sums, copied);
		return new InsertResult((int) copied, events.size() - (int) copied);
	}

	/** Sums for a batch with an id run, else none. */
	private static @Nullable LedgerBatchSums sumsOf(long firstId, int events) {
		return (firstId != NO_ID_RUN) ? new LedgerBatchSums(events) : null;
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
				try (PreparedStatement statement = connection.prepareStatement(FIND_SUM_TARGET)) {
					statement.setString(1, this.tables.usageEventSum());
					statement.setString(2, this.tables.usageEvent());
					try (ResultSet found = statement.executeQuery()) {
						if (found.next() && found.getBoolean(1)) {
							sequence = Optional.ofNullable(found.getString(2));
						}
					}
				}
			}
			this.sumSequence = sequence;
		}
		return sequence.orElse(null);
	}

	/**
	 * Takes the next {@code count} ids of the ledger's sequence: the first of them when they are
	 * one run (the usual case; another writer taking ids at the same moment can interleave), else
	 * {@link #NO_ID_RUN}, and the batch's rows take ids of their own as without sums (the ones
	 * taken here stay unused, like those of a rolled-back batch).
	 */
	private long nextIdRun(Connection connection, String sequence, int count) throws SQLException {
		try (PreparedStatement statement = connection.prepareStatement(NEXT_IDS)) {
			statement.setString(1, sequence);
			statement.setInt(2, count);
			try (ResultSet next = statement.executeQuery()) {
				next.next();
				long first = next.getLong(1);
				return (next.getLong(2) - first == count - 1) ? first : NO_ID_RUN;
			}
		}
	}

	/** Writes a batch's sums with its id run, when it has any worth writing. */
	private void writeSums(Connection connection, long firstId, int events, @Nullable LedgerBatchSums sums,
			long copied) throws SQLException {
		if (firstId == NO_ID_RUN || sums == null || sums.rows() != copied || !sums.worthWriting()) {
			return;
		}
		String[][] columns = sums.columns();
		Array[] arrays = new Array[columns.length];
		try (PreparedStatement statement = connection.prepareStatement(this.insertSums)) {
			statement.setLong(1, firstId);
			statement.setLong(2, firstId + events - 1);
			for (int c = 0; c < columns.length; c++) {
				arrays[c] = connection.createArrayOf("text", columns[c]);
				statement.setArray(c + 3, arrays[c]);
			}
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
	 * repeated ids are left for the unique index to refuse. With an id run, the batch's event at
	 * index i is COPYed with id {@code firstId + i} (a skipped event leaves its id unused) and
	 * added to the sums, if any.
	 * @return the rows the server took
	 */
	private long copy(Connection connection, List<UsageEvent> events, @Nullable Set<UUID> ids,
			Set<List<String>> keys, Instant recordedAt, long firstId, @Nullable LedgerBatchSums sums)
			throws SQLException {
		boolean withIds = firstId != NO_ID_RUN;
		PgCopy.Stream stream = new PgCopy.Stream(connection, withIds ? this.copyEventsWithIds : this.copyEvents);
		try {
			PostgresCopyBinary rows = new PostgresCopyBinary(stream, recordedAt);
			for (int i = 0; i < events.size(); i++) {
				UsageEvent event = events.get(i);
				if (ids != null && ids.contains(event.eventId())) {
					continue;
				}
				if (event.idempotencyKey() != null && !keys.add(List.of(event.tenantId(), event.idempotencyKey()))) {
					continue;
				}
				if (ids != null) {
					ids.add(event.eventId());
				}
				if (withIds) {
					rows.appendRow(event, firstId + i);
					if (sums != null) {
						sums.add(event);
					}
				}
				else {
					rows.appendRow(event);
				}
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
		try (PreparedStatement statement = connection.prepareStatement(this.findExisting)) {
			// Planned for each batch with its values and the ledger as it is now: server-prepared, it
			// soon ran a cached generic plan made for another state of the ledger (after a truncation,
			// in the benchmark), and 5,000-event batches ran at a fifth of their speed. Planning costs
			// milliseconds a batch (15 ms for 5,000 keys, measured on a loaded machine).
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
		try (PreparedStatement statement = connection.prepareStatement(this.insertUnnest)) {
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

	private static String arrayType(EventColumn.Type type) {
		return switch (type) {
			case UUID -> "uuid[]";
			case TEXT -> "varchar[]";
			case DECIMAL -> "numeric[]";
			case TIMESTAMP -> "timestamptz[]";
			case JSON -> "jsonb[]";
		};
	}

	/**
	 * pgjdbc's COPY API, in a class of its own so that the dialect loads, and falls back to
	 * {@code unnest}, when pgjdbc is not on the classpath.
	 */
	private static final class PgCopy {

		static boolean supports(Connection connection) throws SQLException {
			return connection.isWrapperFor(PGConnection.class);
		}

		/** One COPY, started with its first chunk, so a batch of repeats only sends nothing. */
		static final class Stream implements PostgresCopyBinary.Sink {

			private final Connection connection;

			private final String sql;

			private @Nullable CopyIn copyIn;

			Stream(Connection connection, String sql) {
				this.connection = connection;
				this.sql = sql;
			}

			@Override
			public void write(byte[] bytes, int offset, int length) throws SQLException {
				CopyIn copy = this.copyIn;
				if (copy == null) {
					copy = this.connection.unwrap(PGConnection.class).getCopyAPI().copyIn(this.sql);
					this.copyIn = copy;
				}
				copy.writeToCopy(bytes, offset, length);
			}

			long end() throws SQLException {
				return (this.copyIn != null) ? this.copyIn.endCopy() : 0;
			}

			/** Ends a failed COPY so the connection takes the rollback that follows. */
			void cancel(Exception failure) {
				CopyIn copy = this.copyIn;
				if (copy != null && copy.isActive()) {
					try {
						copy.cancelCopy();
					}
					catch (SQLException cancel) {
						failure.addSuppressed(cancel);
					}
				}
			}

		}

	}

}
