package dev.metering.ledger;

import java.time.Instant;
import java.util.List;
import java.util.function.Predicate;
import java.util.function.Supplier;

import javax.sql.DataSource;

import dev.metering.internal.sql.LedgerDatabase;
import dev.metering.event.UsageEvent;

import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;
import org.springframework.util.function.SingletonSupplier;

/**
 * The ledger over spring-jdbc. The database is found lazily, on the first write, so building the
 * store never touches it.
 */
public class JdbcUsageEventStore implements UsageEventStore {

	private final JdbcTemplate jdbc;

	private final TransactionTemplate transaction;

	private final Supplier<SqlDialect> dialect;

	/**
	 * A store that detects its database from the DataSource.
	 * @param dataSource the application's DataSource
	 * @param tables the table names
	 */
	public JdbcUsageEventStore(DataSource dataSource, MeteringTables tables) {
		this(dataSource, () -> LedgerDatabase.detect(dataSource), tables);
	}

	/**
	 * A store on a known database.
	 * @param dataSource the application's DataSource
	 * @param database supplies the database (called once, on the first write)
	 * @param tables the table names
	 */
	public JdbcUsageEventStore(DataSource dataSource, Supplier<LedgerDatabase> database, MeteringTables tables) {
		this(dataSource, database, tables, true);
	}

	/**
	 * A store on a known database that may be told not to write batch sums.
	 * @param dataSource the application's DataSource
	 * @param database supplies the database (called once, on the first write)
	 * @param tables the table names
	 * @param batchSums whether each batch also writes its sums by rollup key, where the database
	 * has a table for them (PostgreSQL), for the rollup to fold instead of the batch's rows; an
	 * application that runs no rollup on any instance has no use for them
	 */
	public JdbcUsageEventStore(DataSource dataSource, Supplier<LedgerDatabase> database, MeteringTables tables,
			boolean batchSums) {
		this(dataSource, SingletonSupplier.of(() -> SqlDialect.of(database.get(), tables, batchSums)));
	}

	/**
	 * A store on a known database that also writes, with each batch that has batch sums and an
	 * event of a defined meter, the batch's aggregates for the defined meters' fold (PostgreSQL).
	 * @param dataSource the application's DataSource
	 * @param database supplies the database (called once, on the first write)
	 * @param tables the table names
	 * @param batchSums whether each batch also writes its sums (and meter aggregates), where the
	 * database has tables for them
	 * @param definedMeters whether a meter has a definition now ({@code metering.meters} and the
	 * runtime definitions)
	 */
	public JdbcUsageEventStore(DataSource dataSource, Supplier<LedgerDatabase> database, MeteringTables tables,
			boolean batchSums, Predicate<String> definedMeters) {
		this(dataSource, SingletonSupplier.of(() -> SqlDialect.of(database.get(), tables, batchSums, definedMeters)));
	}

	/**
	 * A store with a given dialect (tests of one dialect's paths).
	 * @param dataSource the DataSource
	 * @param dialect the dialect
	 */
	JdbcUsageEventStore(DataSource dataSource, SqlDialect dialect) {
		this(dataSource, () -> dialect);
	}

	private JdbcUsageEventStore(DataSource dataSource, Supplier<SqlDialect> dialect) {
		this.jdbc = new JdbcTemplate(dataSource);
		this.transaction = new TransactionTemplate(new DataSourceTransactionManager(dataSource));
		this.dialect = dialect;
	}

	@Override
	public InsertResult insert(List<UsageEvent> events, Instant recordedAt) {
		if (events.isEmpty()) {
			return new InsertResult(0, 0);
		}
		SqlDialect sql = this.dialect.get();
		try {
			return this.transaction.execute((status) -> sql.insertEvents(this.jdbc, events, recordedAt));
		}
		catch (DuplicateKeyException ex) {
			// Another writer inserted one of these keys between our check and our insert (possible
			// where the dialect checks before inserting). Row by row, each skips only itself.
			return insertOneByOne(sql, events, recordedAt);
		}
	}

	private InsertResult insertOneByOne(SqlDialect sql, List<UsageEvent> events, Instant recordedAt) {
		InsertResult total = new InsertResult(0, 0);
		for (UsageEvent event : events) {
			try {
				total = total.plus(this.transaction
					.execute((status) -> sql.insertEvents(this.jdbc, List.of(event), recordedAt)));
			}
			catch (DuplicateKeyException ex) {
				total = total.plus(new InsertResult(0, 1));
			}
		}
		return total;
	}

}
