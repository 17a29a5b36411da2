package dev.metering.quota;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicReference;

import com.zaxxer.hikari.HikariDataSource;

import dev.metering.test.MutableClock;
import dev.metering.test.TestDatabase;
import dev.metering.test.TestSchema;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.ConfigurableApplicationContext;

import static dev.metering.quota.LeaseInstances.flush;
import static dev.metering.quota.LeaseInstances.instance;
import static dev.metering.quota.LeaseInstances.rows;
import static dev.metering.quota.LeaseInstances.send;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Hard quotas across instances: several application contexts on their own pools to one
 * database, leasing budgets of one limit.
 */
class QuotaLeaseInstancesTests {

	private static final Instant NOW = Instant.parse("2026-11-23T10:15:00Z");

	@ParameterizedTest
	@EnumSource(TestDatabase.class)
	void threeInstancesLetExactlyTheLimitThrough(TestDatabase database) throws Exception {
		MutableClock clock = new MutableClock(NOW);
		try (TestSchema schema = database.newSchema(); HikariDataSource a = database.newDataSource(4);
				HikariDataSource b = database.newDataSource(4); HikariDataSource c = database.newDataSource(4)) {
			instance(schema, a, clock, 1000, "day").run((one) -> instance(schema, b, clock, 1000, "day").run(
					(two) -> instance(schema, c, clock, 1000, "day").run((three) -> {
						ConfigurableApplicationContext[] instances = { one, two, three };
						int allowed = send(3000, 64, "acme", (i) -> instances[i % 3]);
						for (ConfigurableApplicationContext instance : instances) {
							flush(instance);
						}
						assertThat(allowed).isEqualTo(1000);
						assertThat(rows(schema, "acme")).isEqualTo(1000);
					})));
		}
	}

	@ParameterizedTest
	@EnumSource(TestDatabase.class)
	void anInstanceStoppedMidRunGivesItsBudgetBackToTheOthers(TestDatabase database) throws Exception {
		MutableClock clock = new MutableClock(NOW);
		try (TestSchema schema = database.newSchema(); HikariDataSource a = database.newDataSource(4);
				HikariDataSource b = database.newDataSource(4); HikariDataSource c = database.newDataSource(4)) {
			instance(schema, a, clock, 1000, "day").run((one) -> instance(schema, b, clock, 1000, "day").run(
					(two) -> instance(schema, c, clock, 1000, "day").run((three) -> {
						ConfigurableApplicationContext[] instances = { one, two, three };
						int before = send(600, 64, "acme", (i) -> instances[i % 3]);
						flush(three);
						three.close();
						int after = send(2400, 64, "acme", (i) -> instances[i % 2]);
						flush(one);
						flush(two);
						// An instance can be refused early while the others hold budget unused; never over.
						assertThat(before).isBetween(1, 600);
						assertThat(before + after).isBetween(995, 1000);
						assertThat(rows(schema, "acme")).isEqualTo(before + after);
					})));
		}
	}

	@ParameterizedTest
	@EnumSource(TestDatabase.class)
	void theBudgetOfAKilledInstanceReturnsToTheOthersAfterTheLeaseExpires(TestDatabase database)
			throws Exception {
		MutableClock clock = new MutableClock(NOW);
		AtomicReference<BigDecimal> reclaimed = new AtomicReference<>(BigDecimal.ZERO);
		QuotaObserver observer = new QuotaObserver() {

			@Override
			public void leaseExpired(BigDecimal amount) {
				reclaimed.accumulateAndGet(amount, BigDecimal::add);
			}

		};
		try (TestSchema schema = database.newSchema(); HikariDataSource a = database.newDataSource(4);
				HikariDataSource b = database.newDataSource(4)) {
			ApplicationContextRunner survivor = instance(schema, b, clock, 1000, "day",
					"metering.quota.lease.expiry=30s").withBean(QuotaObserver.class, () -> observer);
			instance(schema, a, clock, 1000, "day", "metering.quota.lease.initial-chunk=200").run((killed) -> {
				assertThat(send(30, 1, "acme", (i) -> killed)).isEqualTo(30);
				flush(killed);
				// kill -9: no shutdown hook gets to give the lease back.
				a.close();
			});
			survivor.run((other) -> {
				int beforeExpiry = send(1500, 16, "acme", (i) -> other);
				// The killed instance's unused lease is still out: the others cannot have it yet.
				assertThat(30 + beforeExpiry).isLessThan(1000);
				flush(other);
				clock.advance(Duration.ofSeconds(31));
				int afterExpiry = send(1500, 16, "acme", (i) -> other);
				flush(other);
				assertThat(30 + beforeExpiry + afterExpiry).isEqualTo(1000);
				assertThat(rows(schema, "acme")).isEqualTo(1000);
				assertThat(reclaimed.get()).isPositive();
			});
		}
	}

	@ParameterizedTest
	@EnumSource(TestDatabase.class)
	void twoInstancesTakingChunksFarFromTheLimitFromSixtyFourThreadsPassExactlyTheLimit(TestDatabase database)
			throws Exception {
		MutableClock clock = new MutableClock(NOW);
		try (TestSchema schema = database.newSchema(); HikariDataSource a = database.newDataSource(4);
				HikariDataSource b = database.newDataSource(4)) {
			// 20,000: the first chunk of each instance is a sixteenth of what no instance holds, scaled by
			// the share free (1,250 of 20,000 free): far from the limit, not the initial 10.
			instance(schema, a, clock, 20_000, "day").run((one) -> instance(schema, b, clock, 20_000, "day")
				.run((two) -> {
					ConfigurableApplicationContext[] instances = { one, two };
					int allowed = send(24_000, 64, "acme", (i) -> instances[i % 2]);
					flush(one);
					flush(two);
					assertThat(allowed).isEqualTo(20_000);
					assertThat(rows(schema, "acme")).isEqualTo(20_000);
				}));
		}
	}

	@ParameterizedTest
	@EnumSource(TestDatabase.class)
	void sixtyFourThreadsOnOneTenantOfOneInstancePassExactlyTheLimit(TestDatabase database) throws Exception {
		MutableClock clock = new MutableClock(NOW);
		try (TestSchema schema = database.newSchema(); HikariDataSource a = database.newDataSource(4)) {
			instance(schema, a, clock, 10_000, "day").run((one) -> {
				int allowed = send(12_000, 64, "acme", (i) -> one);
				flush(one);
				assertThat(allowed).isEqualTo(10_000);
				assertThat(rows(schema, "acme")).isEqualTo(10_000);
			});
		}
	}

}
