package dev.metering.faults;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Locale;

/**
 * One row of the reliability table (docs/RELIABILITY.md): appended to
 * {@code target/faults/results.md} by every fault scenario.
 *
 * @param fault what was done
 * @param requestsPerSecond answered requests per second over the run
 * @param faultDuration how long the fault lasted
 * @param answered requests that got a 2xx response: each must be exactly one ledger row
 * @param ledgerRows rows of the run's tenant in the ledger at the end
 * @param failed requests without a 2xx response (refused connections of a killed process, timeouts)
 * @param longestSilence the longest time no request was answered
 * @param recovery from the end of the fault until the ledger held every answered request
 */
record FaultResult(String fault, double requestsPerSecond, Duration faultDuration, long answered, long ledgerRows,
		long distinctEventIds, long failed, Duration longestSilence, Duration recovery) {

	static final Path RESULTS = Path.of("target", "faults", "results.md");

	long lost() {
		return Math.max(0, this.answered - this.ledgerRows);
	}

	/** Rows beyond the answered requests: recorded for a request whose answer the client never got. */
	long unanswered() {
		return Math.max(0, this.ledgerRows - this.answered);
	}

	long doubled() {
		return this.ledgerRows - this.distinctEventIds;
	}

	void append() throws IOException {
		Files.createDirectories(RESULTS.getParent());
		if (!Files.exists(RESULTS)) {
			Files.writeString(RESULTS, "| fault | load (req/s) | fault duration | requests answered | ledger rows | "
					+ "lost | doubled | recorded, answer not received | requests failed | longest without an answer | "
					+ "recovery |\n|---|---|---|---|---|---|---|---|---|---|---|\n");
		}
		Files.writeString(RESULTS,
				String.format(Locale.ROOT, "| %s | %s | %s | %d | %d | %d | %d | %d | %d | %s | %s |%n", this.fault,
						(this.requestsPerSecond > 0) ? String.format(Locale.ROOT, "%.0f", this.requestsPerSecond) : "n/a",
						seconds(this.faultDuration), this.answered, this.ledgerRows, lost(),
						doubled(), unanswered(), this.failed, seconds(this.longestSilence), seconds(this.recovery)),
				StandardOpenOption.APPEND);
	}

	private static String seconds(Duration duration) {
		if (duration == null || duration.isZero()) {
			return "n/a";
		}
		return String.format(Locale.ROOT, "%.1f s", duration.toMillis() / 1000.0);
	}

}
