package dev.metering.quota;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiPredicate;
import java.util.function.IntFunction;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariDataSource;

import dev.metering.autoconfigure.MeteringLedgerAutoConfiguration;
import dev.metering.autoconfigure.MeteringQuotaAutoConfiguration;
import dev.metering.autoconfigure.MeteringRollupAutoConfiguration;
import dev.metering.event.UsageEvent;
import dev.metering.event.UsageRecorder;
import dev.metering.ledger.BufferedLedgerWriter;
import dev.metering.test.TestSchema;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Application instances of the kit on one database: each its own context on its own
 * {@link DataSource} (pool), as separate processes would be, sharing the test's clock.
 */
public final class LeaseInstances {

	public static final String METER = "http.requests";

	private LeaseInstances() {
	}

	/** A runner of one instance over a schema with a hard quota of the free plan. */
	public static ApplicationContextRunner instance(TestSchema schema, DataSource dataSource, Clock clock, long limit,
			String window, String... more) {
		return new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(MeteringLedgerAutoConfiguration.class,
					MeteringRollupAutoConfiguration.class, MeteringQuotaAutoConfiguration.class))
			.withBean(DataSource.class, () -> dataSource)
			.withBean(Clock.class, () -> clock)
			.withPropertyValues("metering.jdbc.table-prefix=" + schema.prefix(), "metering.jdbc.initialize-schema=never",
					"metering.rollup.enabled=false", "metering.default-plan=free",
					// Exactness holds while the database answers: on a saturated machine a lease request can
					// take longer than the default 2 s, and an unanswered one is decided by on-unknown-usage.
					"metering.quota.lease.request-timeout=60s",
					"metering.plans.free.quotas[0].meter=" + METER, "metering.plans.free.quotas[0].limit=" + limit,
					"metering.plans.free.quotas[0].window=" + window, "metering.plans.free.quotas[0].enforcement=hard")
			.withPropertyValues(more);
	}

	/**
	 * Checks one request of a tenant and, when allowed, records it as the filter does.
	 * @param context the instance
	 * @param tenant the tenant
	 * @return whether the request was allowed
	 */
	public static boolean request(ConfigurableApplicationContext context, String tenant) {
		QuotaEnforcementService quotas = context.getBean(QuotaEnforcementService.class);
		QuotaDecision decision = quotas.check(tenant, METER, 1);
		if (!decision.allowed()) {
			return false;
		}
		UsageRecorder recorder = context.getBean(UsageRecorder.class);
		UsageEvent event = UsageEvent.builder(tenant, METER).occurredAt(quotas.getClock().instant()).build();
		decision.reservation().record(recorder, event);
		return true;
	}

	/**
	 * Sends {@code requests} requests from {@code clients} threads, request {@code i} to the
	 * instance {@code target.apply(i)} (skipped when that returns {@code null}).
	 * @return the number allowed
	 */
	static int send(int requests, int clients, String tenant, IntFunction<ConfigurableApplicationContext> target)
			throws Exception {
		return sendEach(requests, clients, target, (i) -> tenant, LeaseInstances::request);
	}

	/**
	 * Sends {@code requests} requests from {@code clients} threads, request {@code i} of the tenant
	 * {@code tenantOf.apply(i)} to the instance {@code target.apply(i)} (skipped when that returns
	 * {@code null}), each made by {@code requester}.
	 * @return the number allowed
	 */
	public static int sendEach(int requests, int clients, IntFunction<ConfigurableApplicationContext> target,
			IntFunction<String> tenantOf, BiPredicate<ConfigurableApplicationContext, String> requester)
			throws Exception {
		ExecutorService pool = Executors.newFixedThreadPool(clients);
		AtomicInteger next = new AtomicInteger();
		AtomicInteger allowed = new AtomicInteger();
		try {
			List<Future<?>> futures = new ArrayList<>();
			for (int c = 0; c < clients; c++) {
				futures.add(pool.submit(() -> {
					int i;
					while ((i = next.getAndIncrement()) < requests) {
						ConfigurableApplicationContext context = target.apply(i);
						if (context != null && requester.test(context, tenantOf.apply(i))) {
							allowed.incrementAndGet();
						}
					}
					return null;
				}));
			}
			for (Future<?> future : futures) {
				future.get();
			}
		}
		finally {
			pool.shutdownNow();
		}
		return allowed.get();
	}

	public static void flush(ConfigurableApplicationContext context) {
		if (!context.getBean(BufferedLedgerWriter.class).flush(Duration.ofSeconds(20))) {
			throw new IllegalStateException("writer did not flush");
		}
	}

	static long rows(TestSchema schema, String tenant) {
		Long count = schema.jdbc()
			.queryForObject("SELECT COUNT(*) FROM " + schema.tables().usageEvent() + " WHERE tenant_id = ?", Long.class,
					tenant);
		return (count != null) ? count : 0;
	}

	static void closeQuietly(HikariDataSource... dataSources) {
		for (HikariDataSource dataSource : dataSources) {
			dataSource.close();
		}
	}

}
