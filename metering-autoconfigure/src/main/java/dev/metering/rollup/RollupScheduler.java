package dev.metering.rollup;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.function.Supplier;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.context.SmartLifecycle;
import org.springframework.scheduling.TaskScheduler;
import org.springframework.scheduling.concurrent.ThreadPoolTaskScheduler;

/**
 * Runs the rollup job every interval (fixed delay, so runs never pile up) on Spring's
 * {@link TaskScheduler}: the application's when it has one, else a one-thread scheduler of the
 * kit's own, created on start and shut down on stop.
 */
public class RollupScheduler implements SmartLifecycle {

	/** Starts after the ledger writer, stops before it (and before the DataSource closes). */
	public static final int PHASE = SmartLifecycle.DEFAULT_PHASE - 5_000;

	private static final Log logger = LogFactory.getLog(RollupScheduler.class);

	private final RollupJob job;

	private final @Nullable TaskScheduler applicationScheduler;

	private final Duration initialDelay;

	private final Duration interval;

	/** Asked after each run: the tasks are beans defined after the rollup's. */
	private final Supplier<List<AfterRollup>> afterRollup;

	private final Object monitor = new Object();

	private @Nullable ThreadPoolTaskScheduler ownScheduler;

	private @Nullable ScheduledFuture<?> scheduled;

	/**
	 * A scheduler of the job.
	 * @param job the job
	 * @param scheduler the application's scheduler, or null for one of the kit's own
	 * @param initialDelay the wait before the first run
	 * @param interval the wait between the end of a run and the start of the next
	 */
	public RollupScheduler(RollupJob job, @Nullable TaskScheduler scheduler, Duration initialDelay,
			Duration interval) {
		this(job, scheduler, initialDelay, interval, List::of);
	}

	/**
	 * A scheduler of the job that runs tasks after each run (even a failed one).
	 * @param job the job
	 * @param scheduler the application's scheduler, or null for one of the kit's own
	 * @param initialDelay the wait before the first run
	 * @param interval the wait between the end of a run and the start of the next
	 * @param afterRollup the tasks, asked for after each run
	 */
	public RollupScheduler(RollupJob job, @Nullable TaskScheduler scheduler, Duration initialDelay,
			Duration interval, Supplier<List<AfterRollup>> afterRollup) {
		this.afterRollup = afterRollup;
		if (interval.isZero() || interval.isNegative()) {
			throw new IllegalArgumentException("metering.rollup.interval must be positive, was " + interval);
		}
		this.job = job;
		this.applicationScheduler = scheduler;
		this.initialDelay = initialDelay;
		this.interval = interval;
	}

	@Override
	public void start() {
		synchronized (this.monitor) {
			if (this.scheduled != null) {
				return;
			}
			TaskScheduler scheduler = this.applicationScheduler;
			if (scheduler == null) {
				ThreadPoolTaskScheduler own = new ThreadPoolTaskScheduler();
				own.setPoolSize(1);
				own.setThreadNamePrefix("metering-rollup-");
				own.setDaemon(true);
				own.initialize();
				this.ownScheduler = own;
				scheduler = own;
			}
			this.scheduled = scheduler.scheduleWithFixedDelay(this::run, Instant.now().plus(this.initialDelay),
					this.interval);
		}
	}

	@Override
	public void stop() {
		synchronized (this.monitor) {
			if (this.scheduled != null) {
				this.scheduled.cancel(false);
				this.scheduled = null;
			}
			if (this.ownScheduler != null) {
				this.ownScheduler.shutdown();
				this.ownScheduler = null;
			}
		}
	}

	@Override
	public boolean isRunning() {
		synchronized (this.monitor) {
			return this.scheduled != null;
		}
	}

	@Override
	public int getPhase() {
		return PHASE;
	}

	/**
	 * Whether runs go to a scheduler of the kit's own, because the application has no
	 * {@link TaskScheduler}.
	 * @return true for the kit's own scheduler
	 */
	public boolean usesOwnScheduler() {
		return this.applicationScheduler == null;
	}

	private void run() {
		try {
			RollupResult result = this.job.rollupNow();
			if (logger.isDebugEnabled()) {
				logger.debug("Rollup run: " + result);
			}
		}
		catch (RuntimeException ex) {
			// The run's transaction rolled back; the next run redoes its work.
			logger.warn("Metering rollup run failed; retrying in " + this.interval, ex);
		}
		for (AfterRollup task : this.afterRollup.get()) {
			try {
				task.afterRollup();
			}
			catch (RuntimeException ex) {
				logger.warn("Metering task after the rollup failed; retrying after the next run", ex);
			}
		}
	}

}
