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

	/** The first pause while a batch fills, before the rate of arrivals is known. */
	private static final long FIRST_PAUSE_NANOS = TimeUnit.MILLISECONDS.toNanos(5);

	private static final long MIN_PAUSE_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

	/** The longest pause: the default buffer (100,000 events) fills within it only at 5,000,000 events/s. */
	private static final long MAX_PAUSE_NANOS = TimeUnit.MILLISECONDS.toNanos(20);

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
	 * <p>
	 * Sleeps between drains instead of a waiting poll: while this thread waits in poll, every offer
	 * signals it, so each event would cost its request thread a wake-up call and this thread a
	 * context switch. Asleep, it takes what came meanwhile in one drain. How long it sleeps follows
	 * the rate of arrivals: as long as an eighth of the buffer (or the batch's room) takes to
	 * arrive at the last pause's rate, from 1 to 20 ms; each wake-up costs a context switch, so a
	 * steady rate well below the buffer's size pays four of them per 100 ms batch instead of twenty.
	 */
	void fill(List<UsageEvent> batch, BooleanSupplier hurry) {
		int batchSize = this.settings.batchSize();
		long lastDrain = System.nanoTime();
		long deadline = lastDrain + this.settings.flushInterval().toNanos();
		long pause = FIRST_PAUSE_NANOS;
		boolean first = true;
		while (batch.size() < batchSize) {
			int before = batch.size();
			this.queue.drainTo(batch, batchSize - before);
			if (batch.size() >= batchSize || hurry.getAsBoolean()) {
				return;
			}
			long now = System.nanoTime();
			long remaining = deadline - now;
			if (remaining <= 0) {
				return;
			}
			if (!first) {
				pause = nextPause(batch.size() - before, now - lastDrain, batchSize - batch.size());
			}
			first = false;
			lastDrain = now;
			LockSupport.parkNanos(this, Math.min(remaining, pause));
			if (Thread.interrupted()) {
				return;
			}
		}
	}

	/**
	 * The next pause: the time in which, at the rate just seen ({@code drained} events in
	 * {@code elapsed} nanoseconds, at least one), an eighth of the buffer or the batch's room
	 * would arrive, whichever is less.
	 */
	long nextPause(int drained, long elapsed, int room) {
		long target = Math.max(1, Math.min(room, this.settings.capacity() / 8));
		long pause = Math.max(0, elapsed) * target / Math.max(1, drained);
		return Math.min(MAX_PAUSE_NANOS, Math.max(MIN_PAUSE_NANOS, pause));
	}

}
