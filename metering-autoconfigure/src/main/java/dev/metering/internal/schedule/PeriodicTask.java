package dev.metering.internal.schedule;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.apache.commons.logging.Log;
import org.jspecify.annotations.Nullable;

/**
 * A task run with a fixed delay (so runs never pile up) on a daemon thread of its own, named so
 * that a thread dump says whose it is. A run that throws is logged, with its owner's logger and
 * message, and the next run comes as usual: an executor would otherwise drop the schedule
 * silently. The owner, a {@code SmartLifecycle} or a disposable bean, calls {@link #start()} and
 * {@link #stop()} and keeps its own phase.
 * <p>
 * By default the first run comes one interval after {@link #start()}, and {@link #stop()} lets a
 * run in progress finish, waiting for it at most five seconds; the {@code with...} methods give
 * a copy that does otherwise.
 */
public final class PeriodicTask {

	private static final Duration DEFAULT_STOP_WAIT = Duration.ofSeconds(5);

	private final String threadName;

	private final Duration interval;

	private final Runnable task;

	private final Log logger;

	private final String failure;

	private final @Nullable Duration initialDelay;

	private final boolean interruptOnStop;

	private final Duration stopWait;

	private final boolean lastRunOnStop;

	private volatile @Nullable ScheduledExecutorService executor;

	private PeriodicTask(String threadName, Duration interval, Runnable task, Log logger, String failure,
			@Nullable Duration initialDelay, boolean interruptOnStop, Duration stopWait, boolean lastRunOnStop) {
		this.threadName = threadName;
		this.interval = interval;
		this.task = task;
		this.logger = logger;
		this.failure = failure;
		this.initialDelay = initialDelay;
		this.interruptOnStop = interruptOnStop;
		this.stopWait = stopWait;
		this.lastRunOnStop = lastRunOnStop;
	}

	/**
	 * A task run every interval, the first one interval after start; stop waits for a run in
	 * progress, at most five seconds.
	 * @param threadName the name of its thread
	 * @param interval the wait between the end of a run and the start of the next (at least a
	 * millisecond)
	 * @param task the run
	 * @param logger the owner's logger, for a run that throws
	 * @param failure what is logged (as a warning, with the exception) when a run throws
	 * @return the task, not started
	 */
	public static PeriodicTask every(Duration interval, String threadName, Runnable task, Log logger,
			String failure) {
		return new PeriodicTask(threadName, interval, task, logger, failure, null, false, DEFAULT_STOP_WAIT, false);
	}

	/**
	 * The same task with another wait before its first run.
	 * @param delay the wait after start, zero to run at once
	 * @return a copy
	 */
	public PeriodicTask withFirstRunAfter(Duration delay) {
		return new PeriodicTask(this.threadName, this.interval, this.task, this.logger, this.failure, delay,
				this.interruptOnStop, this.stopWait, this.lastRunOnStop);
	}

	/**
	 * The same task, whose stop interrupts a run in progress (a blocking call in it gives up), then
	 * waits at most {@code wait} for it to end.
	 * @param wait how long stop waits, zero not to wait
	 * @return a copy
	 */
	public PeriodicTask withInterruptOnStop(Duration wait) {
		return new PeriodicTask(this.threadName, this.interval, this.task, this.logger, this.failure,
				this.initialDelay, true, wait, this.lastRunOnStop);
	}

	/**
	 * The same task, run once more on stop, after a run in progress: what came in since the last
	 * run is not left behind. Not with {@link #withInterruptOnStop}: an interrupting stop drops
	 * the runs not started.
	 * @return a copy
	 */
	public PeriodicTask withLastRunOnStop() {
		return new PeriodicTask(this.threadName, this.interval, this.task, this.logger, this.failure,
				this.initialDelay, this.interruptOnStop, this.stopWait, true);
	}

	/** Starts the thread and schedules the runs. */
	public void start() {
		ScheduledExecutorService started = Executors.newSingleThreadScheduledExecutor((runnable) -> {
			Thread thread = new Thread(runnable, this.threadName);
			thread.setDaemon(true);
			return thread;
		});
		long millis = Math.max(1, this.interval.toMillis());
		long firstAfter = (this.initialDelay != null) ? this.initialDelay.toMillis() : millis;
		started.scheduleWithFixedDelay(this::runLogged, firstAfter, millis, TimeUnit.MILLISECONDS);
		this.executor = started;
	}

	/**
	 * Cancels the runs to come (after the last one, if asked for) and waits for the one in
	 * progress as this task was set up to; a stopped task may be started again.
	 */
	public void stop() {
		ScheduledExecutorService running = this.executor;
		this.executor = null;
		if (running == null) {
			return;
		}
		if (this.lastRunOnStop) {
			running.execute(this::runLogged);
		}
		if (this.interruptOnStop) {
			running.shutdownNow();
		}
		else {
			running.shutdown();
		}
		if (this.stopWait.isZero()) {
			return;
		}
		try {
			running.awaitTermination(this.stopWait.toMillis(), TimeUnit.MILLISECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	/**
	 * Whether the task is started and not stopped.
	 * @return true between start and stop
	 */
	public boolean isRunning() {
		return this.executor != null;
	}

	private void runLogged() {
		try {
			this.task.run();
		}
		catch (RuntimeException ex) {
			this.logger.warn(this.failure, ex);
		}
	}

}
