package dev.metering.quota.bus;

import java.math.BigDecimal;
import java.net.URI;
import java.time.Duration;

import dev.metering.admin.QuotaChange;
import dev.metering.admin.TenantChange;
import dev.metering.test.TestDatabase;
import dev.metering.test.TestSchema;
import io.lettuce.core.KillArgs;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.ApplicationContext;
import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import static dev.metering.quota.QuotaDecision.Outcome.ALLOW;
import static dev.metering.quota.QuotaDecision.Outcome.DENY;
import static dev.metering.quota.bus.TwoInstances.admin;
import static dev.metering.quota.bus.TwoInstances.await;
import static dev.metering.quota.bus.TwoInstances.bus;
import static dev.metering.quota.bus.TwoInstances.check;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two instances sharing a database and a Redis server: with a RedisConnectionFactory the bus is
 * Redis pub/sub; a change on instance 1 takes effect on instance 2 in under a second, and again
 * after Redis kills the subscriptions. Skipped unless {@code METERING_TEST_REDIS_URL} is set
 * ({@code .ci/run} sets it).
 */
class RedisBusPropagationTests {

	static final String REDIS_URL_VARIABLE = "METERING_TEST_REDIS_URL";

	private static final Duration BUS_DEADLINE = Duration.ofSeconds(1);

	@BeforeAll
	static void redisConfigured() {
		Assumptions.assumeTrue(System.getenv(REDIS_URL_VARIABLE) != null,
				"Redis not configured: set " + REDIS_URL_VARIABLE + " (e.g. redis://127.0.0.1:6379) to run the Redis bus tests");
	}

	@Test
	void upgradeAndCutOffReachTheOtherInstanceOverRedis() throws Exception {
		try (TestSchema schema = TestDatabase.POSTGRESQL.newSchema()) {
			redis(schema).run((one) -> redis(schema).run((two) -> {
				assertThat(bus(one)).isInstanceOf(RedisInvalidationBus.class);
				awaitConnected(one);
				awaitConnected(two);
				admin(one).createPlan("sales", "pro", null);
				admin(one).putPlanQuota("sales", "pro",
						new QuotaChange(TwoInstances.METER, "day", BigDecimal.valueOf(1000), "hard", null));
				assertThat(check(two, "acme")).isEqualTo(DENY);

				admin(one).putTenant("sales", "acme", new TenantChange("pro", null));
				assertThat(check(one, "acme")).isEqualTo(ALLOW);
				Duration upgrade = await(() -> check(two, "acme") == ALLOW, BUS_DEADLINE);
				assertThat(upgrade).isLessThan(BUS_DEADLINE);

				admin(one).putTenantQuota("support", "acme",
						new QuotaChange(TwoInstances.METER, "day", BigDecimal.ZERO, null, null));
				assertThat(check(one, "acme")).isEqualTo(DENY);
				Duration cut = await(() -> check(two, "acme") == DENY, BUS_DEADLINE);
				assertThat(cut).isLessThan(BUS_DEADLINE);
				System.out.println("redis bus: upgrade seen on instance 2 after " + upgrade.toMillis()
						+ " ms, cut-off after " + cut.toMillis() + " ms");
			}));
		}
	}

	@Test
	void recoversItsSubscriptionAfterRedisKillsItAndInvalidationsResume() throws Exception {
		try (TestSchema schema = TestDatabase.POSTGRESQL.newSchema()) {
			redis(schema).run((one) -> redis(schema).run((two) -> {
				awaitConnected(one);
				awaitConnected(two);
				assertThat(check(two, "acme")).isEqualTo(DENY);
				RedisClient client = RedisClient.create(System.getenv(REDIS_URL_VARIABLE));
				try (StatefulRedisConnection<String, String> connection = client.connect()) {
					assertThat(connection.sync().clientKill(KillArgs.Builder.typePubsub())).isGreaterThanOrEqualTo(2);
				}
				finally {
					client.shutdown();
				}
				await(() -> bus(two).state().reconnects() >= 1 && bus(two).state().connected(), Duration.ofSeconds(10));

				admin(one).putTenantQuota("support", "acme",
						new QuotaChange(TwoInstances.METER, "day", BigDecimal.TEN, null, null));
				assertThat(await(() -> check(two, "acme") == ALLOW, BUS_DEADLINE)).isLessThan(BUS_DEADLINE);
			}));
		}
	}

	private static ApplicationContextRunner redis(TestSchema schema) {
		return TwoInstances.runner(schema).withBean(LettuceConnectionFactory.class, () -> {
			URI uri = URI.create(System.getenv(REDIS_URL_VARIABLE));
			LettuceConnectionFactory factory = new LettuceConnectionFactory(
					new RedisStandaloneConfiguration(uri.getHost(), (uri.getPort() > 0) ? uri.getPort() : 6379));
			return factory;
		});
	}

	private static void awaitConnected(ApplicationContext instance) throws InterruptedException {
		await(() -> bus(instance).state().connected(), Duration.ofSeconds(10));
	}

}
