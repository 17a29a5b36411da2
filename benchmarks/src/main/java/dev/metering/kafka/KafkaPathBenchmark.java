package dev.metering.kafka;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.zaxxer.hikari.HikariDataSource;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

import dev.metering.event.UsageEvent;
import dev.metering.ledger.BufferedLedgerWriter;
import dev.metering.ledger.JdbcUsageEventStore;
import dev.metering.ledger.OverflowPolicy;
import dev.metering.ledger.UsageEventStore;
import dev.metering.ledger.WriterSettings;
import dev.metering.test.TestDatabase;
import dev.metering.test.TestSchema;

import org.springframework.kafka.core.DefaultKafkaConsumerFactory;
import org.springframework.kafka.core.DefaultKafkaProducerFactory;

/**
 * The Kafka path side by side in one run, on one broker and one PostgreSQL:
 * <ol>
 * <li>producer: Kafka's own {@code kafka-producer-perf-test} ({@code ProducerPerformance}, a child
 * JVM) against the kit's sink producing the same number of records of the same size (the mean
 * size of the kit's CloudEvents JSON), both {@code acks=all}, idempotent; records/s and the ratio;</li>
 * <li>end to end: events/s into the ledger through the writer with {@code sink: kafka} and one
 * ledger consumer, against the direct writer ({@code sink: jdbc}); the ratio.</li>
 * </ol>
 * Arguments ({@code name=value}): {@code events} (default 1,000,000), {@code rounds} (3),
 * {@code bootstrap} (a broker; default: one started from the Kafka jars in a child JVM),
 * {@code partitions} (6), {@code kitDefaults} ({@code false}: Kafka's client defaults instead of
 * {@link KafkaClientDefaults}'), {@code steps} ({@code producer,ledger}: which comparisons run), {@code batch} (the writer's batch size, 20,000), {@code consumers} (ledger consumers
 * in the group, 1), {@code inFlight} (the sink's {@code max-in-flight}, 4), {@code perfTestBatch} (a
 * {@code batch.size} in bytes for {@code kafka-producer-perf-test}, e.g. the kit's 262144; default: Kafka's),
 * {@code compression} (the producers' {@code compression.type}, e.g. {@code lz4}; default: Kafka's, none). Rounds alternate the order of each pair (baseline first in odd rounds); every new
 * topic is used only once its partitions have leaders, and the clock of a run through Kafka starts
 * once the consumers' group is stable with every partition assigned. PostgreSQL from
 * {@code METERING_TEST_POSTGRES_URL}, or an embedded one.
 */
public final class KafkaPathBenchmark {

	private final Map<String, String> options;

	private KafkaPathBenchmark(Map<String, String> options) {
		this.options = options;
	}

	public static void main(String[] args) throws Exception {
		Map<String, String> options = new LinkedHashMap<>();
		for (String arg : args) {
			int eq = arg.indexOf('=');
			if (eq < 1) {
				throw new IllegalArgumentException("Arguments are name=value, was '" + arg + "'");
			}
			options.put(arg.substring(0, eq), arg.substring(eq + 1));
		}
		new KafkaPathBenchmark(options).run();
		System.exit(0);
	}

	private int intOption(String name, int fallback) {
		return Integer.parseInt(this.options.getOrDefault(name, Integer.toString(fallback)).replace("_", ""));
	}

	private void run() throws Exception {
		int events = intOption("events", 1_000_000);
		int rounds = intOption("rounds", 3);
		int partitions = intOption("partitions", 6);
		int batch = intOption("batch", 20_000);
		int consumers = intOption("consumers", 1);
		int inFlight = intOption("inFlight", 4);
		String steps = this.options.getOrDefault("steps", "producer,ledger");
		String perfTestBatch = this.options.get("perfTestBatch");
		perfTestProperties = (perfTestBatch != null) ? List.of("batch.size=" + perfTestBatch) : List.of();
		kafkaDefaultsOnly = !Boolean.parseBoolean(this.options.getOrDefault("kitDefaults", "true"));
		compression = this.options.get("compression");
		KafkaBroker started = this.options.containsKey("bootstrap") ? null : KafkaBroker.start();
		String bootstrap = (started != null) ? started.bootstrapServers() : this.options.get("bootstrap");
		try {
			List<UsageEvent> generated = KafkaInstances.events("bench-", events, 500);
			CloudEventJson json = new CloudEventJson("metering");
			long bytes = 0;
			for (UsageEvent event : generated) {
				bytes += json.encode(event).length;
			}
			int recordSize = (int) (bytes / events);
			System.out.printf(Locale.ROOT, "Kafka path benchmark: %,d events, %d rounds, %d partitions, writer batch %,d, "
					+ "record size %d bytes (mean of the kit's CloudEvents JSON), broker %s%n%n", events, rounds, partitions,
					batch, recordSize, bootstrap);
			System.out.printf(Locale.ROOT, "CPU: the whole machine's busy CPU time (/proc/stat) per event while a set-up "
					+ "ran (this JVM, the broker, PostgreSQL)%n%n");
			List<double[]> producerRounds = new ArrayList<>();
			List<double[]> ledgerRounds = new ArrayList<>();
			for (int round = 1; round <= rounds; round++) {
				// Alternating: odd rounds run the baseline first, even rounds the kit first.
				boolean baselineFirst = (round % 2) == 1;
				if (steps.contains("producer")) {
					producerRounds.add(producerRound(round, baselineFirst, bootstrap, partitions, generated, batch, recordSize));
				}
				if (!steps.contains("ledger")) {
					continue;
				}
				Measured direct;
				Measured viaKafka;
				if (baselineFirst) {
					direct = endToEnd(null, partitions, generated, batch, consumers, inFlight);
					viaKafka = endToEnd(bootstrap, partitions, generated, batch, consumers, inFlight);
				}
				else {
					viaKafka = endToEnd(bootstrap, partitions, generated, batch, consumers, inFlight);
					direct = endToEnd(null, partitions, generated, batch, consumers, inFlight);
				}
				System.out.printf(Locale.ROOT, "round %d into the ledger: direct writer %,.0f events/s (%.1f µs CPU/event: %s), "
						+ "through Kafka and %d consumer(s) %,.0f events/s (%.1f µs CPU/event: %s), ratio %.2f (aim >= 0.9)%n",
						round, direct.rate(), direct.cpuMicrosPerEvent(), direct.split(), consumers, viaKafka.rate(),
						viaKafka.cpuMicrosPerEvent(), viaKafka.split(), viaKafka.rate() / direct.rate());
				ledgerRounds.add(new double[] { direct.rate(), viaKafka.rate() });
			}
			if (!producerRounds.isEmpty()) {
				summary("producer ratio (kit / kafka-producer-perf-test)", producerRounds);
			}
			if (!ledgerRounds.isEmpty()) {
				summary("into the ledger ratio (through Kafka / direct writer)", ledgerRounds);
			}
		}
		finally {
			if (started != null) {
				started.close();
			}
		}
	}

	/** Kafka's tool and the kit's sink, in the round's order; their rates. */
	private static double[] producerRound(int round, boolean baselineFirst, String bootstrap, int partitions,
			List<UsageEvent> generated, int batch, int recordSize) throws Exception {
		Measured perfTest;
		Measured kit;
		if (baselineFirst) {
			perfTest = producerPerfTest(bootstrap, partitions, generated.size(), recordSize);
			kit = kitProducer(bootstrap, partitions, generated, batch);
		}
		else {
			kit = kitProducer(bootstrap, partitions, generated, batch);
			perfTest = producerPerfTest(bootstrap, partitions, generated.size(), recordSize);
		}
		System.out.printf(Locale.ROOT, "round %d producer: kafka-producer-perf-test %,.0f records/s (%.1f µs CPU/record), "
				+ "kit's sink %,.0f records/s (%.1f µs CPU/record), ratio %.2f (aim >= 0.8)%n", round, perfTest.rate(),
				perfTest.cpuMicrosPerEvent(), kit.rate(), kit.cpuMicrosPerEvent(), kit.rate() / perfTest.rate());
		return new double[] { perfTest.rate(), kit.rate() };
	}

	/** More {@code --producer-props} of Kafka's perf test: {@code perfTestBatch}. */
	private static List<String> perfTestProperties = List.of();

	/** Bare client settings (Kafka's defaults) instead of the kit's, to compare: {@code kitDefaults=false}. */
	private static boolean kafkaDefaultsOnly;

	/** The producers' {@code compression.type} ({@code compression}), as {@code spring.kafka.producer.compression-type} sets it. */
	private static String compression;

	private static Map<String, Object> producerProperties(String bootstrap) {
		Map<String, Object> given = new java.util.HashMap<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap));
		if (compression != null) {
			given.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, compression);
		}
		Map<String, Object> properties = KafkaClientDefaults.producer(given);
		if (kafkaDefaultsOnly) {
			properties.remove(ProducerConfig.BATCH_SIZE_CONFIG);
		}
		return properties;
	}

	private static Map<String, Object> consumerProperties(String bootstrap, int batch) {
		Map<String, Object> properties = KafkaClientDefaults
			.consumer(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap), batch);
		if (kafkaDefaultsOnly) {
			properties.keySet().removeAll(List.of(ConsumerConfig.FETCH_MIN_BYTES_CONFIG, ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG,
					ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG));
		}
		return properties;
	}

	/** Kafka's own producer benchmark in a child JVM, as kafka-producer-perf-test runs it. */
	private static Measured producerPerfTest(String bootstrap, int partitions, int records, int recordSize)
			throws Exception {
		String topic = "perf-" + UUID.randomUUID();
		createTopic(bootstrap, topic, partitions);
		long cpuBefore = Measuring.machineBusyTicks();
		List<String> command = new ArrayList<>(List.of(KafkaBroker.javaCommand(), "-Xmx1g", "-cp",
				KafkaBroker.testClassPath(), "org.apache.kafka.tools.ProducerPerformance", "--topic", topic, "--num-records",
				Integer.toString(records), "--record-size", Integer.toString(recordSize), "--throughput", "-1",
				"--producer-props", "bootstrap.servers=" + bootstrap, "acks=all", "enable.idempotence=true"));
		command.addAll(perfTestProperties);
		if (compression != null) {
			command.add("compression.type=" + compression);
		}
		Process process = new ProcessBuilder(command)
			.redirectErrorStream(true)
			.start();
		Pattern summary = Pattern.compile("^(\\d+) records sent, ([0-9.]+) records/sec");
		double rate = Double.NaN;
		try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
			String line;
			while ((line = out.readLine()) != null) {
				Matcher matcher = summary.matcher(line.trim());
				if (matcher.find() && Long.parseLong(matcher.group(1)) == records) {
					rate = Double.parseDouble(matcher.group(2));
				}
			}
		}
		process.waitFor();
		long cpuTicks = Measuring.machineBusyTicks() - cpuBefore;
		if (Double.isNaN(rate)) {
			throw new IllegalStateException("kafka-producer-perf-test printed no summary (exit " + process.exitValue() + ")");
		}
		// Its CPU includes the child JVM's start, a few hundred ms: an upper bound of its cost.
		return new Measured(rate, cpuTicks * Measuring.MICROS_PER_TICK / records);
	}

	/** The kit's sink producing the events in the writer's batches, each acknowledged before the next. */
	private static Measured kitProducer(String bootstrap, int partitions, List<UsageEvent> events, int batch)
			throws Exception {
		String topic = "kit-" + UUID.randomUUID();
		createTopic(bootstrap, topic, partitions);
		KafkaLedgerSink sink = new KafkaLedgerSink(new DefaultKafkaProducerFactory<>(producerProperties(bootstrap)),
				Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap), settings(topic, partitions));
		try {
			Measuring measuring = Measuring.start();
			for (int from = 0; from < events.size(); from += batch) {
				sink.produce(events.subList(from, Math.min(events.size(), from + batch)));
			}
			return measuring.stop(events.size());
		}
		finally {
			sink.destroy();
		}
	}

	private static KafkaSinkSettings settings(String topic, int partitions) {
		return new KafkaSinkSettings(topic, partitions, (short) -1, "metering-ledger", "metering", Duration.ofMinutes(2),
				Duration.ofMinutes(10), Duration.ofMillis(20), 1);
	}

	/**
	 * Events/s from the first offer until the writer has flushed: with {@code bootstrap} null the
	 * direct writer, else the writer on the sink with one ledger consumer of a fresh group.
	 */
	private static Measured endToEnd(String bootstrap, int partitions, List<UsageEvent> events, int batch,
			int consumers, int inFlight) throws Exception {
		try (TestSchema schema = TestDatabase.POSTGRESQL.newSchema();
				HikariDataSource dataSource = TestDatabase.POSTGRESQL.newDataSource(4)) {
			UsageEventStore jdbc = new JdbcUsageEventStore(dataSource, schema.tables());
			WriterSettings settings = new WriterSettings(Math.max(100_000, batch * 2), batch, Duration.ofMillis(100),
					OverflowPolicy.BLOCK, Duration.ofMinutes(5), Duration.ofMinutes(5), Duration.ofMillis(100),
					Duration.ofSeconds(5));
			KafkaLedgerSink sink = null;
			LedgerConsumer consumer = null;
			BufferedLedgerWriter writer;
			if (bootstrap == null) {
				writer = new BufferedLedgerWriter(jdbc, settings, Clock.systemUTC());
			}
			else {
				String topic = "e2e-" + UUID.randomUUID();
				String group = "bench-" + UUID.randomUUID();
				createTopic(bootstrap, topic, partitions);
				KafkaSinkSettings sinkSettings = new KafkaSinkSettings(topic, partitions, (short) -1, group, "metering",
						Duration.ofMinutes(2), Duration.ofMinutes(10), Duration.ofMillis(20), inFlight);
				Map<String, Object> admin = Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
				sink = new KafkaLedgerSink(new DefaultKafkaProducerFactory<>(producerProperties(bootstrap)), admin,
						sinkSettings);
				consumer = new LedgerConsumer(new DefaultKafkaConsumerFactory<>(consumerProperties(bootstrap, batch)), admin, jdbc,
						new LedgerConsumerSettings(topic, group, consumers, batch, Duration.ofSeconds(1), null), Clock.systemUTC());
				consumer.start();
				awaitAssigned(bootstrap, group, consumers, partitions);
				writer = new BufferedLedgerWriter(sink.store(), settings, Clock.systemUTC());
			}
			writer.start();
			try {
				Measuring measuring = Measuring.start();
				List<Thread> producers = new ArrayList<>();
				for (int p = 0; p < 2; p++) {
					int first = p;
					Thread producer = new Thread(() -> {
						for (int i = first; i < events.size(); i += 2) {
							writer.offer(events.get(i));
						}
					});
					producers.add(producer);
					producer.start();
				}
				for (Thread producer : producers) {
					producer.join();
				}
				if (!writer.flush(Duration.ofMinutes(30))) {
					throw new IllegalStateException("the writer did not flush");
				}
				Measured measured = measuring.stop(events.size());
				if (schema.eventCount() != events.size()) {
					throw new IllegalStateException("ledger has " + schema.eventCount() + " rows, expected " + events.size());
				}
				return measured;
			}
			finally {
				writer.stop();
				if (consumer != null) {
					consumer.stop();
					consumer.destroy();
				}
				if (sink != null) {
					sink.destroy();
				}
			}
		}
	}

	/**
	 * Waits until the consumers' group is stable, every consumer in it and every partition
	 * assigned: the time the consumers take to join (half a second or more here) would count
	 * against the path's rate in every round, while a deployment's consumers join once.
	 */
	private static void awaitAssigned(String bootstrap, String group, int consumers, int partitions) throws Exception {
		try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
			long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
			while (true) {
				ConsumerGroupDescription description = admin.describeConsumerGroups(List.of(group)).all().get().get(group);
				int assigned = description.members().stream().mapToInt((m) -> m.assignment().topicPartitions().size()).sum();
				if (description.groupState() == GroupState.STABLE && description.members().size() == consumers
						&& assigned == partitions) {
					return;
				}
				if (System.nanoTime() > deadline) {
					throw new IllegalStateException("group " + group + " not stable with " + consumers + " consumers and "
							+ partitions + " partitions assigned after a minute: " + description);
				}
				Thread.sleep(20);
			}
		}
	}

	/**
	 * Creates a topic and waits until every partition has a leader: a producer or consumer that
	 * comes before gets "invalid metadata" answers and may time out.
	 */
	private static void createTopic(String bootstrap, String topic, int partitions) {
		try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
			admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1))).all().get();
			long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
			while (true) {
				try {
					TopicDescription description = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic);
					if (description.partitions().size() == partitions
							&& description.partitions().stream().allMatch((p) -> p.leader() != null && !p.leader().isEmpty())) {
						return;
					}
				}
				catch (ExecutionException ex) {
					if (!(ex.getCause() instanceof UnknownTopicOrPartitionException)) {
						throw ex;
					}
				}
				if (System.nanoTime() > deadline) {
					throw new IllegalStateException("topic " + topic + " has partitions without a leader after a minute");
				}
				Thread.sleep(50);
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
		catch (ExecutionException ex) {
			throw new IllegalStateException(ex);
		}
	}

	private static void summary(String what, List<double[]> rounds) {
		List<Double> ratios = new ArrayList<>();
		for (double[] round : rounds) {
			ratios.add(round[1] / round[0]);
		}
		List<Double> sorted = new ArrayList<>(ratios);
		sorted.sort(null);
		System.out.printf(Locale.ROOT, "%s: rounds %s, median %.2f, min %.2f, max %.2f%n", what,
				ratios.stream().map((r) -> String.format(Locale.ROOT, "%.2f", r)).toList(), sorted.get(sorted.size() / 2),
				sorted.get(0), sorted.get(sorted.size() - 1));
	}

	/**
	 * A rate and the machine's CPU time per event while it ran; of that, this JVM's and its child
	 * processes' (the broker); the rest is PostgreSQL's and the system's.
	 */
	private record Measured(double rate, double cpuMicrosPerEvent, double jvmMicrosPerEvent, double childMicrosPerEvent,
			double jitMicrosPerEvent, double gcMicrosPerEvent) {

		Measured(double rate, double cpuMicrosPerEvent) {
			this(rate, cpuMicrosPerEvent, Double.NaN, Double.NaN, Double.NaN, Double.NaN);
		}

		String split() {
			return String.format(Locale.ROOT, "this JVM %.1f (JIT compilers %.1f, GC %.1f), broker %.1f, rest %.1f",
					this.jvmMicrosPerEvent, this.jitMicrosPerEvent, this.gcMicrosPerEvent, this.childMicrosPerEvent,
					this.cpuMicrosPerEvent - this.jvmMicrosPerEvent - this.childMicrosPerEvent);
		}

	}

	/**
	 * Wall time, the machine's busy CPU ticks and this JVM's and its children's CPU from a start; of
	 * this JVM's, its JIT compiler threads' and its garbage collector threads' (from
	 * /proc/self/task, a thread that ended meanwhile not counted).
	 */
	private record Measuring(long startNanos, long startTicks, long startJvmNanos, long startChildNanos,
			Map<String, long[]> startThreads) {

		/** /proc/stat counts in USER_HZ ticks, 100 a second on Linux. */
		static final double MICROS_PER_TICK = 10_000;

		static Measuring start() {
			return new Measuring(System.nanoTime(), machineBusyTicks(), cpuNanos(ProcessHandle.current()),
					childrenCpuNanos(), vmThreadTicks());
		}

		Measured stop(int events) {
			double seconds = (System.nanoTime() - this.startNanos) / 1e9;
			long ticks = machineBusyTicks() - this.startTicks;
			long jvm = cpuNanos(ProcessHandle.current()) - this.startJvmNanos;
			long children = childrenCpuNanos() - this.startChildNanos;
			long jit = 0;
			long gc = 0;
			for (Map.Entry<String, long[]> thread : vmThreadTicks().entrySet()) {
				long[] before = this.startThreads.getOrDefault(thread.getKey(), new long[2]);
				jit += thread.getValue()[0] - before[0];
				gc += thread.getValue()[1] - before[1];
			}
			return new Measured(events / seconds, ticks * MICROS_PER_TICK / events, jvm / 1e3 / events,
					children / 1e3 / events, jit * MICROS_PER_TICK / events, gc * MICROS_PER_TICK / events);
		}

		/** CPU ticks of this JVM's JIT compiler threads ([0]) and GC threads ([1]), by thread id. */
		private static Map<String, long[]> vmThreadTicks() {
			Map<String, long[]> ticks = new java.util.HashMap<>();
			try (java.util.stream.Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
				for (Path task : (Iterable<Path>) tasks::iterator) {
					try {
						String name = Files.readString(task.resolve("comm")).trim();
						boolean jit = name.contains("CompilerThre");
						boolean gc = name.startsWith("GC Thread") || name.startsWith("G1 ");
						if (!jit && !gc) {
							continue;
						}
						String stat = Files.readString(task.resolve("stat"));
						String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
						// utime and stime: fields 14 and 15 of stat, 12 and 13 after the name.
						long cpu = Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
						ticks.put(task.getFileName().toString(), jit ? new long[] { cpu, 0 } : new long[] { 0, cpu });
					}
					catch (IOException | RuntimeException ex) {
						// the thread ended
					}
				}
			}
			catch (IOException ex) {
				// no /proc: the split stays 0
			}
			return ticks;
		}

		private static long cpuNanos(ProcessHandle process) {
			return process.info().totalCpuDuration().map(Duration::toNanos).orElse(0L);
		}

		private static long childrenCpuNanos() {
			return ProcessHandle.current().children().mapToLong(Measuring::cpuNanos).sum();
		}

		/** Every CPU's time not idle, not waiting for I/O and not stolen by the host, from /proc/stat. */
		static long machineBusyTicks() {
			try {
				String[] fields = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
				long busy = 0;
				for (int i = 1; i < Math.min(fields.length, 8); i++) {
					if (i != 4 && i != 5) {
						busy += Long.parseLong(fields[i]);
					}
				}
				return busy;
			}
			catch (IOException | RuntimeException ex) {
				return 0;
			}
		}

	}

}
