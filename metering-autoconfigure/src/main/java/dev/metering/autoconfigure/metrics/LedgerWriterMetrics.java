package dev.metering.autoconfigure.metrics;

import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;

import dev.metering.ledger.BufferedLedgerWriter;
import dev.metering.ledger.WriterStats;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;

/**
 * Micrometer meters of the ledger writer. No tenant ids in tags: their number is unbounded.
 */
class LedgerWriterMetrics implements MeterBinder {

	private final BufferedLedgerWriter writer;

	LedgerWriterMetrics(BufferedLedgerWriter writer) {
		this.writer = writer;
	}

	@Override
	public void bindTo(MeterRegistry registry) {
		counter(registry, "metering.events.recorded", "Events accepted into the writer's buffer", WriterStats::recorded);
		counter(registry, "metering.events.written", "Events inserted into the ledger", WriterStats::written);
		counter(registry, "metering.events.duplicates", "Events skipped as already in the ledger",
				WriterStats::duplicates);
		counter(registry, "metering.events.dropped", "Events dropped: buffer full, or the writer stopped and could not write them",
				WriterStats::dropped);
		counter(registry, "metering.events.rejected", "Events the database refused as invalid data",
				WriterStats::rejected);
		counter(registry, "metering.writer.retries", "Failed ledger writes that were retried", WriterStats::retries);
		counter(registry, "metering.writer.errors", "Errors (out of memory, stack overflow) the writer survived",
				WriterStats::errors);
		Gauge.builder("metering.writer.buffer.size", this.writer, BufferedLedgerWriter::buffered)
			.description("Events waiting to be written to the ledger")
			.baseUnit("events")
			.register(registry);
		FunctionTimer
			.builder("metering.writer.batch", this.writer, (w) -> w.stats().batches(), (w) -> w.stats().batchNanos(),
					TimeUnit.NANOSECONDS)
			.description("Time to write one batch of events to the ledger")
			.register(registry);
	}

	private void counter(MeterRegistry registry, String name, String description, ToDoubleFunction<WriterStats> value) {
		FunctionCounter.builder(name, this.writer, (w) -> value.applyAsDouble(w.stats()))
			.description(description)
			.baseUnit("events")
			.register(registry);
	}

}
