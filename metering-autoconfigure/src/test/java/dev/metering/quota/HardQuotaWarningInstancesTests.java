package dev.metering.quota;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import com.zaxxer.hikari.HikariDataSource;

import dev.metering.test.MutableClock;
import dev.metering.test.TestDatabase;
import dev.metering.test.TestSchema;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import org.springframework.context.ApplicationListener;

import static dev.metering.quota.LeaseInstances.flush;
import static dev.metering.quota.LeaseInstances.instance;
import static dev.metering.quota.LeaseInstances.send;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A hard quota with a {@code soft-threshold}, admitted from leased budgets (the default): the
 * warning is published when usage passes the threshold, once per window on each instance.
 */
class HardQuotaWarningInstancesTests {

	private static final Instant NOW = Instant.parse("2026-11-23T10:15:00Z");

	@ParameterizedTest
	@EnumSource(TestDatabase.class)
	void aLeasedHardQuotaWarnsOncePastItsThreshold(TestDatabase database) throws Exception {
		MutableClock clock = new MutableClock(NOW);
		List<QuotaWarningEvent> warnings = new CopyOnWriteArrayList<>();
		try (TestSchema schema = database.newSchema(); HikariDataSource a = database.newDataSource(4)) {
			instance(schema, a, clock, 10, "day", "metering.plans.free.quotas[0].soft-threshold=0.5")
				.withBean(ApplicationListener.class, () -> ApplicationListener.<QuotaWarningEvent>forPayload(warnings::add))
				.run((one) -> {
					assertThat(one.getBean(QuotaEnforcementService.class)).extracting("leases").isNotNull();
					assertThat(send(5, 1, "acme", (i) -> one)).isEqualTo(5);
					assertThat(warnings).isEmpty();
					assertThat(send(12, 1, "acme", (i) -> one)).isEqualTo(5);
					flush(one);
					assertThat(warnings).singleElement().satisfies((warning) -> {
						assertThat(warning.tenant()).isEqualTo("acme");
						assertThat(warning.policy().enforcement()).isEqualTo(Enforcement.HARD);
						assertThat(warning.used()).isEqualByComparingTo(BigDecimal.valueOf(6));
						assertThat(warning.limit()).isEqualByComparingTo(BigDecimal.TEN);
					});
				});
		}
	}

	@ParameterizedTest
	@EnumSource(value = TestDatabase.class, names = { "H2", "POSTGRESQL" })
	void eachInstanceWarnsOnceForTheSameWindow(TestDatabase database) throws Exception {
		MutableClock clock = new MutableClock(NOW);
		List<QuotaWarningEvent> first = new CopyOnWriteArrayList<>();
		List<QuotaWarningEvent> second = new CopyOnWriteArrayList<>();
		try (TestSchema schema = database.newSchema(); HikariDataSource a = database.newDataSource(4);
				HikariDataSource b = database.newDataSource(4)) {
			instance(schema, a, clock, 100, "day", "metering.plans.free.quotas[0].soft-threshold=0.1",
					"metering.plans.free.quotas[0].enforcement=soft", "metering.cache.usage-ttl=1ms")
				.withBean(ApplicationListener.class, () -> ApplicationListener.<QuotaWarningEvent>forPayload(first::add))
				.run((one) -> instance(schema, b, clock, 100, "day", "metering.plans.free.quotas[0].soft-threshold=0.1",
						"metering.plans.free.quotas[0].enforcement=soft", "metering.cache.usage-ttl=1ms")
					.withBean(ApplicationListener.class, () -> ApplicationListener.<QuotaWarningEvent>forPayload(second::add))
					.run((two) -> {
						send(20, 1, "acme", (i) -> one);
						flush(one);
						Thread.sleep(50);
						send(20, 1, "acme", (i) -> two);
						send(20, 1, "acme", (i) -> one);
						// The flag is kept in each instance's memory: one warning each, not one in all.
						assertThat(first).hasSize(1);
						assertThat(second).hasSize(1);
					}));
		}
	}

}
