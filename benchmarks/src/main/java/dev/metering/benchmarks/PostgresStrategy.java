package dev.metering.benchmarks;

import java.io.ByteArrayOutputStream;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.sql.Statement;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

import javax.sql.DataSource;

import dev.metering.event.UsageEvent;
import dev.metering.internal.sql.EventColumn;
import dev.metering.ledger.InsertResult;
import dev.metering.ledger.JdbcUsageEventStore;
import dev.metering.internal.sql.LedgerDatabase;
import dev.metering.ledger.MeteringTables;
import dev.metering.internal.postgres.PostgresCopyBinary;
import dev.metering.ledger.UsageEventStore;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;

import org.springframework.jdbc.core.ConnectionCallback;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The ways the ledger writer can put a batch into PostgreSQL that this benchmark compares. All
 * but {@link #KIT} are stand-ins written here, each in one transaction per batch like
 * {@link JdbcUsageEventStore}; {@link #KIT} is the kit's own store and dialect as shipped, so the
 * figure a user gets is measured, not inferred from a stand-in.
 */
enum PostgresStrategy {

	/** The kit's {@link JdbcUsageEventStore} with its {@code PostgresSqlDialect}. */
	KIT("the kit: JdbcUsageEventStore + PostgresSqlDialect (optimistic COPY; look-up of existing keys only after a unique violation)", false) {
		@Override
		UsageEventStore store(DataSource dataSource, MeteringTables tables) {
			return new JdbcUsageEventStore(dataSource, () -> LedgerDatabase.POSTGRESQL, tables);
		}
	},

	/**
	 * The kit's COPY path before it streamed (up to commit {@code 82efc4b}): under a savepoint,
	 * repeats inside the batch dropped, the whole batch encoded first and then sent in one write,
	 * so the server waits while the client encodes. Without the look-up after a unique violation:
	 * measured for the effect of streaming only.
	 */
	WHOLE_BATCH("the kit's previous COPY: whole batch encoded, then sent (no look-up fallback)", false) {
		@Override
		UsageEventStore store(DataSource dataSource, MeteringTables tables) {
			String copy = "COPY " + tables.usageEvent() + " (" + CopyRows.LEDGER_COLUMNS + ") FROM STDIN (FORMAT binary)";
			return new CandidateStore(dataSource) {
				@Override
				InsertResult insert(Connection connection, List<UsageEvent> events, Instant recordedAt)
						throws SQLException {
					Savepoint savepoint = connection.setSavepoint();
					Set<UUID> ids = new HashSet<>(events.size() * 2);
					Set<List<String>> keys = new HashSet<>();
					ByteArrayOutputStream whole = new ByteArrayOutputStream(events.size() * 256);
					PostgresCopyBinary rows = new PostgresCopyBinary(whole::write, recordedAt);
					for (UsageEvent event : events) {
						if (!ids.add(event.eventId()) || (event.idempotencyKey() != null
								&& !keys.add(List.of(event.tenantId(), event.idempotencyKey())))) {
							continue;
						}
						rows.appendRow(event);
					}
					rows.finish();
					if (rows.rows() == 0) {
						connection.releaseSavepoint(savepoint);
						return new InsertResult(0, events.size());
					}
					byte[] bytes = whole.toByteArray();
					CopyIn copyIn = connection.unwrap(PGConnection.class).getCopyAPI().copyIn(copy);
					copyIn.writeToCopy(bytes, 0, bytes.length);
					long copied = copyIn.endCopy();
					connection.releaseSavepoint(savepoint);
					return new InsertResult((int) copied, events.size() - (int) copied);
				}
			};
		}
	},

	/** One {@code INSERT ... SELECT FROM unnest(text arrays) ON CONFLICT DO NOTHING} per batch. */
	UNNEST("INSERT ... SELECT FROM unnest(arrays) ON CONFLICT DO NOTHING", false) {
		@Override
		UsageEventStore store(DataSource dataSource, MeteringTables tables) {
			// The kit's own fallback path, not a copy of it: the kit takes it when its connections do
			// not unwrap to pgjdbc's, as with another driver.
			return new JdbcUsageEventStore(WithoutPgjdbc.of(dataSource), () -> LedgerDatabase.POSTGRESQL, tables);
		}
	},

	/**
	 * A JDBC batch of single-row {@code INSERT ... ON CONFLICT DO NOTHING} on a DataSource with
	 * {@code reWriteBatchedInserts=true}. The driver then reports {@code SUCCESS_NO_INFO} per row,
	 * so the inserted count is not known: this store counts every row as inserted, which is wrong
	 * when there are duplicates. Measured for its speed only.
	 */
	REWRITE("JDBC batch INSERT ... ON CONFLICT DO NOTHING, reWriteBatchedInserts (count not exact)", true) {
		@Override
		UsageEventStore store(DataSource dataSource, MeteringTables tables) {
			return new CandidateStore(dataSource) {
				@Override
				InsertResult insert(Connection connection, List<UsageEvent> events, Instant recordedAt)
						throws SQLException {
					try (PreparedStatement statement = connection.prepareStatement(singleRowInsert(tables))) {
						bindBatch(statement, events, recordedAt);
						int inserted = 0;
						boolean known = true;
						for (int count : statement.executeBatch()) {
							known &= count >= 0;
							inserted += Math.max(count, 0);
						}
						// SUCCESS_NO_INFO: the driver merged rows into multi-row statements and cannot
						// say which of them were skipped.
						int rows = known ? inserted : events.size();
						return new InsertResult(rows, events.size() - rows);
					}
				}
			};
		}
	},

	/**
	 * As {@link #REWRITE}, with {@code RETURNING id} through generated keys: the rows returned are
	 * exactly the rows inserted, so the count is exact again.
	 */
	REWRITE_RETURNING("JDBC batch INSERT ... ON CONFLICT DO NOTHING RETURNING id, reWriteBatchedInserts", true) {
		@Override
		UsageEventStore store(DataSource dataSource, MeteringTables tables) {
			return new CandidateStore(dataSource) {
				@Override
				InsertResult insert(Connection connection, List<UsageEvent> events, Instant recordedAt)
						throws SQLException {
					try (PreparedStatement statement = connection.prepareStatement(singleRowInsert(tables),
							new String[] { "id" })) {
						bindBatch(statement, events, recordedAt);
						statement.executeBatch();
						int rows = 0;
						try (ResultSet keys = statement.getGeneratedKeys()) {
							while (keys.next()) {
								rows++;
							}
						}
						return new InsertResult(rows, events.size() - rows);
					}
				}
			};
		}
	},

	/**
	 * {@code COPY} of the batch into a temporary staging table ({@code ON COMMIT DELETE ROWS}),
	 * then {@code INSERT ... SELECT ... ON CONFLICT DO NOTHING} from it.
	 */
	COPY_STAGING("COPY into temp staging table + INSERT ... SELECT ... ON CONFLICT DO NOTHING", false) {
		@Override
		UsageEventStore store(DataSource dataSource, MeteringTables tables) {
			String create = "CREATE TEMPORARY TABLE IF NOT EXISTS metering_bench_stage (event_id uuid, "
					+ "idempotency_key varchar(200), tenant_id varchar(128), billing_scope_id varchar(128), "
					+ "meter varchar(128), quantity numeric(38, 9), occurred_at timestamptz, user_id varchar(256), "
					+ "resource varchar(512), source varchar(16), dimensions jsonb) ON COMMIT DELETE ROWS";
			String copy = "COPY metering_bench_stage (" + CopyRows.STAGING_COLUMNS + ") FROM STDIN (FORMAT binary)";
			String insert = "INSERT INTO " + tables.usageEvent() + " (" + CopyRows.LEDGER_COLUMNS + ") "
					+ "SELECT event_id, idempotency_key, tenant_id, billing_scope_id, meter, quantity, occurred_at, "
					+ "CAST(? AS timestamptz), user_id, resource, source, dimensions FROM metering_bench_stage "
					+ "ON CONFLICT DO NOTHING";
			return new CandidateStore(dataSource) {
				@Override
				InsertResult insert(Connection connection, List<UsageEvent> events, Instant recordedAt)
						throws SQLException {
					try (Statement statement = connection.createStatement()) {
						statement.execute(create);
					}
					CopyIn copyIn = connection.unwrap(PGConnection.class).getCopyAPI().copyIn(copy);
					CopyRows.write(copyIn, events, null);
					copyIn.endCopy();
					try (PreparedStatement statement = connection.prepareStatement(insert)) {
						statement.setObject(1, OffsetDateTime.ofInstant(recordedAt, ZoneOffset.UTC));
						int inserted = statement.executeUpdate();
						return new InsertResult(inserted, events.size() - inserted);
					}
				}
			};
		}
	};

	private final String description;

	private final boolean needsRewrite;

	PostgresStrategy(String description, boolean needsRewrite) {
		this.description = description;
		this.needsRewrite = needsRewrite;
	}

	/**
	 * A store writing with this strategy.
	 * @param dataSource the DataSource ({@link #needsRewriteBatchedInserts()} says which)
	 * @param tables the ledger's tables
	 * @return the store
	 */
	abstract UsageEventStore store(DataSource dataSource, MeteringTables tables);

	String description() {
		return this.description;
	}

	/** Whether the store must run on a DataSource whose URL sets {@code reWriteBatchedInserts=true}. */
	boolean needsRewriteBatchedInserts() {
		return this.needsRewrite;
	}

	static String singleRowInsert(MeteringTables tables) {
		return "INSERT INTO " + tables.usageEvent() + " (" + CopyRows.LEDGER_COLUMNS + ") VALUES ("
				+ String.join(", ", Collections.nCopies(EventColumn.ALL.size(), "?")) + ") ON CONFLICT DO NOTHING";
	}

	static void bindBatch(PreparedStatement statement, List<UsageEvent> events, Instant recordedAt)
			throws SQLException {
		for (UsageEvent event : events) {
			int p = 1;
			for (EventColumn column : EventColumn.ALL) {
				column.bind(statement, p++, event, recordedAt, LedgerDatabase.POSTGRESQL);
			}
			statement.addBatch();
		}
	}

	/** One transaction per batch, as the kit's store: the stand-ins differ only in their SQL. */
	abstract static class CandidateStore implements UsageEventStore {

		private final JdbcTemplate jdbc;

		private final TransactionTemplate transaction;

		CandidateStore(DataSource dataSource) {
			this.jdbc = new JdbcTemplate(dataSource);
			this.transaction = new TransactionTemplate(new DataSourceTransactionManager(dataSource));
		}

		@Override
		public InsertResult insert(List<UsageEvent> events, Instant recordedAt) {
			if (events.isEmpty()) {
				return new InsertResult(0, 0);
			}
			return this.transaction.execute((status) -> this.jdbc
				.execute((ConnectionCallback<InsertResult>) (connection) -> insert(connection, events, recordedAt)));
		}

		abstract InsertResult insert(Connection connection, List<UsageEvent> events, Instant recordedAt)
				throws SQLException;

	}

}
