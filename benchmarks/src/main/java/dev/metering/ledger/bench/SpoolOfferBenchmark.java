package dev.metering.ledger.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import dev.metering.event.UsageEvent;
import dev.metering.ledger.BufferedLedgerWriter;
import dev.metering.ledger.EventSpool;
import dev.metering.ledger.InsertResult;
import dev.metering.ledger.OverflowPolicy;
import dev.metering.ledger.SpoolSettings;
import dev.metering.ledger.WriterSettings;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The recording thread's cost of one event with the spool off and on, in the same run: a new
 * event (UUID v7) handed to {@link BufferedLedgerWriter#offer}, the store a no-op so the
 * database plays no part. With the spool on, that includes encoding, the CRC32C, the copy into
 * the memory-mapped segment and its bookkeeping; segments roll and are deleted as in production.
 * Not a test: run it with {@code org.openjdk.jmh.Main} on the test classpath (docs/RELIABILITY.md).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@State(Scope.Benchmark)
public class SpoolOfferBenchmark {

	@Param({ "off", "on" })
	public String spool;

	private BufferedLedgerWriter writer;

	private EventSpool eventSpool;

	private Path directory;

	@Setup(Level.Trial)
	public void setUp() throws IOException {
		this.writer = new BufferedLedgerWriter((events, recordedAt) -> new InsertResult(events.size(), 0),
				new WriterSettings(1_000_000, 20_000, Duration.ofMillis(100), OverflowPolicy.BLOCK,
						Duration.ofSeconds(1), Duration.ofSeconds(30), Duration.ofMillis(100), Duration.ofSeconds(10)),
				Clock.systemUTC());
		this.writer.start();
		if ("on".equals(this.spool)) {
			this.directory = Files.createTempDirectory(Path.of("target"), "spool-bench");
			this.eventSpool = new EventSpool(this.writer, SpoolSettings.in(this.directory));
			this.eventSpool.start();
		}
	}

	@TearDown(Level.Trial)
	public void tearDown() {
		if (this.eventSpool != null) {
			this.eventSpool.flush(Duration.ofMinutes(1));
			this.eventSpool.stop();
		}
		this.writer.stop();
	}

	@Benchmark
	public boolean offer() {
		return this.writer.offer(UsageEvent.builder("acme", "http.requests")
			.resource("/api/projects/{id}")
			.userId("user-17")
			.dimension("status", "200")
			.build());
	}

}
