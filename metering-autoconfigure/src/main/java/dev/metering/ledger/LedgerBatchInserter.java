package dev.metering.ledger;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.IntConsumer;
import java.util.function.LongSupplier;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import dev.metering.event.UsageEvent;

import org.springframework.dao.DataIntegrityViolationException;

/**
 * Writes batches of the buffered ledger writer: one insert transaction each, announced to the
 * listeners, retried with capped exponential backoff while the database is down, and split into
 * single events when the database refuses a row so the rest of the batch still lands. On a
 * {@link PipelinedEventStore} several batches are on their way at once and confirmed oldest first;
 * a batch whose start or wait fails is written again the plain way.
 */
final class LedgerBatchInserter {

	private static final Log logger = LogFactory.getLog(BufferedLedgerWriter.class);

	private final UsageEventStore store;

	private final WriterSettings settings;

	private final Clock clock;

	private final List<LedgerWriteListener> listeners;

	private final WriterCounters counters;

	private final RateLimitedLog retryLog = new RateLimitedLog(logger, Duration.ofSeconds(10));

	private final RateLimitedLog lateLog = new RateLimitedLog(logger, Duration.ofSeconds(10));

	private final @Nullable Duration lateWindow;

	private final @Nullable PipelinedEventStore pipelined;

	/** Started on the pipelined store and not confirmed yet, oldest first. */
	private final ArrayDeque<Started> inFlight = new ArrayDeque<>();

	LedgerBatchInserter(UsageEventStore store, WriterSettings settings, Clock clock,
			List<LedgerWriteListener> listeners, WriterCounters counters, @Nullable Duration lateWindow) {
		this.store = store;
		this.settings = settings;
		this.clock = clock;
		this.listeners = listeners;
		this.counters = counters;
		this.lateWindow = lateWindow;
		this.pipelined = (store instanceof PipelinedEventStore pipelinedStore) ? pipelinedStore : null;
	}

	/**
	 * Writes a batch: on a pipelined store started, with the oldest batches confirmed while too many
	 * are on their way or nothing else waits ({@code idle}); else as {@link #write}.
	 * @param idle whether no further batch is waiting, so the writer should confirm what it started
	 */
	void write(List<UsageEvent> batch, BooleanSupplier abandoned, IntConsumer completed, LongSupplier pending,
			BooleanSupplier idle) {
		PipelinedEventStore store = this.pipelined;
		if (store == null) {
			write(batch, abandoned, completed, pending);
			return;
		}
		Instant now = this.clock.instant();
		List<UsageEvent> events = withinLateWindow(batch, now);
		// The refused ones are done now; the rest when confirmed.
		completed.accept(batch.size() - events.size());
		if (!events.isEmpty()) {
			this.listeners.forEach((listener) -> listener.writing(events));
			try {
				this.inFlight.add(new Started(events, System.nanoTime(), store.start(events, now)));
			}
			catch (RuntimeException | Error ex) {
				this.listeners.forEach((listener) -> listener.failed(events));
				confirmAll(abandoned, completed, pending);
				write(events, abandoned, completed, pending);
				return;
			}
		}
		while (!this.inFlight.isEmpty() && (this.inFlight.size() >= store.maxInFlight() || idle.getAsBoolean())) {
			confirmOldest(abandoned, completed, pending);
		}
	}

	/**
	 * Confirms every started batch (before the writer waits for new events, or stops).
	 */
	void confirmAll(BooleanSupplier abandoned, IntConsumer completed, LongSupplier pending) {
		while (!this.inFlight.isEmpty()) {
			confirmOldest(abandoned, completed, pending);
		}
	}

	private void confirmOldest(BooleanSupplier abandoned, IntConsumer completed, LongSupplier pending) {
		Started started = this.inFlight.peek();
		InsertResult result;
		try {
			result = started.pending().await();
		}
		catch (RuntimeException | Error ex) {
			this.inFlight.poll();
			this.listeners.forEach((listener) -> listener.failed(started.events()));
			// Written again the plain way (retries, back-off); the ledger skips what arrived the first time.
			write(started.events(), abandoned, completed, pending);
			return;
		}
		this.inFlight.poll();
		this.counters.account(result);
		this.counters.batches.increment();
		this.counters.batchNanos.add(System.nanoTime() - started.startNanos());
		this.listeners.forEach((listener) -> listener.written(started.events()));
		completed.accept(started.events().size());
	}

	/**
	 * Writes a batch, retrying until it is written or {@code abandoned} says to give up.
	 * @param completed told how many events are done (written, skipped, or refused)
	 * @param pending how many events wait, for the retry log
	 */
	void write(List<UsageEvent> batch, BooleanSupplier abandoned, IntConsumer completed, LongSupplier pending) {
		long backoff = this.settings.initialBackoff().toNanos();
		while (true) {
			long start = System.nanoTime();
			try {
				insert(batch);
				this.counters.batches.increment();
				this.counters.batchNanos.add(System.nanoTime() - start);
				completed.accept(batch.size());
				return;
			}
			catch (DataIntegrityViolationException ex) {
				// Not a duplicate (the store skips those): a row the database refuses, which no retry
				// can fix. Find it by writing one at a time so the rest of the batch still lands.
				if (batch.size() > 1) {
					for (UsageEvent event : batch) {
						write(List.of(event), abandoned, completed, pending);
					}
					return;
				}
				this.counters.rejected.increment();
				this.listeners.forEach((listener) -> listener.discarded(batch.get(0)));
				completed.accept(1);
				logger.error("Metering ledger refused an event (tenant '" + batch.get(0).tenantId() + "', meter '"
						+ batch.get(0).meter() + "', id " + batch.get(0).eventId() + "): not written", ex);
				return;
			}
			catch (RuntimeException | Error ex) {
				// An Error (OutOfMemoryError, StackOverflowError from a driver) is retried like an
				// outage: the batch stays in hand, the thread lives on.
				if (ex instanceof Error) {
					this.counters.errors.increment();
				}
				if (abandoned.getAsBoolean()) {
					discard(batch);
					return;
				}
				this.counters.retries.increment();
				long wait = backoff;
				this.retryLog.warn(() -> "Metering ledger write failed (" + ex.getClass().getName() + ": "
						+ ex.getMessage() + "); retrying " + batch.size() + " events in "
						+ Duration.ofNanos(wait).toMillis() + " ms, " + pending.getAsLong() + " waiting");
				try {
					TimeUnit.NANOSECONDS.sleep(wait);
				}
				catch (InterruptedException interrupted) {
					if (abandoned.getAsBoolean()) {
						discard(batch);
						return;
					}
				}
				backoff = Math.min(backoff * 2, this.settings.maxBackoff().toNanos());
			}
		}
	}

	/**
	 * The events still within the late window now: recording checked it, but an event can wait
	 * in the buffer, a retry or the spool past it, and its period may have closed meanwhile
	 * (close-after is at least the late window). Those are refused here, as recording would now.
	 */
	private List<UsageEvent> withinLateWindow(List<UsageEvent> batch, Instant now) {
		if (this.lateWindow == null) {
			return List.copyOf(batch);
		}
		Instant oldest = now.minus(this.lateWindow);
		List<UsageEvent> kept = null;
		for (int i = 0, n = batch.size(); i < n; i++) {
			UsageEvent event = batch.get(i);
			if (!event.occurredAt().isBefore(oldest)) {
				if (kept != null) {
					kept.add(event);
				}
				continue;
			}
			if (kept == null) {
				kept = new ArrayList<>(batch.subList(0, i));
			}
			this.counters.rejected.increment();
			this.listeners.forEach((listener) -> listener.discarded(event));
			this.lateLog.warn(() -> "Metering refused an event older than metering.ledger.late-window when written "
					+ "(tenant '" + event.tenantId() + "', occurred " + event.occurredAt() + "): its period may be closed; "
					+ this.counters.rejected.sum() + " refused in all since start");
		}
		return (kept != null) ? List.copyOf(kept) : List.copyOf(batch);
	}

	/** A batch started on the pipelined store. */
	private record Started(List<UsageEvent> events, long startNanos, PipelinedEventStore.Pending pending) {
	}

	private void discard(List<UsageEvent> batch) {
		batch.forEach((event) -> this.listeners.forEach((listener) -> listener.discarded(event)));
	}

	/** One insert transaction, announced to the listeners before it starts and after it ends. */
	void insert(List<UsageEvent> batch) {
		Instant now = this.clock.instant();
		List<UsageEvent> events = withinLateWindow(batch, now);
		if (events.isEmpty()) {
			return;
		}
		this.listeners.forEach((listener) -> listener.writing(events));
		InsertResult result;
		try {
			result = this.store.insert(events, now);
		}
		catch (RuntimeException | Error ex) {
			this.listeners.forEach((listener) -> listener.failed(events));
			throw ex;
		}
		this.counters.account(result);
		this.listeners.forEach((listener) -> listener.written(events));
	}

}
