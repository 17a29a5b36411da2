package dev.metering.ledger;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import dev.metering.event.UsageEvent;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the writer does when its buffer is full: drop at once and count it, or block the
 * recording thread up to the timeout; and that a stopped writer has written its buffer.
 */
class LedgerWriterOverflowTests {

	private final CountDownLatch storeReleased = new CountDownLatch(1);

	private final AtomicInteger stored = new AtomicInteger();

	/** A store that hangs until released, as a database that stopped answering. */
	private final UsageEventStore hangingStore = (events, recordedAt) -> {
		try {
			this.storeReleased.await(1, TimeUnit.MINUTES);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		this.stored.addAndGet(events.size());
		return new InsertResult(events.size(), 0);
	};

	private BufferedLedgerWriter writer;

	@AfterEach
	void release() {
		this.storeReleased.countDown();
		if (this.writer != null) {
			this.writer.stop();
		}
	}

	@Test
	void dropPolicyDropsAtOnceAndCountsEveryDrop() {
		this.writer = new BufferedLedgerWriter(this.hangingStore, settings(10, OverflowPolicy.DROP, Duration.ZERO),
				Clock.systemUTC());
		this.writer.start();
		int accepted = 0;
		long start = System.nanoTime();
		for (int i = 0; i < 100; i++) {
			accepted += this.writer.offer(event()) ? 1 : 0;
		}

		assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
		// The writer holds one batch in flight and the buffer holds ten more.
		assertThat(accepted).isBetween(10, 20);
		assertThat(this.writer.stats().dropped()).isEqualTo(100 - accepted);
		assertThat(this.writer.stats().recorded()).isEqualTo(accepted);

		this.storeReleased.countDown();
		assertThat(this.writer.flush(Duration.ofSeconds(10))).isTrue();
		assertThat(this.stored.get()).isEqualTo(accepted);
	}

	@Test
	void blockPolicyWaitsForSpaceUpToTheTimeoutThenDrops() throws Exception {
		this.writer = new BufferedLedgerWriter(this.hangingStore,
				settings(5, OverflowPolicy.BLOCK, Duration.ofMillis(300)), Clock.systemUTC());
		this.writer.start();
		while (this.writer.offer(event()) && this.writer.stats().recorded() < 100) {
			// fill the buffer until an offer times out
		}
		assertThat(this.writer.stats().dropped()).isEqualTo(1);

		long start = System.nanoTime();
		assertThat(this.writer.offer(event())).isFalse();
		assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(250));

		// Space freed while a recorder waits lets its event in.
		Thread recorder = new Thread(() -> this.writer.offer(event()));
		recorder.start();
		Thread.sleep(50);
		this.storeReleased.countDown();
		recorder.join(5_000);
		assertThat(this.writer.flush(Duration.ofSeconds(10))).isTrue();
		assertThat(this.writer.stats().dropped()).isEqualTo(2);
		assertThat(this.stored.get()).isEqualTo(this.writer.stats().recorded());
	}

	@Test
	void stopWritesEveryBufferedEvent() {
		this.storeReleased.countDown();
		this.writer = new BufferedLedgerWriter(this.hangingStore, new WriterSettings(100_000, 500,
				Duration.ofSeconds(30), OverflowPolicy.BLOCK, Duration.ofSeconds(1), Duration.ofSeconds(30),
				Duration.ofMillis(10), Duration.ofMillis(100)), Clock.systemUTC());
		this.writer.start();
		for (int i = 0; i < 20_000; i++) {
			this.writer.offer(event());
		}

		this.writer.stop();

		assertThat(this.stored.get()).isEqualTo(20_000);
		assertThat(this.writer.buffered()).isZero();
	}

	@Test
	void eventsRecordedAfterStopAreWrittenDirectly() {
		this.storeReleased.countDown();
		this.writer = new BufferedLedgerWriter(this.hangingStore, settings(10, OverflowPolicy.DROP, Duration.ZERO),
				Clock.systemUTC());
		this.writer.start();
		this.writer.stop();

		assertThat(this.writer.offer(event())).isTrue();
		assertThat(this.stored.get()).isEqualTo(1);
	}

	private static WriterSettings settings(int capacity, OverflowPolicy overflow, Duration blockTimeout) {
		return new WriterSettings(capacity, 10, Duration.ofMillis(1), overflow, blockTimeout, Duration.ofSeconds(5),
				Duration.ofMillis(10), Duration.ofMillis(100));
	}

	private static UsageEvent event() {
		return UsageEvent.builder("acme", "http.requests").build();
	}


}
