package dev.metering.quota.lease;

import java.io.PrintWriter;
import java.lang.reflect.Proxy;
import java.math.BigDecimal;
import java.sql.Connection;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import javax.sql.DataSource;

import dev.metering.quota.CachedQuotaDefinitions;
import dev.metering.quota.ConfiguredQuotaDefinitions;
import dev.metering.quota.Enforcement;
import dev.metering.quota.HardQuotaBudgets;
import dev.metering.quota.InMemoryLedger;
import dev.metering.quota.LedgerReadings;
import dev.metering.quota.LocalUsage;
import dev.metering.quota.OnUnknownUsage;
import dev.metering.quota.QuotaDecision;
import dev.metering.quota.QuotaEnforcementService;
import dev.metering.quota.QuotaObserver;
import dev.metering.quota.QuotaPolicy;
import dev.metering.quota.QuotaWindow;
import dev.metering.test.MutableClock;
import dev.metering.test.TestDatabase;
import dev.metering.test.TestSchema;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import org.springframework.jdbc.datasource.DelegatingDataSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The lease machinery of one instance on real databases: round trips per admitted request,
 * cold tenants, window roll-over.
 */
class QuotaLeasesTests {

	/** The defaults with a minute's idle-return, so a budget idle between the steps here is held, not given back. */
	private static final LeaseSettings SETTINGS = new LeaseSettings(Duration.ofSeconds(30), Duration.ofSeconds(2),
			BigDecimal.TEN, Duration.ofSeconds(60), Duration.ofSeconds(1), Duration.ofSeconds(2));

	private static final String METER = "http.requests";

	private final MutableClock clock = new MutableClock(Instant.parse("2026-11-23T10:15:00Z"));

	private final AtomicLong nanos = new AtomicLong();

	private final AtomicInteger roundTrips = new AtomicInteger();

	private final QuotaObserver counting = new QuotaObserver() {

		@Override
		public void leaseRoundTrip() {
			QuotaLeasesTests.this.roundTrips.incrementAndGet();
		}

	};

	@ParameterizedTest
	@EnumSource(TestDatabase.class)
	void aSteadyThousandRequestsASecondCostAtMostOneRoundTripPerHundredAdmitted(TestDatabase database) {
		try (TestSchema schema = database.newSchema()) {
			QuotaLeases leases = leases(schema.dataSource(), schema, Runnable::run);
			QuotaEnforcementService service = service(leases, hard(1_000_000_000L, QuotaWindow.DAY));
			int admitted = 0;
			// 30 seconds at 1,000 requests a second, maintenance every 5 seconds as scheduled.
			for (int i = 0; i < 30_000; i++) {
				this.nanos.addAndGet(1_000_000);
				this.clock.advance(Duration.ofMillis(1));
				if (service.check("acme", METER, 1).allowed()) {
					admitted++;
				}
				if (i % 5_000 == 4_999) {
					leases.maintain();
				}
			}
			assertThat(admitted).isEqualTo(30_000);
			System.out.println(database + ": " + this.roundTrips.get() + " lease round trips for " + admitted
					+ " admitted requests at 1,000/s");
			assertThat(this.roundTrips.get() * 100).isLessThanOrEqualTo(admitted);
		}
	}

	/**
	 * Two instances whose checks share one definitions object (each level's policies, and with
	 * them each policy's last budget), a check through the lineage from 32 threads at once: no
	 * level passes its limit; a burst may leave a few units in the other instance's leases (of a
	 * level the call was denied at another), which are admitted once that instance gives them back.
	 */
	@ParameterizedTest
	@EnumSource(TestDatabase.class)
	void twoInstancesSharingTheDefinitionsAdmitExactlyTheLimitOfEveryLevel(TestDatabase database) throws Exception {
		try (TestSchema schema = database.newSchema()) {
			ExecutorService background = Executors.newFixedThreadPool(2);
			QuotaLeases one = leases(schema.dataSource(), schema, background);
			QuotaLeases two = leases(schema.dataSource(), schema, background);
			// A hard 100 a day at every scope: the projects', the organisation's and the reseller's.
			CachedQuotaDefinitions shared = new CachedQuotaDefinitions(
					new ConfiguredQuotaDefinitions(Map.of("free", List.of(hard(100, QuotaWindow.DAY))), Map.of(), "free"),
					Duration.ofSeconds(30), 1000, Runnable::run);
			QuotaEnforcementService[] services = { service(one, shared), service(two, shared) };
			ExecutorService clients = Executors.newFixedThreadPool(32);
			try {
				List<Future<QuotaDecision>> decisions = new ArrayList<>();
				for (int i = 0; i < 400; i++) {
					QuotaEnforcementService service = services[i % 2];
					List<String> lineage = List.of("project-" + ((i / 2) % 2), "org", "reseller");
					decisions.add(clients.submit(
							() -> service.check(lineage, METER, BigDecimal.ONE, this.clock.instant())));
				}
				int allowed = 0;
				for (Future<QuotaDecision> decision : decisions) {
					if (decision.get().allowed()) {
						allowed++;
					}
				}
				assertThat(allowed).isLessThanOrEqualTo(100);
				two.close();
				// Past the refusals' retry delay: the first instance asks the database again.
				this.clock.advance(Duration.ofSeconds(10));
				for (int i = 0; i < 200; i++) {
					List<String> lineage = List.of("project-" + (i % 2), "org", "reseller");
					if (services[0].check(lineage, METER, BigDecimal.ONE, this.clock.instant()).allowed()) {
						allowed++;
					}
				}
				assertThat(allowed).isEqualTo(100);
			}
			finally {
				clients.shutdownNow();
				background.shutdownNow();
				one.close();
				two.close();
			}
		}
	}

	/** An instance takes only from its own budgets, whatever budget a check remembers. */
	@ParameterizedTest
	@EnumSource(TestDatabase.class)
	void aTakeUsesTheRememberedBudgetOnlyWhenItIsThisInstancesOfThatWindow(TestDatabase database) {
		try (TestSchema schema = database.newSchema()) {
			QuotaLeases one = leases(schema.dataSource(), schema, Runnable::run);
			QuotaLeases two = leases(schema.dataSource(), schema, Runnable::run);
			QuotaPolicy policy = hard(100, QuotaWindow.DAY);
			QuotaWindow.Bounds today = QuotaWindow.DAY.bounds(this.clock.instant());
			HardQuotaBudgets.WindowKey key = new HardQuotaBudgets.WindowKey("acme", METER, QuotaWindow.DAY,
					today.start(), today.end());
			HardQuotaBudgets.Take first = one.take(key, policy, BigDecimal.ONE, false);
			HardQuotaBudgets.Take other = two.take(key, first.budget(), policy, BigDecimal.ONE, false);
			assertThat(first.result()).isEqualTo(HardQuotaBudgets.Take.Result.TAKEN);
			assertThat(other.result()).isEqualTo(HardQuotaBudgets.Take.Result.TAKEN);
			assertThat(other.budget()).isNotSameAs(first.budget());
			assertThat(one.take(key, first.budget(), policy, BigDecimal.ONE, false).budget()).isSameAs(first.budget());
			HardQuotaBudgets.WindowKey tomorrow = new HardQuotaBudgets.WindowKey("acme", METER, QuotaWindow.DAY,
					today.end(), today.end().plus(Duration.ofDays(1)));
			assertThat(one.take(tomorrow, first.budget(), policy, BigDecimal.ONE, false).budget())
				.isNotSameAs(first.budget());
			one.close();
			two.close();
		}
	}

	@ParameterizedTest
	@EnumSource(TestDatabase.class)
	void concurrentColdChecksShareOneConnectionAndAreCoalesced(TestDatabase database) throws Exception {
		try (TestSchema schema = database.newSchema()) {
			AtomicInteger open = new AtomicInteger();
			AtomicInteger mostOpen = new AtomicInteger();
			DataSource counted = countingConnections(schema.dataSource(), open, mostOpen);
			AtomicInteger drains = new AtomicInteger();
			ExecutorService background = Executors.newFixedThreadPool(2);
			QuotaLeases leases = leases(counted, schema, (task) -> {
				drains.incrementAndGet();
				background.execute(task);
			});
			QuotaEnforcementService service = service(leases, hard(100, QuotaWindow.DAY));
			int tenants = 300;
			ExecutorService clients = Executors.newFixedThreadPool(32);
			try {
				List<Future<QuotaDecision>> decisions = new ArrayList<>();
				for (int t = 0; t < tenants; t++) {
					String tenant = "cold-" + t;
					decisions.add(clients.submit(() -> service.check(tenant, METER, 1)));
				}
				for (Future<QuotaDecision> decision : decisions) {
					assertThat(decision.get().allowed()).isTrue();
					assertThat(decision.get().usageKnown()).isTrue();
				}
			}
			finally {
				clients.shutdownNow();
				background.shutdownNow();
			}
			// Request threads never hold a connection: the one drainer does, one at a time.
			assertThat(mostOpen.get()).isEqualTo(1);
			assertThat(drains.get()).isLessThan(tenants);
			assertThat(leases.budgetCount()).isEqualTo(tenants);
		}
	}

	@ParameterizedTest
	@EnumSource(TestDatabase.class)
	void aNewWindowStartsFromZeroWhileTheOldOneNeverPassesItsLimit(TestDatabase database) {
		for (QuotaWindow window : QuotaWindow.values()) {
			try (TestSchema schema = database.newSchema()) {
				this.clock.set(Instant.parse("2026-11-30T23:59:50Z"));
				QuotaLeases leases = leases(schema.dataSource(), schema, Runnable::run);
				QuotaEnforcementService service = service(leases, hard(10, window));
				Instant old = this.clock.instant();
				for (int i = 0; i < 7; i++) {
					assertThat(service.check("acme", METER, 1).allowed()).isTrue();
				}
				// The old window's lease is still held as the clock passes the boundary.
				this.clock.set(window.end(window.start(old)));
				for (int i = 0; i < 10; i++) {
					assertThat(service.check("acme", METER, 1).allowed()).as(window + " new window, " + i).isTrue();
				}
				assertThat(service.check("acme", METER, 1).allowed()).isFalse();
				List<String> lineage = List.of("acme");
				int late = 0;
				for (int i = 0; i < 5; i++) {
					if (service.check(lineage, METER, BigDecimal.ONE, old).allowed()) {
						late++;
					}
				}
				assertThat(late).as(window + " old window").isEqualTo(3);
				leases.maintain();
				// Maintenance gave the ended window back: its allocation never passed the limit.
				assertThat(granted(schema, window, window.start(old))).isLessThanOrEqualTo(new BigDecimal("10"));
			}
		}
	}

	@ParameterizedTest
	@EnumSource(TestDatabase.class)
	void duringAnOutageTheLeasesHeldKeepAdmittingThenOnUnknownUsageDecides(TestDatabase database) {
		for (OnUnknownUsage onUnknown : OnUnknownUsage.values()) {
			try (TestSchema schema = database.newSchema()) {
				dev.metering.test.FaultyDataSource faulty = new dev.metering.test.FaultyDataSource(schema.dataSource());
				QuotaLeases leases = leases(faulty, schema, Runnable::run);
				// A limit of 100: the floor of a chunk far from the limit (6) is under the initial chunk.
				QuotaEnforcementService service = service(leases, hard(100, QuotaWindow.DAY), onUnknown);
				QuotaDecision first = service.check("acme", METER, 1);
				assertThat(first.allowed()).isTrue();
				// The first lease (the initial chunk of 10 plus the 1 asked for) is held: 10 more pass
				// without the database.
				faulty.mode(dev.metering.test.FaultyDataSource.Mode.FAIL);
				for (int i = 0; i < 10; i++) {
					QuotaDecision held = service.check("acme", METER, 1);
					assertThat(held.allowed()).isTrue();
					assertThat(held.usageKnown()).isTrue();
				}
				QuotaDecision beyond = service.check("acme", METER, 1);
				assertThat(beyond.usageKnown()).as(onUnknown.name()).isFalse();
				assertThat(beyond.allowed()).as(onUnknown.name()).isEqualTo(onUnknown == OnUnknownUsage.ALLOW);
				faulty.mode(dev.metering.test.FaultyDataSource.Mode.NORMAL);
				this.clock.advance(Duration.ofSeconds(2));
				QuotaDecision back = service.check("acme", METER, 1);
				assertThat(back.allowed()).isTrue();
				assertThat(back.usageKnown()).isTrue();
			}
		}
	}

	@ParameterizedTest
	@EnumSource(TestDatabase.class)
	void maintenanceRenewsManyLeasesInBatchesAndDrainsTheOneThatLapsed(TestDatabase database) {
		try (TestSchema schema = database.newSchema()) {
			AtomicInteger open = new AtomicInteger();
			AtomicInteger mostOpen = new AtomicInteger();
			AtomicInteger opened = new AtomicInteger();
			DataSource counted = countingConnections(schema.dataSource(), open, mostOpen);
			DataSource countingOpens = new DelegatingDataSource(counted) {

				@Override
				public Connection getConnection() throws java.sql.SQLException {
					opened.incrementAndGet();
					return super.getConnection();
				}

			};
			QuotaLeases leases = leases(countingOpens, schema, Runnable::run);
			QuotaEnforcementService service = service(leases, hard(100, QuotaWindow.DAY));
			int tenants = QuotaLeaseStore.RENEWALS_PER_BATCH + 100;
			for (int t = 0; t < tenants; t++) {
				assertThat(service.check("tenant-" + t, METER, 1).allowed()).isTrue();
			}
			// Another instance reclaimed one lease after it lapsed.
			schema.jdbc().update("DELETE FROM " + schema.prefix() + "quota_lease WHERE scope_id = 'tenant-7'");
			this.clock.advance(Duration.ofSeconds(11));
			this.nanos.addAndGet(Duration.ofSeconds(11).toNanos());
			long renewedUntil = this.clock.millis() + SETTINGS.expiry().toMillis();
			opened.set(0);

			leases.maintain();

			assertThat(opened.get()).as("connections for %d renewals", tenants).isLessThanOrEqualTo(2);
			assertThat(schema.jdbc()
				.queryForObject("SELECT COUNT(*) FROM " + schema.prefix() + "quota_lease WHERE expires_at = ?",
						Long.class, renewedUntil))
				.isEqualTo(tenants - 1);
			// The lapsed lease's budget was drained: its next check asks the database again.
			int before = this.roundTrips.get();
			assertThat(service.check("tenant-7", METER, 1).allowed()).isTrue();
			assertThat(this.roundTrips.get()).isGreaterThan(before);
			before = this.roundTrips.get();
			assertThat(service.check("tenant-8", METER, 1).allowed()).isTrue();
			assertThat(this.roundTrips.get()).isEqualTo(before);
		}
	}

	private BigDecimal granted(TestSchema schema, QuotaWindow window, Instant start) {
		return schema.jdbc()
			.queryForObject("SELECT granted FROM " + schema.prefix() + "quota_allocation WHERE scope_id = 'acme'"
					+ " AND window_kind = ? AND window_start = ?", BigDecimal.class, window.id(),
					start.getEpochSecond());
	}

	private QuotaLeases leases(DataSource dataSource, TestSchema schema, java.util.concurrent.Executor executor) {
		return new QuotaLeases(new QuotaLeaseStore(dataSource, schema.tables()),
				new InMemoryLedger(), this.clock, this.nanos::get, SETTINGS,
				executor, this.counting);
	}

	private QuotaEnforcementService service(QuotaLeases leases, CachedQuotaDefinitions definitions) {
		LocalUsage local = new LocalUsage((scope, meter) -> false, leases);
		LedgerReadings readings = new LedgerReadings(new InMemoryLedger(), local, Duration.ofSeconds(15), 1000,
				Runnable::run);
		return new QuotaEnforcementService(definitions, readings, local, leases, this.clock, OnUnknownUsage.DENY,
				(event) -> {
				}, QuotaObserver.NONE);
	}

	private QuotaEnforcementService service(QuotaLeases leases, QuotaPolicy policy) {
		return service(leases, policy, OnUnknownUsage.ALLOW);
	}

	private QuotaEnforcementService service(QuotaLeases leases, QuotaPolicy policy, OnUnknownUsage onUnknown) {
		ConfiguredQuotaDefinitions definitions = new ConfiguredQuotaDefinitions(Map.of("free", List.of(policy)),
				Map.of(), "free");
		LocalUsage local = new LocalUsage((scope, meter) -> false, leases);
		LedgerReadings readings = new LedgerReadings(new InMemoryLedger(), local, Duration.ofSeconds(15), 1000,
				Runnable::run);
		return new QuotaEnforcementService(definitions, readings, local, leases, this.clock, onUnknown,
				(event) -> {
				}, QuotaObserver.NONE);
	}

	private static QuotaPolicy hard(long limit, QuotaWindow window) {
		return new QuotaPolicy("free-" + METER + "-" + window.id(), METER, BigDecimal.valueOf(limit), window,
				Enforcement.HARD, null);
	}

	private static DataSource countingConnections(DataSource target, AtomicInteger open, AtomicInteger mostOpen) {
		return new DelegatingDataSource(target) {

			@Override
			public Connection getConnection() throws java.sql.SQLException {
				Connection connection = super.getConnection();
				mostOpen.accumulateAndGet(open.incrementAndGet(), Math::max);
				return (Connection) Proxy.newProxyInstance(getClass().getClassLoader(),
						new Class<?>[] { Connection.class }, (proxy, method, args) -> {
							if (method.getName().equals("close")) {
								open.decrementAndGet();
							}
							try {
								return method.invoke(connection, args);
							}
							catch (java.lang.reflect.InvocationTargetException ex) {
								throw ex.getCause();
							}
						});
			}

			@Override
			public PrintWriter getLogWriter() {
				return null;
			}

		};
	}

}
