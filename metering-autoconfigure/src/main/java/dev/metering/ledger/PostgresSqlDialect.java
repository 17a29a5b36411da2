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

	/** One text array per column, in {@link EventColumn} order. */
	private static final String INSERT_UNNEST = "INSERT INTO %PREFIX%usage_event (" + EventColumn.names()
			+ ") SELECT * FROM unnest(" + EventColumn.ALL.stream()
				.map((column) -> "CAST(? AS " + arrayType(column.type()) + ")")
				.collect(Collectors.joining(", "))
			+ ") ON CONFLICT DO NOTHING";

	/** Batches that drop repeated event ids before COPY after a COPY hit a unique index. */
	static final int ID_WATCH_BATCHES = 64;

	private final boolean copy;

	/** Batches left that drop repeated event ids before COPY. */
	private final AtomicInteger idWatchBatches = new AtomicInteger();

	private final String findExisting;

	private final String copyEvents;

	private final String insertUnnest;

	/**
	 * A dialect that may be told not to COPY.
	 * @param tables the table names
	 * @param copy whether to write by COPY when the driver allows it ({@code false} only for
	 * tests of the other path)
	 */
	PostgresSqlDialect(MeteringTables tables, boolean copy) {
		this.copy = copy && PGJDBC_PRESENT;
		this.findExisting = tables.resolve(FIND_EXISTING);
		this.copyEvents = tables.resolve(COPY_EVENTS);
		this.insertUnnest = tables.resolve(INSERT_UNNEST);
	}

	@Override
	InsertResult insertEvents(JdbcTemplate jdbc, List<UsageEvent> events, Instant recordedAt) {
		InsertResult result = jdbc.execute((Connection connection) -> (this.copy && PgCopy.supports(connection))
				? insertByCopy(connection, events, recordedAt) : insertByUnnest(connection, events, recordedAt));
		return (result != null) ? result : new InsertResult(0, events.size());
	}

	private InsertResult insertByCopy(Connection connection, List<UsageEvent> events, Instant recordedAt)
			throws SQLException {
		// Optimistic first: a batch almost never repeats what the ledger holds (only retries and
		// replays do), so COPY it without looking anything up, and look up only when the COPY
		// hits a unique index.
		Savepoint savepoint = connection.getAutoCommit() ? null : connection.setSavepoint();
		boolean watchIds = this.idWatchBatches.getAndUpdate((left) -> Math.max(0, left - 1)) > 0;
		try {
			long copied = copy(connection, events, watchIds ? new HashSet<>(events.size() * 2) : null,
					new HashSet<>(), recordedAt);
			if (savepoint != null) {
				connection.releaseSavepoint(savepoint);
			}
			return new InsertResult((int) copied, events.size() - (int) copied);
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
		Set<UUID> ids = new HashSet<>(events.size() * 2);
		Set<List<String>> keys = new HashSet<>();
		findExisting(connection, events, ids, keys);
		long copied = copy(connection, events, ids, keys, recordedAt);
		return new InsertResult((int) copied, events.size() - (int) copied);
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
		PgCopy.Stream stream = new PgCopy.Stream(connection, this.copyEvents);
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
