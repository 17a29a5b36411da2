package dev.metering.autoconfigure.metrics;

import java.util.concurrent.TimeUnit;

import dev.metering.rollup.RollupJob;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;

/**
 * Micrometer meters of the rollup job. No tenant ids in tags: their number is unbounded.
 */
class RollupMetrics implements MeterBinder {

	private final RollupJob job;

	RollupMetrics(RollupJob job) {
		this.job = job;
	}

	@Override
	public void bindTo(MeterRegistry registry) {
		FunctionTimer
			.builder("metering.rollup.run", this.job, (j) -> j.stats().runs(), (j) -> j.stats().runNanos(),
					TimeUnit.NANOSECONDS)
			.description("Time of one rollup run (all its batches)")
			.register(registry);
		FunctionCounter.builder("metering.rollup.runs.failed", this.job, (j) -> j.stats().failures())
			.description("Rollup runs that failed and were rolled back")
			.register(registry);
		FunctionCounter.builder("metering.rollup.events.folded", this.job, (j) -> j.stats().eventsFolded())
			.description("Ledger events folded into rollups")
			.baseUnit("events")
			.register(registry);
		Gauge.builder("metering.rollup.run.events", this.job, (j) -> j.stats().lastRunEvents())
			.description("Ledger events folded by the last rollup run")
			.baseUnit("events")
			.register(registry);
		Gauge.builder("metering.rollup.lag", this.job, (j) -> j.lag().toNanos() / 1e9)
			.description("Age of the oldest ledger event the last rollup run left unfolded (zero when it caught up)")
			.baseUnit("seconds")
			.register(registry);
		Gauge.builder("metering.rollup.gaps", this.job, (j) -> j.stats().openGaps())
			.description("Ledger id ranges below the watermark the rollup still waits for")
			.register(registry);
	}

}
