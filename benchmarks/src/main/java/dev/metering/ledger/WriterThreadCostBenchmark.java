package dev.metering.ledger;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import dev.metering.event.UsageEvent;
import dev.metering.event.UsageSource;
import dev.metering.internal.postgres.PostgresCopyBinary;

/**
 * Not a test: the writer thread's own work per event, without a database. Request-meter events of
 * one tenant, their instants taken from the system clock as the servlet filter takes them (most
 * with a fraction below a microsecond), are summed by key in batches ({@link LedgerBatchSums}) and
 * encoded for COPY ({@link PostgresCopyBinary}) into a sink that drops the bytes. Prints ns per
 * event of each, for the rounds after a warm-up.
 * <p>
 * Arguments: events, batch size, rounds; defaults {@code 200000 1000 15}.
 */
public final class WriterThreadCostBenchmark {

	private static final int WARMUP_ROUNDS = 10;

	private WriterThreadCostBenchmark() {
	}

	public static void main(String[] args) throws Exception {
		int count = (args.length > 0) ? Integer.parseInt(args[0]) : 200_000;
		int batchSize = (args.length > 1) ? Integer.parseInt(args[1]) : 1_000;
		int rounds = (args.length > 2) ? Integer.parseInt(args[2]) : 15;
		Clock clock = Clock.systemUTC();
		Map<String, String> status = Map.of("status", "200");
		List<UsageEvent> events = new ArrayList<>(count);
		for (int i = 0; i < count; i++) {
			events.add(UsageEvent.builder("acme", "http.requests")
				.occurredAt(clock.instant())
				.resource("GET /api/ping")
				.source(UsageSource.HTTP)
				.dimensions(status)
				.build());
		}
		long belowMicro = events.stream().filter((event) -> event.occurredAt().getNano() % 1_000 != 0).count();
		System.out.printf(Locale.ROOT, "%,d events, %,d with a fraction below a microsecond; batches of %,d%n", count,
				belowMicro, batchSize);
		long[] bytes = new long[1];
		for (int round = 0; round < WARMUP_ROUNDS + rounds; round++) {
			long start = System.nanoTime();
			int withSums = 0;
			for (int from = 0; from < count; from += batchSize) {
				if (LedgerBatchSums.of(events.subList(from, Math.min(count, from + batchSize))) != null) {
					withSums++;
				}
			}
			long summed = System.nanoTime();
			PostgresCopyBinary rows = new PostgresCopyBinary((chunk, offset, length) -> bytes[0] += length,
					clock.instant());
			for (UsageEvent event : events) {
				rows.appendRow(event);
			}
			rows.finish();
			long encoded = System.nanoTime();
			if (round >= WARMUP_ROUNDS) {
				System.out.printf(Locale.ROOT, "round %d: sums %.1f ns/event (%d batches with sums), COPY encoding %.1f ns/event%n",
						round - WARMUP_ROUNDS + 1, (summed - start) / (double) count, withSums,
						(encoded - summed) / (double) count);
			}
		}
	}

}
