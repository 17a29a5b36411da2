package dev.metering.autoconfigure.metrics;

import dev.metering.quota.CachedQuotaDefinitions;
import dev.metering.tenant.CachedTenantDirectory;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import org.jspecify.annotations.Nullable;

/**
 * {@code metering.definitions.load.failures}: reads of definitions that failed and were answered
 * with what was held or configured, tagged {@code cache} ({@code quota}: quota definitions,
 * {@code tenants}: the tenant hierarchy). A rise means the database could not be read and
 * enforcement ran on definitions that may be stale.
 */
class DefinitionCacheMetrics implements MeterBinder {

	private final CachedQuotaDefinitions definitions;

	private final @Nullable CachedTenantDirectory directory;

	DefinitionCacheMetrics(CachedQuotaDefinitions definitions, @Nullable CachedTenantDirectory directory) {
		this.definitions = definitions;
		this.directory = directory;
	}

	@Override
	public void bindTo(MeterRegistry registry) {
		FunctionCounter
			.builder("metering.definitions.load.failures", this.definitions, CachedQuotaDefinitions::loadFailures)
			.description("Reads of definitions that failed, answered with those held or configured")
			.tag("cache", "quota")
			.register(registry);
		if (this.directory != null) {
			FunctionCounter
				.builder("metering.definitions.load.failures", this.directory, CachedTenantDirectory::loadFailures)
				.description("Reads of definitions that failed, answered with those held or configured")
				.tag("cache", "tenants")
				.register(registry);
		}
	}

}
