package dev.metering.kafka;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.zaxxer.hikari.HikariDataSource;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

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
 * {@code partitions} (6), {@code batch} (the writer's batch size, 20,000). PostgreSQL from
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
		KafkaBroker started = this.options.containsKey("bootstrap") ? null : KafkaBroker.start();
		String bootstrap = (started != null) ? started.bootstrapServers() : this.options.get("bootstrap");
		try {
			List<UsageEvent> generated = KafkaInstances.events("bench-", events, 500);
			CloudEventJson json = new CloudEventJson("metering");
			long bytes = 0;
			for (UsageEvent event : generated) {
				bytes += json.encode(event).getBytes(StandardCharsets.UTF_8).length;
			}
			int recordSize = (int) (bytes / events);
			System.out.printf(Locale.ROOT, "Kafka path benchmark: %,d events, %d rounds, %d partitions, writer batch %,d, "
					+ "record size %d bytes (mean of the kit's CloudEvents JSON), broker %s%n%n", events, rounds, partitions,
					batch, recordSize, bootstrap);
			for (int round = 1; round <= rounds; round++) {
				double perfTest = producerPerfTest(bootstrap, partitions, events, recordSize);
				double kit = kitProducer(bootstrap, partitions, generated, batch);
				System.out.printf(Locale.ROOT, "round %d producer: kafka-producer-perf-test %,.0f records/s, kit's sink "
						+ "%,.0f records/s, ratio %.2f (aim >= 0.8)%n", round, perfTest, kit, kit / perfTest);
				double direct = endToEnd(null, partitions, generated, batch);
				double viaKafka = endToEnd(bootstrap, partitions, generated, batch);
				System.out.printf(Locale.ROOT, "round %d into the ledger: direct writer %,.0f events/s, through Kafka and "
						+ "one consumer %,.0f events/s, ratio %.2f (aim >= 0.9)%n", round, direct, viaKafka,
						viaKafka / direct);
			}
		}
		finally {
			if (started != null) {
				started.close();
			}
		}
	}

	private static Map<String, Object> producerProperties(String bootstrap) {
		Map<String, Object> properties = new HashMap<>();
		properties.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
		properties.put(ProducerConfig.ACKS_CONFIG, "all");
		properties.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
		properties.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
		properties.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
		return properties;
	}

	/** Kafka's own producer benchmark in a child JVM, as kafka-producer-perf-test runs it. */
	private static double producerPerfTest(String bootstrap, int partitions, int records, int recordSize)
			throws Exception {
		String topic = "perf-" + UUID.randomUUID();
		createTopic(bootstrap, topic, partitions);
		Process process = new ProcessBuilder(KafkaBroker.javaCommand(), "-Xmx1g", "-cp", KafkaBroker.testClassPath(),
				"org.apache.kafka.tools.ProducerPerformance", "--topic", topic, "--num-records", Integer.toString(records),
				"--record-size", Integer.toString(recordSize), "--throughput", "-1", "--producer-props",
				"bootstrap.servers=" + bootstrap, "acks=all", "enable.idempotence=true")
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
		if (Double.isNaN(rate)) {
			throw new IllegalStateException("kafka-producer-perf-test printed no summary (exit " + process.exitValue() + ")");
		}
		return rate;
	}

	/** The kit's sink producing the events in the writer's batches, each acknowledged before the next. */
	private static double kitProducer(String bootstrap, int partitions, List<UsageEvent> events, int batch)
			throws Exception {
		String topic = "kit-" + UUID.randomUUID();
		KafkaLedgerSink sink = new KafkaLedgerSink(new DefaultKafkaProducerFactory<>(producerProperties(bootstrap)),
				Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap), settings(topic, partitions));
		try {
			long start = System.nanoTime();
			for (int from = 0; from < events.size(); from += batch) {
				sink.produce(events.subList(from, Math.min(events.size(), from + batch)));
			}
			return events.size() / ((System.nanoTime() - start) / 1e9);
		}
		finally {
			sink.destroy();
		}
	}

	private static KafkaSinkSettings settings(String topic, int partitions) {
		return new KafkaSinkSettings(topic, partitions, (short) -1, "metering-ledger", "metering", Duration.ofMinutes(2),
				Duration.ofMinutes(10), Duration.ofMillis(20));
	}

	/**
	 * Events/s from the first offer until the writer has flushed: with {@code bootstrap} null the
	 * direct writer, else the writer on the sink with one ledger consumer of a fresh group.
	 */
	private static double endToEnd(String bootstrap, int partitions, List<UsageEvent> events, int batch)
			throws Exception {
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
						Duration.ofMinutes(2), Duration.ofMinutes(10), Duration.ofMillis(20));
				Map<String, Object> admin = Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
				sink = new KafkaLedgerSink(new DefaultKafkaProducerFactory<>(producerProperties(bootstrap)), admin,
						sinkSettings);
				Map<String, Object> consumerProperties = new HashMap<>();
				consumerProperties.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
				consumerProperties.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
				consumerProperties.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
				consumerProperties.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, batch);
				consumerProperties.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
				consumerProperties.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
				consumer = new LedgerConsumer(new DefaultKafkaConsumerFactory<>(consumerProperties), admin, jdbc,
						new LedgerConsumerSettings(topic, group, 1, batch, Duration.ofSeconds(1), null), Clock.systemUTC());
				consumer.start();
				writer = new BufferedLedgerWriter(sink.store(), settings, Clock.systemUTC());
			}
			writer.start();
			try {
				long start = System.nanoTime();
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
				double rate = events.size() / ((System.nanoTime() - start) / 1e9);
				if (schema.eventCount() != events.size()) {
					throw new IllegalStateException("ledger has " + schema.eventCount() + " rows, expected " + events.size());
				}
				return rate;
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

	private static void createTopic(String bootstrap, String topic, int partitions) {
		try (var admin = org.apache.kafka.clients.admin.Admin
			.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
			admin.createTopics(List.of(new org.apache.kafka.clients.admin.NewTopic(topic, partitions, (short) 1)))
				.all()
				.get();
		}
		catch (Exception ex) {
			throw new IllegalStateException(ex);
		}
	}

}
