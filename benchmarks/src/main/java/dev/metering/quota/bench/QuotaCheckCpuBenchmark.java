package dev.metering.quota.bench;

import java.lang.management.ManagementFactory;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

import org.openjdk.jmh.infra.Blackhole;

/**
 * CPU time and allocation per warm quota check, measured on the calling thread
 * ({@code ThreadMXBean} thread CPU time and allocated bytes), so a loaded machine distorts it far
 * less than wall-clock time: the JMH benchmarks' operations ({@link LeasedQuotaCheckBenchmark},
 * {@link LineageCheckBenchmark}, {@link QuotaCheckBenchmark}), each warmed up, then measured in
 * batches. Not a test: run its {@code main} on the test classpath (see docs/BENCHMARKS.md); run it
 * on two builds alternately to compare them.
 * <p>
 * Arguments: warm-up seconds per case [3], measured batches per case [5], operations per batch
 * [200000], and optionally the text a case's name must contain (e.g. {@code lineage}) [every case].
 */
public final class QuotaCheckCpuBenchmark {

	private QuotaCheckCpuBenchmark() {
	}

	public static void main(String[] args) throws Exception {
		int warmupSeconds = (args.length > 0) ? Integer.parseInt(args[0]) : 3;
		int batches = (args.length > 1) ? Integer.parseInt(args[1]) : 5;
		int ops = (args.length > 2) ? Integer.parseInt(args[2]) : 200_000;
		String only = (args.length > 3) ? args[3] : "";
		Blackhole blackhole = new Blackhole(
				"Today's password is swordfish. I understand instantiating Blackholes directly is dangerous.");
		LeasedQuotaCheckBenchmark leased = new LeasedQuotaCheckBenchmark();
		leased.setUp();
		LeasedQuotaCheckBenchmark berlin = new LeasedQuotaCheckBenchmark();
		berlin.zone = "Europe/Berlin";
		berlin.setUp();
		LineageCheckBenchmark lineage = new LineageCheckBenchmark();
		lineage.setUp();
		QuotaCheckBenchmark readings = new QuotaCheckBenchmark();
		readings.setUp();
		Map<String, Supplier<Object>> cases = new LinkedHashMap<>();
		cases.put("hard (leased), flat", leased::leasedHardCheck);
		cases.put("hard (leased), flat, + RateLimit fields", () -> {
			leased.leasedHardCheckWithFields(blackhole);
			return null;
		});
		cases.put("hard (leased), flat, Europe/Berlin anchor 15", berlin::leasedHardCheck);
		cases.put("hard on readings, flat", leased::readingsHardCheck);
		cases.put("hard on readings, flat, Europe/Berlin", berlin::readingsHardCheck);
		cases.put("meter without quota", leased::unlimitedMeter);
		cases.put("lineage: flat (hard + soft)", lineage::flat);
		cases.put("lineage: 3 levels, quotas at one", lineage::threeLevelsQuotasAtOneLevel);
		cases.put("lineage: 3 levels, quotas at every", lineage::threeLevelsQuotasAtEveryLevel);
		cases.put("readings engine: hard + soft", readings::warmCheck);
		com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
		long self = Thread.currentThread().getId();
		try {
			for (Map.Entry<String, Supplier<Object>> entry : cases.entrySet()) {
				if (!entry.getKey().contains(only)) {
					continue;
				}
				Supplier<Object> op = entry.getValue();
				long until = System.nanoTime() + warmupSeconds * 1_000_000_000L;
				while (System.nanoTime() < until) {
					for (int i = 0; i < 10_000; i++) {
						blackhole.consume(op.get());
					}
				}
				double[] cpu = new double[batches];
				double[] bytes = new double[batches];
				for (int b = 0; b < batches; b++) {
					long cpu0 = threads.getCurrentThreadCpuTime();
					long alloc0 = threads.getThreadAllocatedBytes(self);
					for (int i = 0; i < ops; i++) {
						blackhole.consume(op.get());
					}
					cpu[b] = (threads.getCurrentThreadCpuTime() - cpu0) / (double) ops;
					bytes[b] = (threads.getThreadAllocatedBytes(self) - alloc0) / (double) ops;
				}
				java.util.Arrays.sort(cpu);
				java.util.Arrays.sort(bytes);
				System.out.printf("%-42s cpu ns/op median %8.1f min %8.1f | B/op median %7.1f%n", entry.getKey(),
						cpu[batches / 2], cpu[0], bytes[batches / 2]);
			}
		}
		finally {
			leased.tearDown();
			berlin.tearDown();
			lineage.tearDown();
		}
	}

}
