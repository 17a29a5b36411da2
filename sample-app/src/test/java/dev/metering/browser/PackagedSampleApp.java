package dev.metering.browser;

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

/**
 * The packaged sample app ({@code java -jar target/sample-app-*.jar}, the jar Maven's
 * {@code package} phase wrote; failsafe passes its path) in a JVM of its own, its output in a log
 * file under {@code target/console-browser}.
 */
final class PackagedSampleApp implements AutoCloseable {

	private static final Duration START_TIMEOUT = Duration.ofMinutes(3);

	final int port;

	final Path log;

	private final Process process;

	PackagedSampleApp(String name, List<String> properties) throws IOException {
		String jar = System.getProperty("metering.sample.jar");
		if (jar == null || !Files.isRegularFile(Path.of(jar))) {
			throw new IllegalStateException("The packaged sample app is missing (" + jar + "): run the browser tests "
					+ "with 'mvn verify', which packages it first");
		}
		this.port = freePort();
		Path logs = Path.of("target", "console-browser");
		Files.createDirectories(logs);
		this.log = logs.resolve(name + ".log");
		List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
				"-Xmx384m", "-XX:TieredStopAtLevel=1", "-jar", jar, "--server.port=" + this.port,
				"--server.address=127.0.0.1", "--spring.main.banner-mode=off"));
		properties.forEach((property) -> command.add("--" + property));
		this.process = new ProcessBuilder(command).redirectErrorStream(true)
			.redirectOutput(ProcessBuilder.Redirect.to(this.log.toFile()))
			.start();
		awaitPort();
	}

	String url(String path) {
		return "http://127.0.0.1:" + this.port + path;
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
				try {
					Thread.sleep(200);
				}
				catch (InterruptedException interrupted) {
					Thread.currentThread().interrupt();
					throw new IOException("interrupted while waiting for the sample app", interrupted);
				}
			}
		}
		this.process.destroyForcibly();
		throw new IllegalStateException("The sample app did not listen within " + START_TIMEOUT + "; see " + this.log);
	}

	@Override
	public void close() throws InterruptedException {
		this.process.destroy();
		if (!this.process.waitFor(30, TimeUnit.SECONDS)) {
			this.process.destroyForcibly();
			this.process.waitFor(30, TimeUnit.SECONDS);
		}
	}

	private static int freePort() throws IOException {
		try (ServerSocket socket = new ServerSocket(0)) {
			return socket.getLocalPort();
		}
	}

}
