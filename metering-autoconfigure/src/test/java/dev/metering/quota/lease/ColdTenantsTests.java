package dev.metering.quota.lease;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import com.zaxxer.hikari.HikariDataSource;

import dev.metering.autoconfigure.MeteringAdminAutoConfiguration;
import dev.metering.autoconfigure.MeteringBusAutoConfiguration;
import dev.metering.autoconfigure.MeteringTenantAutoConfiguration;
import dev.metering.event.UsageEvent;
import dev.metering.event.UsageRecorder;
import dev.metering.quota.ConfiguredQuotaDefinitions;
import dev.metering.quota.Enforcement;
import dev.metering.quota.InMemoryLedger;
import dev.metering.quota.LeaseInstances;
import dev.metering.quota.LedgerReadings;
import dev.metering.quota.LocalUsage;
import dev.metering.quota.OnUnknownUsage;
import dev.metering.quota.QuotaDecision;
import dev.metering.quota.QuotaEnforcementService;
import dev.metering.quota.QuotaObserver;
import dev.metering.quota.QuotaPolicy;
import dev.metering.quota.QuotaWindow;
import dev.metering.tenant.TenantDirectory;
import dev.metering.test.MutableClock;
import dev.metering.test.StatementCountingDataSource;
import dev.metering.test.TestDatabase;
import dev.metering.test.TestSchema;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.context.ConfigurableApplicationContext;

import static dev.metering.quota.LeaseInstances.flush;
import static dev.metering.quota.LeaseInstances.instance;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Many tenants seen for the first time at once: their lease
 * requests are served in batches with a fixed number of statements per batch, the definitions
 * of a tenant without rows take no query, and every tenant's hard limit stays exact.
 */
class ColdTenantsTests {

	private static final String METER = LeaseInstances.METER;

	/** Allocations read, new ones created, and the grant (update, read of what it granted, lease upsert). */
	private static final int LEASE_STATEMENTS_PER_BATCH = 5;

	/** The ledger read of the new windows of a batch (the rollup reader's progress and its grouped sum). */
	private static final int LEDGER_STATEMENTS_PER_BATCH = 2;

	private final MutableClock clock = new MutableClock(Instant.parse("2026-11-23T10:15:00Z"));

	private static final AtomicInteger unknown = new AtomicInteger();

	@ParameterizedTest
	@EnumSource(TestDatabase.class)
	void twoHundredColdTenantsQueuedTogetherTakeOneBatchOfFiveStatements(TestDatabase database) throws Exception {
		try (TestSchema schema = database.newSchema()) {
			StatementCountingDataSource counted = new StatementCountingDataSource(schema.dataSource());
			CountDownLatch gate = new CountDownLatch(1);
			ExecutorService background = Executors.newFixedThreadPool(2);
			LeaseSettings settings = new LeaseSettings(Duration.ofSeconds(30), Duration.ofSeconds(2), BigDecimal.TEN,
					Duration.ofSeconds(60), Duration.ofSeconds(1), Duration.ofSeconds(60));
			AtomicLong nanos = new AtomicLong();
			QuotaLeases leases = new QuotaLeases(new QuotaLeaseStore(counted, schema.tables()), new InMemoryLedger(),
					this.clock, nanos::get, settings, (task) -> background.execute(() -> {
						await(gate);
						task.run();
					}), QuotaObserver.NONE);
			QuotaEnforcementService service = service(leases, 100);
			int tenants = 200;
			ExecutorService clients = Executors.newFixedThreadPool(tenants);
			try {
				List<Future<QuotaDecision>> decisions = new ArrayList<>();
				for (int t = 0; t < tenants; t++) {
					String tenant = "cold-" + t;
					decisions.add(clients.submit(() -> service.check(tenant, METER, 1)));
				}
				long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
				while (leases.requests().pending() < tenants && System.nanoTime() < deadline) {
					Thread.sleep(5);
				}
				assertThat(leases.requests().pending()).isEqualTo(tenants);
				// Every check waits for its lease, and none holds a connection meanwhile.
				assertThat(counted.mostOpen()).isZero();
				counted.reset();
				gate.countDown();
				for (Future<QuotaDecision> decision : decisions) {
					assertThat(decision.get(30, TimeUnit.SECONDS).allowed()).isTrue();
					assertThat(decision.get().usageKnown()).isTrue();
				}
			}
			finally {
				clients.shutdownNow();
				background.shutdownNow();
			}
			assertThat(leases.requests().batches()).isEqualTo(1);
			assertThat(counted.statements()).as("statements of one batch of %d cold tenants: %s", tenants,
					StatementCountingDataSource.shortened(counted.statements()))
				.hasSizeLessThanOrEqualTo(LEASE_STATEMENTS_PER_BATCH);
			assertThat(counted.mostOpen()).isEqualTo(1);
			assertThat(granted(schema)).isEqualByComparingTo(BigDecimal.valueOf(tenants * 11L));
		}
	}

	@ParameterizedTest
	@EnumSource(TestDatabase.class)
	void coldTenantsShareTheirStatementsAndEachGetsExactlyItsLimit(TestDatabase database) throws Exception {
		int tenants = 200;
		int limit = 3;
		int requestsPerTenant = 5;
		try (TestSchema schema = database.newSchema(); HikariDataSource pool = database.newDataSource(8)) {
			StatementCountingDataSource counted = new StatementCountingDataSource(pool);
			instance(schema, counted, this.clock, limit, "day")
				.withConfiguration(AutoConfigurations.of(MeteringTenantAutoConfiguration.class,
						MeteringAdminAutoConfiguration.class, MeteringBusAutoConfiguration.class))
				// In-process invalidations: PostgreSQL's LISTEN connection would be counted too. A
				// check waits for its lease as long as a busy machine needs: one that gave up would be
				// admitted unknown (fail open) and the exact count would not be what is tested.
				.withPropertyValues("metering.bus.type=in-process", "metering.quota.lease.request-timeout=60s")
				.run((context) -> {
					assertThat(context).hasNotFailed();
					QuotaLeases leases = context.getBean(QuotaLeases.class);
					unknown.set(0);
					// The first request of every tenant, 32 at a time.
					counted.reset();
					Map<String, AtomicInteger> allowed = new ConcurrentHashMap<>();
					List<String> first = new ArrayList<>();
					for (int t = 0; t < tenants; t++) {
						first.add("tenant-" + t);
					}
					send(context, first, allowed);
					List<String> statements = counted.statementsBesidesLedgerWrites();
					long batches = leases.requests().batches();
					// Per batch: the lease statements and the ledger read; once: which tenants
					// have rows, the plan's quotas, and the hierarchy's edges.
					assertThat(statements).as("statements of %d cold tenants' first checks in %d batches: %s", tenants,
							batches, StatementCountingDataSource.shortened(statements))
						.hasSizeLessThanOrEqualTo(
								(int) batches * (LEASE_STATEMENTS_PER_BATCH + LEDGER_STATEMENTS_PER_BATCH) + 3);
					assertThat(batches).isLessThanOrEqualTo(tenants);
					assertThat(allowed.values()).hasSize(tenants).allSatisfy((n) -> assertThat(n.get()).isEqualTo(1));
					// Then every tenant's other requests, all of them at once, shuffled.
					List<String> rest = new ArrayList<>();
					for (int r = 1; r < requestsPerTenant; r++) {
						rest.addAll(first);
					}
					Collections.shuffle(rest, new Random(9));
					send(context, rest, allowed);
					flush(context);
					assertThat(unknown.getAndSet(0)).as("checks admitted without a lease answer").isZero();
					assertThat(allowed.values()).allSatisfy((n) -> assertThat(n.get()).isEqualTo(limit));
					Map<String, Long> rows = new ConcurrentHashMap<>();
					schema.jdbc()
						.query("SELECT tenant_id, COUNT(*) FROM " + schema.tables().usageEvent() + " GROUP BY tenant_id",
								(rs) -> {
									rows.put(rs.getString(1), rs.getLong(2));
								});
					assertThat(rows).hasSize(tenants).allSatisfy((tenant, n) -> assertThat(n).isEqualTo(limit));
				});
		}
	}

	/** Sends one request per entry from 32 threads, as the filter does: lineage, check, record. */
	private static void send(ConfigurableApplicationContext context, List<String> requests,
			Map<String, AtomicInteger> allowed) throws Exception {
		QuotaEnforcementService quotas = context.getBean(QuotaEnforcementService.class);
		TenantDirectory directory = context.getBean(TenantDirectory.class);
		UsageRecorder recorder = context.getBean(UsageRecorder.class);
		ExecutorService clients = Executors.newFixedThreadPool(32);
		try {
			List<Future<?>> futures = new ArrayList<>();
			for (String tenant : requests) {
				futures.add(clients.submit(() -> {
					Instant at = quotas.getClock().instant();
					QuotaDecision decision = quotas.check(directory.lineageOf(tenant).scopes(), METER, BigDecimal.ONE,
							at);
					if (!decision.usageKnown()) {
						unknown.incrementAndGet();
					}
					if (decision.allowed()) {
						allowed.computeIfAbsent(tenant, (t) -> new AtomicInteger()).incrementAndGet();
						UsageEvent event = UsageEvent.builder(tenant, METER).occurredAt(at).build();
						decision.reservation().record(recorder, event);
					}
					return null;
				}));
			}
			for (Future<?> future : futures) {
				future.get(60, TimeUnit.SECONDS);
			}
		}
		finally {
			clients.shutdownNow();
		}
	}

	private QuotaEnforcementService service(QuotaLeases leases, long limit) {
		QuotaPolicy policy = new QuotaPolicy("free-" + METER + "-day", METER, BigDecimal.valueOf(limit), QuotaWindow.DAY,
				Enforcement.HARD, null);
		ConfiguredQuotaDefinitions definitions = new ConfiguredQuotaDefinitions(Map.of("free", List.of(policy)),
				Map.of(), "free");
		LocalUsage local = new LocalUsage((scope, meter) -> false, leases);
		LedgerReadings readings = new LedgerReadings(new InMemoryLedger(), local, Duration.ofSeconds(15), 1000,
				Runnable::run);
		return new QuotaEnforcementService(definitions, readings, local, leases, this.clock, OnUnknownUsage.ALLOW,
				(event) -> {
				}, QuotaObserver.NONE);
	}

	private static BigDecimal granted(TestSchema schema) {
		return schema.jdbc()
			.queryForObject("SELECT SUM(granted) FROM " + schema.prefix() + "quota_allocation", BigDecimal.class);
	}

	private static void await(CountDownLatch gate) {
		try {
			gate.await(60, TimeUnit.SECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

}
