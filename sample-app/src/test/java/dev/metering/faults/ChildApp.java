package dev.metering.faults;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import dev.metering.sample.SampleApplication;

/**
 * The sample application in a JVM of its own, so a test can {@code kill -9} it: started with
 * the test's class path (the same classes as the packaged jar), its output in a log file.
 */
final class ChildApp implements AutoCloseable {

	private static final Duration START_TIMEOUT = Duration.ofMinutes(3);

	final int port;

	final Path log;

	private final Process process;

	ChildApp(String name, List<String> properties) throws IOException {
		this(name, List.of("-Xmx512m"), properties);
	}

	/**
	 * Starts the app.
	 * @param name the log file's name
	 * @param jvmOptions options of the child JVM, such as its heap size
	 * @param properties Spring properties, without the leading dashes
	 */
	ChildApp(String name, List<String> jvmOptions, List<String> properties) throws IOException {
		this.port = freePort();
		Path logs = Path.of("target", "faults");
		Files.createDirectories(logs);
		this.log = logs.resolve(name + ".log");
		List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
		command.addAll(jvmOptions);
		command.addAll(List.of("-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
				SampleApplication.class.getName(), "--server.port=" + this.port, "--spring.main.banner-mode=off"));
		properties.forEach((property) -> command.add("--" + property));
		this.process = new ProcessBuilder(command).redirectErrorStream(true)
			.redirectOutput(ProcessBuilder.Redirect.appendTo(this.log.toFile()))
			.start();
		awaitPort();
	}

	private void awaitPort() throws IOException {
		long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
		while (System.nanoTime() < deadline) {
			if (!this.process.isAlive()) {
				throw new IllegalStateException("The sample app exited with " + this.process.exitValue() + "; see "
						+ this.log.toAbsolutePath());
			}
			try (Socket socket = new Socket()) {
				socket.connect(new InetSocketAddress("127.0.0.1", this.port), 200);
				return;
			}
			catch (IOException ex) {
				sleep(200);
			}
		}
		this.process.destroyForcibly();
		throw new IllegalStateException("The sample app did not listen within " + START_TIMEOUT + "; see " + this.log);
	}

	/** {@code kill -9}: no shutdown hook, no flush; what is in the page cache stays. */
	void kill() throws InterruptedException {
		this.process.destroyForcibly();
		this.process.waitFor(1, TimeUnit.MINUTES);
	}

	/**
	 * {@code SIGTERM}: the graceful shutdown, waited for.
	 * @param timeout the longest to wait for the exit
	 * @return the time the shutdown took
	 */
	Duration terminate(Duration timeout) throws InterruptedException {
		long start = System.nanoTime();
		this.process.destroy();
		if (!this.process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
			this.process.destroyForcibly();
			throw new IllegalStateException("The sample app did not exit within " + timeout + " of SIGTERM");
		}
		return Duration.ofNanos(System.nanoTime() - start);
	}

	long pid() {
		return this.process.pid();
	}

	@Override
	public void close() throws InterruptedException {
		if (this.process.isAlive()) {
			kill();
		}
	}

	private static int freePort() throws IOException {
		try (ServerSocket socket = new ServerSocket(0)) {
			return socket.getLocalPort();
		}
	}

	private static void sleep(long millis) {
		try {
			Thread.sleep(millis);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

}
