package dev.metering.quota;

import java.time.Instant;

import com.zaxxer.hikari.HikariDataSource;
import dev.metering.autoconfigure.MeteringTenantAutoConfiguration;
import dev.metering.test.MutableClock;
import dev.metering.test.TestDatabase;
import dev.metering.test.TestSchema;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A daily hard quota of a Europe/Berlin tenant resets at Berlin's midnight (23:00 UTC in winter,
 * 22:00 UTC in summer, the 23-hour day of the spring change included), on two instances sharing
 * leased budgets, and on one instance deciding on ledger readings (leases off); a UTC tenant of
 * the same plan keeps resetting at 00:00 UTC.
 */
class CalendarQuotaWindowsTests {

	private static final Instant BERLIN_23_30 = Instant.parse("2026-03-28T22:30:00Z");

	private static final Instant BERLIN_MIDNIGHT = Instant.parse("2026-03-28T23:00:00Z");

	/** The 29th is the spring change: 23 hours, ending at 22:00 UTC (midnight, summer time). */
	private static final Instant BERLIN_NEXT_MIDNIGHT = Instant.parse("2026-03-29T22:00:00Z");

	@ParameterizedTest
	@EnumSource(TestDatabase.class)
	void twoInstancesWithLeasesResetAtTheTenantsLocalMidnight(TestDatabase database) {
		MutableClock clock = new MutableClock(BERLIN_23_30);
		try (TestSchema schema = database.newSchema(); HikariDataSource a = database.newDataSource(4);
				HikariDataSource b = database.newDataSource(4)) {
			instance(schema, a, clock).run((one) -> instance(schema, b, clock).run((two) -> {
				ConfigurableApplicationContext[] both = { one, two };
				assertDailyResets(clock, both);
			}));
		}
	}

	@ParameterizedTest
	@EnumSource(TestDatabase.class)
	void anInstanceOnLedgerReadingsResetsAtTheTenantsLocalMidnight(TestDatabase database) {
		MutableClock clock = new MutableClock(BERLIN_23_30);
		try (TestSchema schema = database.newSchema(); HikariDataSource a = database.newDataSource(4)) {
			instance(schema, a, clock).withPropertyValues("metering.quota.lease.enabled=false")
				.run((one) -> assertDailyResets(clock, new ConfigurableApplicationContext[] { one }));
		}
	}

	private static void assertDailyResets(MutableClock clock, ConfigurableApplicationContext[] instances) {
		assertThat(send(instances, "acme", 7)).as("Berlin, March 28th 23:30").isEqualTo(5);
		assertThat(send(instances, "globex", 7)).as("UTC, March 28th 22:30").isEqualTo(5);
		set(clock, BERLIN_MIDNIGHT.minusSeconds(1), instances);
		assertThat(send(instances, "acme", 1)).isZero();
		set(clock, BERLIN_MIDNIGHT, instances);
		assertThat(send(instances, "acme", 7)).as("Berlin midnight: a new day").isEqualTo(5);
		assertThat(send(instances, "globex", 1)).as("still March 28th in UTC").isZero();
		set(clock, Instant.parse("2026-03-29T00:00:00Z"), instances);
		assertThat(send(instances, "globex", 7)).as("UTC midnight").isEqualTo(5);
		assertThat(send(instances, "acme", 1)).as("Berlin 02:00 is 03:00 now, the same day").isZero();
		set(clock, BERLIN_NEXT_MIDNIGHT.minusSeconds(1), instances);
		assertThat(send(instances, "acme", 1)).isZero();
		set(clock, BERLIN_NEXT_MIDNIGHT, instances);
		assertThat(send(instances, "acme", 7)).as("after a 23-hour day").isEqualTo(5);
	}

	/** Time passes: the writers have written what was recorded before the clock moves on. */
	private static void set(MutableClock clock, Instant now, ConfigurableApplicationContext[] instances) {
		for (ConfigurableApplicationContext instance : instances) {
			LeaseInstances.flush(instance);
		}
		clock.set(now);
	}

	private static int send(ConfigurableApplicationContext[] instances, String tenant, int requests) {
		int allowed = 0;
		for (int i = 0; i < requests; i++) {
			if (LeaseInstances.request(instances[i % instances.length], tenant)) {
				allowed++;
			}
		}
		return allowed;
	}

	private static ApplicationContextRunner instance(TestSchema schema, HikariDataSource dataSource, MutableClock clock) {
		return LeaseInstances.instance(schema, dataSource, clock, 5, "day")
			.withConfiguration(AutoConfigurations.of(MeteringTenantAutoConfiguration.class))
			.withPropertyValues("metering.tenants.acme.billing.time-zone=Europe/Berlin");
	}

}
