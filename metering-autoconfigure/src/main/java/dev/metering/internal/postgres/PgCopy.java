package dev.metering.internal.postgres;

import java.sql.Connection;
import java.sql.SQLException;

import org.jspecify.annotations.Nullable;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;

/**
 * pgjdbc's COPY API for {@code dev.metering.ledger.PostgresSqlDialect}, in a class of its own so that the dialect
 * loads, and falls back to {@code unnest}, when pgjdbc is not on the classpath.
 */
public final class PgCopy {

	private PgCopy() {
	}

	public static boolean supports(Connection connection) throws SQLException {
		return connection.isWrapperFor(PGConnection.class);
	}

	/** One COPY, started with its first chunk, so a batch of repeats only sends nothing. */
	public static final class Stream implements PostgresCopyBinary.Sink {

		private final Connection connection;

		private final String sql;

		private @Nullable CopyIn copyIn;

		public Stream(Connection connection, String sql) {
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

		public long end() throws SQLException {
			return (this.copyIn != null) ? this.copyIn.endCopy() : 0;
		}

		/** Ends a failed COPY so the connection takes the rollback that follows. */
		public void cancel(Exception failure) {
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
