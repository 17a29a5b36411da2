package dev.metering.quota.bus;

import java.time.Duration;
import java.util.function.BooleanSupplier;

import dev.metering.admin.MeteringAdmin;
import dev.metering.autoconfigure.MeteringAdminAutoConfiguration;
import dev.metering.autoconfigure.MeteringBusAutoConfiguration;
import dev.metering.autoconfigure.MeteringLedgerAutoConfiguration;
import dev.metering.autoconfigure.MeteringQuotaAutoConfiguration;
import dev.metering.autoconfigure.MeteringRollupAutoConfiguration;
import dev.metering.quota.QuotaDecision;
import dev.metering.quota.QuotaEnforcementService;
import dev.metering.test.TestSchema;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.ApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two application contexts (instances) on one database schema: plan {@code free} allows no
 * {@code api.calls}, plan {@code pro} (created in the database) allows 1000 a day.
 */
final class TwoInstances {

	static final String METER = "api.calls";

	private TwoInstances() {
	}

	static ApplicationContextRunner runner(TestSchema schema, String... properties) {
		return new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(DataSourceAutoConfiguration.class,
					MeteringLedgerAutoConfiguration.class, MeteringRollupAutoConfiguration.class,
					MeteringAdminAutoConfiguration.class, MeteringQuotaAutoConfiguration.class,
					MeteringBusAutoConfiguration.class))
			.withPropertyValues("spring.datasource.url=" + schema.database().jdbcUrl(),
					"spring.datasource.hikari.maximum-pool-size=4", "metering.jdbc.table-prefix=" + schema.prefix(),
					"metering.jdbc.initialize-schema=never", "metering.default-plan=free",
					"metering.plans.free.quotas[0].meter=" + METER, "metering.plans.free.quotas[0].limit=0",
					"metering.plans.free.quotas[0].window=day", "metering.rollup.enabled=false")
			.withPropertyValues(properties);
	}

	static QuotaDecision.Outcome check(ApplicationContext instance, String tenant) {
		return instance.getBean(QuotaEnforcementService.class).check(tenant, METER, 1).outcome();
	}

	static MeteringAdmin admin(ApplicationContext instance) {
		return instance.getBean(MeteringAdmin.class);
	}

	static QuotaInvalidationBus bus(ApplicationContext instance) {
		return instance.getBean(QuotaInvalidationBus.class);
	}

	/**
	 * Waits for a condition.
	 * @return how long it took
	 */
	static Duration await(BooleanSupplier condition, Duration atMost) throws InterruptedException {
		long start = System.nanoTime();
		long deadline = start + atMost.toNanos();
		while (!condition.getAsBoolean()) {
			assertThat(System.nanoTime()).as("condition not met within %s", atMost).isLessThan(deadline);
			Thread.sleep(5);
		}
		return Duration.ofNanos(System.nanoTime() - start);
	}

}
