package dev.metering.autoconfigure.metrics;

import dev.metering.autoconfigure.MeteringLedgerAutoConfiguration;
import dev.metering.autoconfigure.MeteringQuotaAutoConfiguration;
import dev.metering.autoconfigure.MeteringRollupAutoConfiguration;
import dev.metering.event.UsageEvent;
import dev.metering.event.UsageRecorder;
import dev.metering.quota.QuotaEnforcementService;
import dev.metering.quota.lease.QuotaLeases;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The lease and warning metrics of the README, as an application's registry sees them.
 */
class QuotaMetricsTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(DataSourceAutoConfiguration.class,
				MeteringLedgerAutoConfiguration.class, MeteringRollupAutoConfiguration.class,
				MeteringQuotaAutoConfiguration.class, MeteringMetricsAutoConfiguration.class))
		.withBean(MeterRegistry.class, SimpleMeterRegistry::new)
		.withPropertyValues("spring.datasource.url=jdbc:h2:mem:quota-metrics-${random.uuid}",
				"metering.rollup.enabled=false", "metering.default-plan=free",
				"metering.plans.free.quotas[0].meter=http.requests", "metering.plans.free.quotas[0].limit=100",
				"metering.plans.free.quotas[0].window=day", "metering.plans.free.quotas[0].enforcement=hard",
				"metering.plans.free.quotas[1].meter=exports", "metering.plans.free.quotas[1].limit=2",
				"metering.plans.free.quotas[1].window=day", "metering.plans.free.quotas[1].enforcement=soft");

	@Test
	void leasesAndWarningsAreCounted() {
		this.runner.run((context) -> {
			MeterRegistry registry = context.getBean(MeterRegistry.class);
			context.getBean("meteringQuotaMetrics", MeterBinder.class).bindTo(registry);
			QuotaEnforcementService quotas = context.getBean(QuotaEnforcementService.class);
			assertThat(quotas.check("acme", "http.requests", 1).allowed()).isTrue();
			// The unit asked for and the first chunk of 10.
			assertThat(registry.get("metering.quota.lease.granted").counter().count()).isEqualTo(11);
			assertThat(registry.get("metering.quota.lease.round-trips").counter().count()).isGreaterThanOrEqualTo(1);

			context.getBean(QuotaLeases.class).close();
			assertThat(registry.get("metering.quota.lease.returned").counter().count()).isEqualTo(10);
			assertThat(registry.get("metering.quota.lease.expired").counter().count()).isZero();

			UsageRecorder recorder = context.getBean(UsageRecorder.class);
			for (int i = 0; i < 4; i++) {
				quotas.check("acme", "exports", 1)
					.reservation()
					.record(recorder, UsageEvent.builder("acme", "exports").build());
			}
			assertThat(registry.get("metering.quota.warnings").tag("enforcement", "soft").counter().count())
				.isEqualTo(1);
		});
	}

}
