package dev.metering.autoconfigure.metrics;

import dev.metering.operation.MeteredOperation;
import dev.metering.operation.MeteredOperationObserver;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import org.jspecify.annotations.Nullable;

/**
 * Micrometer counter of {@code @Metered} calls that completed but were not recorded:
 * {@code metering.operations.unrecorded}, tagged by {@code meter} (meters are declared in code,
 * so their number is bounded; tenant ids are never tags).
 */
class OperationMetrics implements MeterBinder, MeteredOperationObserver {

	private volatile @Nullable MeterRegistry registry;

	@Override
	public void bindTo(MeterRegistry registry) {
		this.registry = registry;
	}

	@Override
	public void unrecorded(MeteredOperation operation, RuntimeException cause) {
		MeterRegistry registry = this.registry;
		if (registry != null) {
			Counter.builder("metering.operations.unrecorded")
				.description("@Metered calls that completed but whose usage could not be recorded")
				.tag("meter", operation.meter())
				.register(registry)
				.increment();
		}
	}

}
