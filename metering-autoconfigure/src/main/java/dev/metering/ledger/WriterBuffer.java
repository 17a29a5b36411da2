package dev.metering.ledger;

import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

import org.jspecify.annotations.Nullable;

import dev.metering.event.UsageEvent;

/** The bounded buffer between recording threads and the writer thread, and how a batch is taken from it. */
final class WriterBuffer {

	private static final long IDLE_POLL_MILLIS = 100;

	private static final long FILL_POLL_MILLIS = 5;

	private final BlockingQueue<UsageEvent> queue;

	private final WriterSettings settings;

	WriterBuffer(WriterSettings settings) {
		this.settings = settings;
		this.queue = new ArrayBlockingQueue<>(settings.capacity());
	}

	boolean offer(UsageEvent event) {
		return this.queue.offer(event);
	}

	/** Waits up to the timeout for room; {@code false} when there was none or the thread was interrupted. */
	boolean offer(UsageEvent event, long timeoutNanos) {
		try {
			return this.queue.offer(event, timeoutNanos, TimeUnit.NANOSECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			return false;
		}
	}

	boolean isEmpty() {
		return this.queue.isEmpty();
	}

	boolean remove(UsageEvent event) {
		return this.queue.remove(event);
	}

	void drainTo(List<UsageEvent> events) {
		this.queue.drainTo(events);
	}

	@Nullable UsageEvent poll() {
		return this.queue.poll();
	}

	/** Waits a while for the first event of a batch. */
	@Nullable UsageEvent pollIdle() throws InterruptedException {
		return this.queue.poll(IDLE_POLL_MILLIS, TimeUnit.MILLISECONDS);
	}

	/**
	 * Adds to the batch until it is full, the flush interval has passed since its first event, or
	 * {@code hurry} says not to wait (stopping, or a flush is waiting).
	 */
	void fill(List<UsageEvent> batch, BooleanSupplier hurry) {
		int batchSize = this.settings.batchSize();
		long deadline = System.nanoTime() + this.settings.flushInterval().toNanos();
		while (batch.size() < batchSize) {
			this.queue.drainTo(batch, batchSize - batch.size());
			if (batch.size() >= batchSize || hurry.getAsBoolean()) {
				return;
			}
			long remaining = deadline - System.nanoTime();
			if (remaining <= 0) {
				return;
			}
			// Sleeps instead of a waiting poll: while this thread waits in poll, every offer signals
			// it, so each event would cost its request thread a wake-up call and this thread a
			// context switch. Asleep, it takes what came meanwhile in one drain.
			LockSupport.parkNanos(this, Math.min(remaining, TimeUnit.MILLISECONDS.toNanos(FILL_POLL_MILLIS)));
			if (Thread.interrupted()) {
				return;
			}
		}
	}

}
