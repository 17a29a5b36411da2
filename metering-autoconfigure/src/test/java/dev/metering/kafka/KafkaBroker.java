package dev.metering.kafka;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/**
 * A real single-node KRaft Kafka broker in a child JVM, from the Kafka jars on the test class
 * path: it can be stopped and started again on the same port and data, or killed.
 */
final class KafkaBroker implements AutoCloseable {

	private final Path directory;

	private final int port;

	private final Path config;

	private Process process;

	private KafkaBroker(Path directory, int port, int controllerPort) throws IOException {
		this.directory = directory;
		this.port = port;
		this.config = directory.resolve("server.properties");
		Files.writeString(this.config, String.join("\n", "process.roles=broker,controller", "node.id=1",
				"controller.quorum.voters=1@127.0.0.1:" + controllerPort,
				"listeners=PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort,
				"advertised.listeners=PLAINTEXT://127.0.0.1:" + port, "controller.listener.names=CONTROLLER",
				"listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
				"inter.broker.listener.name=PLAINTEXT", "log.dirs=" + directory.resolve("data"),
				"offsets.topic.replication.factor=1", "offsets.topic.num.partitions=3",
				"transaction.state.log.replication.factor=1", "transaction.state.log.min.isr=1",
				"group.initial.rebalance.delay.ms=0", "num.partitions=6", "auto.create.topics.enable=false", ""));
		Files.writeString(directory.resolve("logback.xml"), """
				<configuration>
				  <appender name="out" class="ch.qos.logback.core.ConsoleAppender">
				    <encoder><pattern>%d %-5level %logger{30} - %msg%n</pattern></encoder>
				  </appender>
				  <root level="WARN"><appender-ref ref="out"/></root>
				</configuration>
				""");
	}

	/** Formats a new broker's storage and starts it. */
	static KafkaBroker start() {
		try {
			KafkaBroker broker = new KafkaBroker(Files.createTempDirectory("metering-kafka"), freePort(), freePort());
			broker.run("kafka.tools.StorageTool", "format", "-t", randomClusterId(), "-c", broker.config.toString())
				.waitFor(60, TimeUnit.SECONDS);
			broker.startAgain();
			return broker;
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

	/** Kafka's own cluster id: never starting with '-', which the storage tool would take for an option. */
	private static String randomClusterId() {
		return org.apache.kafka.common.Uuid.randomUuid().toString();
	}

	String bootstrapServers() {
		return "127.0.0.1:" + this.port;
	}

	/** Starts the broker (again, on its data) and waits until it takes connections. */
	void startAgain() {
		this.process = run("kafka.Kafka", this.config.toString());
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
		while (System.nanoTime() < deadline) {
			if (!this.process.isAlive()) {
				throw new IllegalStateException("Kafka broker exited: see " + this.directory.resolve("broker.log"));
			}
			try (Admin admin = admin()) {
				admin.describeCluster().nodes().get(5, TimeUnit.SECONDS);
				return;
			}
			catch (Exception ex) {
				sleep(200);
			}
		}
		throw new IllegalStateException("Kafka broker did not start in 90 s: see " + this.directory.resolve("broker.log"));
	}

	/** Stops the broker as an orderly shutdown does. */
	void stop() {
		this.process.destroy();
		try {
			if (!this.process.waitFor(60, TimeUnit.SECONDS)) {
				this.process.destroyForcibly().waitFor();
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	void createTopic(String topic, int partitions) {
		try (Admin admin = admin()) {
			admin.createTopics(List.of(new NewTopic(topic, Optional.of(partitions), Optional.empty())))
				.all()
				.get(60, TimeUnit.SECONDS);
			// On a busy machine a partition can lack its leader for a while after the topic exists.
			long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
			while (lacksLeaders(admin, topic)) {
				if (System.nanoTime() > deadline) {
					throw new IllegalStateException("partitions of " + topic + " have no leader after 120 s");
				}
				sleep(200);
			}
		}
		catch (Exception ex) {
			throw new IllegalStateException(ex);
		}
	}

	/** Whether a partition has no leader yet, or the topic is not in the broker's metadata yet. */
	private static boolean lacksLeaders(Admin admin, String topic) throws Exception {
		try {
			return admin.describeTopics(List.of(topic)).allTopicNames().get(30, TimeUnit.SECONDS).get(topic)
				.partitions().stream().anyMatch((p) -> p.leader() == null || p.leader().isEmpty());
		}
		catch (ExecutionException ex) {
			if (ex.getCause() instanceof UnknownTopicOrPartitionException) {
				return true;
			}
			throw ex;
		}
	}

	Admin admin() {
		return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers(),
				AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000, AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 20_000));
	}

	private Process run(String mainClass, String... args) {
		List<String> command = new ArrayList<>(List.of(javaCommand(), "-Xmx512m", "-XX:+UseSerialGC",
				"-Dlogback.configurationFile=" + this.directory.resolve("logback.xml"), "-cp", testClassPath(), mainClass));
		command.addAll(List.of(args));
		try {
			return new ProcessBuilder(command).redirectErrorStream(true)
				.redirectOutput(ProcessBuilder.Redirect.appendTo(this.directory.resolve("broker.log").toFile()))
				.start();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	static String javaCommand() {
		return Path.of(System.getProperty("java.home"), "bin", "java").toString();
	}

	/** Surefire's class path of the tests (its own java.class.path may be a manifest-only jar). */
	static String testClassPath() {
		String surefire = System.getProperty("surefire.test.class.path");
		return (surefire != null && !surefire.isBlank()) ? surefire : System.getProperty("java.class.path");
	}

	static int freePort() {
		try (ServerSocket socket = new ServerSocket()) {
			socket.setReuseAddress(true);
			socket.bind(new InetSocketAddress("127.0.0.1", 0));
			return socket.getLocalPort();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	static boolean reachable(int port) {
		try (Socket socket = new Socket()) {
			socket.connect(new InetSocketAddress("127.0.0.1", port), 500);
			return true;
		}
		catch (IOException ex) {
			return false;
		}
	}

	static void sleep(long millis) {
		try {
			Thread.sleep(millis);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

	@Override
	public void close() {
		if (this.process != null) {
			this.process.destroyForcibly();
			try {
				this.process.waitFor(30, TimeUnit.SECONDS);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		}
		try (Stream<Path> files = Files.walk(this.directory)) {
			files.sorted(Comparator.reverseOrder()).forEach((file) -> file.toFile().delete());
		}
		catch (IOException ex) {
			// A temporary directory left behind.
		}
	}


}
