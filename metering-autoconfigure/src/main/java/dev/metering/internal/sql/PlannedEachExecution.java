package dev.metering.internal.sql;

import java.sql.PreparedStatement;
import java.sql.SQLException;

import org.postgresql.PGStatement;

import org.springframework.util.ClassUtils;

/**
 * Keeps pgjdbc from server-preparing a statement, so that PostgreSQL plans it for each execution
 * with its values and the tables as they are then. A server-prepared statement soon runs a cached
 * generic plan, and one made while the kit's tables were new and nearly empty outlives their
 * growth until the first ANALYZE: the grouped read of a batch of new tenants was planned as a full
 * scan of the rollups' scope index (9 ms a statement, growing with every tenant) instead of look-ups
 * of the primary key (docs/BENCHMARKS.md, new tenant per request). For the statements run once per
 * batch, whose parameter count varies anyway; other drivers' statements are left as they are.
 * Reached through {@link LedgerDatabase#plannedEachExecution}.
 */
public final class PlannedEachExecution {

	/** pgjdbc is an optional dependency of the kit. */
	private static final boolean PGJDBC_PRESENT = ClassUtils.isPresent("org.postgresql.PGStatement",
			PlannedEachExecution.class.getClassLoader());

	private PlannedEachExecution() {
	}

	public static void apply(PreparedStatement statement) throws SQLException {
		if (PGJDBC_PRESENT) {
			Pgjdbc.apply(statement);
		}
	}

	/** In a class of its own, loaded only when pgjdbc is on the classpath. */
	private static final class Pgjdbc {

		static void apply(PreparedStatement statement) throws SQLException {
			if (statement.isWrapperFor(PGStatement.class)) {
				statement.unwrap(PGStatement.class).setPrepareThreshold(0);
			}
		}

	}

}
