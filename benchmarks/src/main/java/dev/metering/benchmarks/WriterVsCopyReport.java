package dev.metering.benchmarks;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;
import java.util.stream.Collectors;

import dev.metering.ledger.MeteringTables;

import org.springframework.jdbc.core.JdbcTemplate;

/** What {@link WriterVsCopyBenchmark} prints: the environment it ran in and the table of results. */
final class WriterVsCopyReport {

	private WriterVsCopyReport() {
	}

	static void printSummary(Map<String, List<CpuMeter.Cost>> results, Map<PostgresStrategy, Boolean> exact,
			List<PostgresStrategy> strategies) {
		List<CpuMeter.Cost> copies = results.get(WriterVsCopyBenchmark.COPY);
		double copyMedian = median(copies, CpuMeter.Cost::perSecond);
		System.out.println();
		System.out.println("| Configuration | Events/s (median) | Min | Max | Ratio to COPY (medians) | Ratio per round "
				+ "| JVM CPU us/row | PostgreSQL backend CPU us/row | Exact count |");
		System.out.println("|---|---:|---:|---:|---:|---|---:|---:|---|");
		for (Map.Entry<String, List<CpuMeter.Cost>> entry : results.entrySet()) {
			List<CpuMeter.Cost> costs = entry.getValue();
			double median = median(costs, CpuMeter.Cost::perSecond);
			String name = entry.getKey();
			String exactCount = "yes";
			String label = "COPY of the same rows (baseline)";
			String perRound = "";
			if (!WriterVsCopyBenchmark.COPY.equals(name)) {
				String[] parts = name.split(" @");
				PostgresStrategy strategy = PostgresStrategy.valueOf(parts[0]);
				exactCount = exact.get(strategy) ? "yes" : "no";
				label = strategy.name().toLowerCase(Locale.ROOT) + ", batch " + parts[1];
				List<Double> ratios = new ArrayList<>();
				for (int round = 0; round < costs.size(); round++) {
					ratios.add(costs.get(round).perSecond() / copies.get(round).perSecond());
				}
				perRound = ratios.stream()
					.map((ratio) -> String.format(Locale.ROOT, "%.0f%%", 100 * ratio))
					.collect(Collectors.joining(", "))
						+ String.format(Locale.ROOT, " (median %.0f%%)", 100 * median(ratios, Double::doubleValue));
			}
			System.out.printf(Locale.ROOT, "| %s | %,.0f | %,.0f | %,.0f | %.0f%% | %s | %.2f | %.2f | %s |%n", label,
					median, costs.stream().mapToDouble(CpuMeter.Cost::perSecond).min().orElse(0),
					costs.stream().mapToDouble(CpuMeter.Cost::perSecond).max().orElse(0), 100 * median / copyMedian,
					perRound, median(costs, CpuMeter.Cost::jvmMicrosPerRow),
					median(costs, CpuMeter.Cost::backendMicrosPerRow), exactCount);
		}
		System.out.println();
		for (PostgresStrategy strategy : strategies) {
			System.out.println("  " + strategy.name().toLowerCase(Locale.ROOT) + ": " + strategy.description());
		}
	}

	private static <T> double median(List<T> values, ToDoubleFunction<T> value) {
		return median(values.stream().map(value::applyAsDouble).toList());
	}

	private static double median(List<Double> values) {
		double[] sorted = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
		int middle = sorted.length / 2;
		return (sorted.length % 2 == 1) ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
	}

	static void printEnvironment(JdbcTemplate jdbc, MeteringTables tables, int eventCount, int rounds, int producers, List<Integer> batchSizes) {
		System.out.println("Writer vs COPY, PostgreSQL");
		System.out.println("  server:    " + jdbc.queryForObject("SELECT version()", String.class));
		System.out.println("  settings:  shared_buffers=" + setting(jdbc, "shared_buffers") + ", synchronous_commit="
				+ setting(jdbc, "synchronous_commit") + ", max_wal_size=" + setting(jdbc, "max_wal_size"));
		System.out.println("  jvm:       " + System.getProperty("java.vm.name") + " " + System.getProperty("java.version")
				+ ", " + Runtime.getRuntime().availableProcessors() + " processors, max heap "
				+ Runtime.getRuntime().maxMemory() / (1 << 20) + " MiB");
		System.out.println("  table:     " + tables.usageEvent());
		System.out.printf("  run:       %,d events, %d rounds, %d producer threads, batch sizes %s%n", eventCount,
				rounds, producers, batchSizes);
	}

	private static String setting(JdbcTemplate jdbc, String name) {
		return jdbc.queryForObject("SHOW " + name, String.class);
	}

}
