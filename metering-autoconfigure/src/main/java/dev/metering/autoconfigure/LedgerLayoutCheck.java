package dev.metering.autoconfigure;

import java.util.function.Supplier;

import dev.metering.autoconfigure.MeteringLedgerProperties.Partitioning;
import dev.metering.internal.sql.LedgerDatabase;

/**
 * Refuses at start-up a ledger layout the kit cannot keep: monthly partitions on a database
 * other than PostgreSQL and a retention without partitions (retention drops whole partitions).
 * Only a configured layout touches the database here: the default detects it on first use.
 */
final class LedgerLayoutCheck {

	private LedgerLayoutCheck() {
	}

	static void check(MeteringLedgerProperties ledger, Supplier<LedgerDatabase> database) {
		if (ledger.getPartitioning() == Partitioning.NONE) {
			if (ledger.getRetention() != null) {
				throw new IllegalStateException("metering.ledger.retention needs metering.ledger.partitioning=monthly:"
						+ " retention drops whole monthly partitions, never single rows");
			}
			return;
		}
		LedgerDatabase detected = database.get();
		if (detected != LedgerDatabase.POSTGRESQL) {
			throw new IllegalStateException("metering.ledger.partitioning=monthly needs PostgreSQL; the ledger's"
					+ " database is " + detected.platform() + " (set metering.ledger.partitioning=none)");
		}
	}

}
