package dev.metering.quota.lease;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import dev.metering.quota.ConfiguredQuotaDefinitions;
import dev.metering.quota.Enforcement;
import dev.metering.quota.InMemoryLedger;
import dev.metering.quota.LedgerReadings;
import dev.metering.quota.LocalUsage;
import dev.metering.quota.OnUnknownUsage;
import dev.metering.quota.QuotaEnforcementService;
import dev.metering.quota.QuotaObserver;
import dev.metering.quota.QuotaPolicy;
import dev.metering.quota.QuotaWindow;
import dev.metering.rollup.UsageReader;
import dev.metering.test.MutableClock;
import dev.metering.test.StatementCountingDataSource;
import dev.metering.test.TestDatabase;
import dev.metering.test.TestSchema;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What an instance's hard-quota budget gives back to the shared allocation, and how much it asks
 * for: unused budget returns when idle, when its window ends and beyond two chunks at the current
 * rate, and a chunk is at most a quarter of what no instance holds.
 */
class LeaseBudgetReturnTests {

	/** The defaults with a minute's idle-return, so a budget idle between the steps here is held, not given back. */
	private static final LeaseSettings SETTINGS = new LeaseSettings(Duration.ofSeconds(30), Duration.ofSeconds(2),
			BigDecimal.TEN, Duration.ofSeconds(60), Duration.ofSeconds(1), Duration.ofSeconds(2));

	private static final String METER = "http.requests";

	private final MutableClock clock = new MutableClock(Instant.parse("2026-11-23T10:15:00Z"));

	private final AtomicLong nanos = new AtomicLong();

	private final AtomicReference<BigDecimal> returned = new AtomicReference<>(BigDecimal.ZERO);

	private final QuotaObserver observer = new QuotaObserver() {

		@Override
		public void leaseReturned(BigDecimal amount) {
			LeaseBudgetReturnTests.this.returned.accumulateAndGet(amount, BigDecimal::add);
		}

	};

	@ParameterizedTest
	@EnumSource(TestDatabase.class)
	void anIdleBudgetIsGivenBack(TestDatabase database) {
		try (TestSchema schema = database.newSchema()) {
			QuotaLeases leases = leases(schema);
			QuotaEnforcementService service = service(leases, hard(1000, QuotaWindow.DAY));
			assertThat(service.check("acme", METER, 1).allowed()).isTrue();
			assertThat(granted(schema, QuotaWindow.DAY)).isGreaterThan(BigDecimal.ONE);

			this.nanos.addAndGet(Duration.ofSeconds(59).toNanos());
			leases.maintain();
			assertThat(granted(schema, QuotaWindow.DAY)).as("not idle yet").isGreaterThan(BigDecimal.ONE);

			this.nanos.addAndGet(Duration.ofSeconds(2).toNanos());
			leases.maintain();
			assertThat(granted(schema, QuotaWindow.DAY)).isEqualByComparingTo("1");
			assertThat(this.returned.get()).isPositive();
			assertThat(leases.budgetCount()).isZero();
		}
	}

	@ParameterizedTest
	@EnumSource(TestDatabase.class)
	void idleBudgetsOfManyTenantsGoBackTogether(TestDatabase database) {
		try (TestSchema schema = database.newSchema()) {
			StatementCountingDataSource counted = new StatementCountingDataSource(schema.dataSource());
			QuotaLeases leases = new QuotaLeases(new QuotaLeaseStore(counted, schema.tables()), new InMemoryLedger(),
					this.clock, this.nanos::get, SETTINGS, Runnable::run, this.observer);
			QuotaEnforcementService service = service(leases, hard(1000, QuotaWindow.DAY));
			// More than two transactions' worth of leases, each tenant checked once.
			int tenants = 2 * QuotaLeaseStore.RENEWALS_PER_BATCH + 200;
			for (int t = 0; t < tenants; t++) {
				assertThat(service.check("idle-" + t, METER, 1).allowed()).isTrue();
			}
			String held = "SELECT SUM(granted) FROM " + schema.prefix() + "quota_allocation WHERE scope_id LIKE 'idle-%'";
			BigDecimal heldBefore = schema.jdbc().queryForObject(held, BigDecimal.class);
			this.nanos.addAndGet(Duration.ofSeconds(61).toNanos());
			counted.reset();

			leases.maintain();

			assertThat(leases.budgetCount()).isZero();
			assertThat(this.returned.get()).isEqualByComparingTo(heldBefore.subtract(BigDecimal.valueOf(tenants)));
			String allocations = "SELECT COUNT(*) FROM " + schema.prefix()
					+ "quota_allocation WHERE scope_id LIKE 'idle-%' AND granted = 1";
			assertThat(schema.jdbc().queryForObject(allocations, Long.class)).isEqualTo(tenants);
			String leased = "SELECT COUNT(*) FROM " + schema.prefix()
					+ "quota_lease WHERE scope_id LIKE 'idle-%' AND amount = 1";
			assertThat(schema.jdbc().queryForObject(leased, Long.class)).isEqualTo(tenants);
			// Two JDBC batches a transaction of 500 leases (the allocations', the leases'), where one
			// transaction of two statements a lease went before: 6 on H2, PostgreSQL and MariaDB.
			assertThat(counted.statements()).as("statements for %d give-backs", tenants).hasSizeLessThanOrEqualTo(6);
		}
	}

	@ParameterizedTest
	@EnumSource(TestDatabase.class)
	void aBudgetIsGivenBackWhenItsWindowEnds(TestDatabase database) {
		try (TestSchema schema = database.newSchema()) {
			this.clock.set(Instant.parse("2026-11-23T10:59:50Z"));
			QuotaLeases leases = leases(schema);
			QuotaEnforcementService service = service(leases, hard(1000, QuotaWindow.HOUR));
			assertThat(service.check("acme", METER, 1).allowed()).isTrue();
			BigDecimal held = granted(schema, QuotaWindow.HOUR).subtract(BigDecimal.ONE);
			assertThat(held).isPositive();

			this.clock.set(Instant.parse("2026-11-23T11:00:00Z"));
			leases.maintain();

			assertThat(granted(schema, QuotaWindow.HOUR)).isEqualByComparingTo("1");
			assertThat(this.returned.get()).isEqualByComparingTo(held);
		}
	}

	@ParameterizedTest
	@EnumSource(TestDatabase.class)
	void aBudgetOverTwoChunksAtItsCurrentRateGivesTheExcessBack(TestDatabase database) {
		try (TestSchema schema = database.newSchema()) {
			// 990,000 of the limit used before this instance's first lease: near the limit, so the
			// chunks are the rate's (the floor far from the limit is 6 here).
			QuotaLeases leases = new QuotaLeases(new QuotaLeaseStore(schema.dataSource(), schema.tables()),
					usedBefore(BigDecimal.valueOf(990_000)), this.clock, this.nanos::get, SETTINGS, Runnable::run,
					this.observer);
			QuotaEnforcementService service = service(leases, hard(1_000_000, QuotaWindow.DAY));
			// A second at 1,000 checks a second: chunks of 2 s at that rate, 2,000 each.
			int admitted = 0;
			for (int i = 0; i < 1000; i++) {
				this.nanos.addAndGet(1_000_000);
				if (service.check("acme", METER, 1).allowed()) {
					admitted++;
				}
			}
			assertThat(admitted).isEqualTo(1000);
			BigDecimal used = BigDecimal.valueOf(990_000 + admitted);
			assertThat(granted(schema, QuotaWindow.DAY).subtract(used)).as("held at 1,000/s").isGreaterThan(BigDecimal.valueOf(100));

			// Quiet for 20 s (short of idle-return), maintenance as scheduled: the rate falls to zero
			// and a chunk to the initial 10.
			for (int i = 0; i < 4; i++) {
				this.nanos.addAndGet(Duration.ofSeconds(5).toNanos());
				leases.maintain();
			}

			BigDecimal held = granted(schema, QuotaWindow.DAY).subtract(used);
			assertThat(held).isPositive().isLessThanOrEqualTo(BigDecimal.valueOf(20));
			assertThat(leases.budgetCount()).isEqualTo(1);
		}
	}

	@ParameterizedTest
	@EnumSource(TestDatabase.class)
	void aChunkIsAtMostAQuarterOfWhatNoInstanceHolds(TestDatabase database) {
		try (TestSchema schema = database.newSchema()) {
			QuotaLeases first = leases(schema);
			QuotaLeases second = leases(schema);
			QuotaEnforcementService one = service(first, hard(20, QuotaWindow.DAY));
			QuotaEnforcementService two = service(second, hard(20, QuotaWindow.DAY));

			// 20 free: the unit asked for plus a chunk of 5 (not the initial 10).
			assertThat(one.check("acme", METER, 1).allowed()).isTrue();
			assertThat(granted(schema, QuotaWindow.DAY)).isEqualByComparingTo("6");
			// 14 free: the unit plus 4.
			assertThat(two.check("acme", METER, 1).allowed()).isTrue();
			assertThat(granted(schema, QuotaWindow.DAY)).isEqualByComparingTo("11");

			// Near the limit the chunks shrink to single units, and the two together admit exactly 20.
			int admitted = 2;
			// A second apart (retry-interval), well within the leases' expiry.
			for (int i = 0; i < 24; i++) {
				this.clock.advance(Duration.ofSeconds(1));
				if (((i % 2 == 0) ? one : two).check("acme", METER, 1).allowed()) {
					admitted++;
				}
			}
			assertThat(granted(schema, QuotaWindow.DAY)).isLessThanOrEqualTo(BigDecimal.valueOf(20));
			assertThat(admitted).isEqualTo(20);
		}
	}

	@ParameterizedTest
	@EnumSource(TestDatabase.class)
	void farFromItsLimitALowRateTenantAsksForBudgetOnceNotEveryChunkDuration(TestDatabase database) {
		try (TestSchema schema = database.newSchema()) {
			AtomicInteger grants = new AtomicInteger();
			QuotaObserver counting = new QuotaObserver() {

				@Override
				public void leaseGranted(BigDecimal amount) {
					grants.incrementAndGet();
				}

			};
			QuotaLeases leases = new QuotaLeases(new QuotaLeaseStore(schema.dataSource(), schema.tables()),
					new InMemoryLedger(), this.clock, this.nanos::get, SETTINGS, Runnable::run, counting);
			QuotaEnforcementService service = service(leases, hard(1_000_000_000, QuotaWindow.MONTH));
			// Five checks a second for a minute, maintenance every 5 s as scheduled: at the rate's
			// chunks (the initial 10, 2 s of 5 a second) that was a lease request every 2 s.
			for (int second = 1; second <= 60; second++) {
				for (int i = 0; i < 5; i++) {
					step(Duration.ofMillis(200));
					assertThat(service.check("acme", METER, 1).allowed()).isTrue();
				}
				if (second % 5 == 0) {
					leases.maintain();
				}
			}
			assertThat(grants.get()).as("lease grants in a minute").isEqualTo(1);
			// The unit asked for and a sixteenth of the limit, held and renewed, not trimmed.
			assertThat(granted(schema, QuotaWindow.MONTH)).isEqualByComparingTo("62500001");
			assertThat(leases.budgetCount()).isEqualTo(1);
		}
	}

	@ParameterizedTest
	@EnumSource(TestDatabase.class)
	void twoInstancesFarFromTheLimitAndThenAtItAdmitExactlyTheLimit(TestDatabase database) {
		try (TestSchema schema = database.newSchema()) {
			QuotaLeases first = leases(schema);
			QuotaLeases second = leases(schema);
			QuotaEnforcementService one = service(first, hard(1000, QuotaWindow.DAY));
			QuotaEnforcementService two = service(second, hard(1000, QuotaWindow.DAY));

			// 1,000 free: the unit and a sixteenth (62); then 937 free: the unit and 54.
			assertThat(one.check("acme", METER, 1).allowed()).isTrue();
			assertThat(granted(schema, QuotaWindow.DAY)).isEqualByComparingTo("63");
			assertThat(two.check("acme", METER, 1).allowed()).isTrue();
			assertThat(granted(schema, QuotaWindow.DAY)).isEqualByComparingTo("118");

			// Alternately, a second apart, past the limit: the floor falls away as the window fills
			// and the two admit exactly the limit between them.
			int admitted = 2;
			for (int i = 0; i < 2400; i++) {
				step(Duration.ofSeconds(1));
				if (((i % 2 == 0) ? one : two).check("acme", METER, 1).allowed()) {
					admitted++;
				}
				if (i % 5 == 0) {
					first.maintain();
					second.maintain();
				}
			}
			assertThat(granted(schema, QuotaWindow.DAY)).isEqualByComparingTo("1000");
			assertThat(admitted).isEqualTo(1000);
		}
	}

	@ParameterizedTest
	@EnumSource(TestDatabase.class)
	void aBudgetInUseForAWhileStaysAcrossGapsLongerThanIdleReturn(TestDatabase database) {
		try (TestSchema schema = database.newSchema()) {
			LeaseSettings settings = new LeaseSettings(Duration.ofSeconds(30), Duration.ofSeconds(2), BigDecimal.TEN,
					Duration.ofSeconds(10), Duration.ofSeconds(1), Duration.ofSeconds(2));
			QuotaLeases leases = new QuotaLeases(new QuotaLeaseStore(schema.dataSource(), schema.tables()),
					new InMemoryLedger(), this.clock, this.nanos::get, settings, Runnable::run, this.observer);
			QuotaEnforcementService service = service(leases, hard(1000, QuotaWindow.DAY));
			// regular: a check every 8 s for 40 s; once: a single check.
			assertThat(service.check("regular", METER, 1).allowed()).isTrue();
			assertThat(service.check("once", METER, 1).allowed()).isTrue();
			for (int i = 0; i < 5; i++) {
				step(Duration.ofSeconds(8));
				leases.maintain();
				assertThat(service.check("regular", METER, 1).allowed()).isTrue();
			}
			assertThat(grantedOf(schema, "once")).as("seen once: back after idle-return").isEqualByComparingTo("1");

			// A gap of 35 s, longer than idle-return but shorter than the 40 s it was in use.
			for (int i = 0; i < 7; i++) {
				step(Duration.ofSeconds(5));
				leases.maintain();
			}
			assertThat(grantedOf(schema, "regular")).as("held across the gap").isGreaterThan(BigDecimal.valueOf(6));
			assertThat(leases.budgetCount()).isEqualTo(1);

			// Idle longer than it was in use: back.
			for (int i = 0; i < 2; i++) {
				step(Duration.ofSeconds(5));
				leases.maintain();
			}
			assertThat(grantedOf(schema, "regular")).isEqualByComparingTo("6");
			assertThat(leases.budgetCount()).isZero();
		}
	}

	@ParameterizedTest
	@EnumSource(TestDatabase.class)
	void noBudgetStaysIdleLongerThanSixTimesIdleReturn(TestDatabase database) {
		try (TestSchema schema = database.newSchema()) {
			LeaseSettings settings = new LeaseSettings(Duration.ofSeconds(30), Duration.ofSeconds(2), BigDecimal.TEN,
					Duration.ofSeconds(10), Duration.ofSeconds(1), Duration.ofSeconds(2));
			QuotaLeases leases = new QuotaLeases(new QuotaLeaseStore(schema.dataSource(), schema.tables()),
					new InMemoryLedger(), this.clock, this.nanos::get, settings, Runnable::run, this.observer);
			QuotaEnforcementService service = service(leases, hard(1000, QuotaWindow.DAY));
			// In use for ten minutes, a check every 5 s.
			for (int i = 0; i < 120; i++) {
				step(Duration.ofSeconds(5));
				leases.maintain();
				assertThat(service.check("acme", METER, 1).allowed()).isTrue();
			}
			for (int i = 0; i < 12; i++) {
				step(Duration.ofSeconds(5));
				leases.maintain();
			}
			assertThat(leases.budgetCount()).as("idle 60 s").isEqualTo(1);
			step(Duration.ofSeconds(5));
			leases.maintain();
			assertThat(leases.budgetCount()).as("idle 65 s").isZero();
			assertThat(grantedOf(schema, "acme")).isEqualByComparingTo("120");
		}
	}

	@ParameterizedTest
	@EnumSource(TestDatabase.class)
	void anIdleBudgetFarFromItsLimitServesAReturningTenantWithoutAStatementUntilItsLeaseIsDue(TestDatabase database) {
		try (TestSchema schema = database.newSchema()) {
			StatementCountingDataSource counted = new StatementCountingDataSource(schema.dataSource());
			QuotaLeases leases = new QuotaLeases(new QuotaLeaseStore(counted, schema.tables()), new InMemoryLedger(),
					this.clock, this.nanos::get, LeaseSettings.defaults(), Runnable::run, this.observer);
			QuotaEnforcementService service = service(leases, hard(1_000_000, QuotaWindow.DAY));
			assertThat(service.check("tail", METER, 1).allowed()).isTrue();
			BigDecimal granted = grantedOf(schema, "tail");
			assertThat(granted).isGreaterThan(BigDecimal.ONE);

			// Seen once, then idle past idle-return (10 s): kept, neither given back nor renewed.
			counted.reset();
			for (int i = 0; i < 3; i++) {
				step(Duration.ofSeconds(5));
				leases.maintain();
			}
			assertThat(leases.budgetCount()).as("idle 15 s, its lease 15 s from lapsing").isEqualTo(1);
			assertThat(grantedOf(schema, "tail")).isEqualByComparingTo(granted);
			// The tail tenant's next visit: admitted from the budget held, no statement.
			assertThat(service.check("tail", METER, 1).allowed()).isTrue();
			assertThat(counted.statements()).as("statements of 3 maintenance runs and the check").isEmpty();

			// In use again: renewed when due (20 s); idle past its allowance from 35 s, it is kept
			// without a statement while its lease has a third of its expiry left, then given back.
			step(Duration.ofSeconds(5));
			leases.maintain();
			counted.reset();
			for (int i = 0; i < 4; i++) {
				step(Duration.ofSeconds(5));
				leases.maintain();
			}
			assertThat(counted.statements()).as("statements at 25-40 s").isEmpty();
			assertThat(leases.budgetCount()).isEqualTo(1);
			step(Duration.ofSeconds(5));
			leases.maintain();
			assertThat(leases.budgetCount()).as("idle 30 s, its lease 5 s from lapsing").isZero();
			assertThat(grantedOf(schema, "tail")).isEqualByComparingTo("2");
		}
	}

	@ParameterizedTest
	@EnumSource(TestDatabase.class)
	void anIdleBudgetNearItsLimitGoesBackAfterIdleReturn(TestDatabase database) {
		try (TestSchema schema = database.newSchema()) {
			// 600 of 1,000 used before: less than half of the limit is free.
			QuotaLeases leases = new QuotaLeases(new QuotaLeaseStore(schema.dataSource(), schema.tables()),
					usedBefore(BigDecimal.valueOf(600)), this.clock, this.nanos::get, LeaseSettings.defaults(),
					Runnable::run, this.observer);
			QuotaEnforcementService service = service(leases, hard(1000, QuotaWindow.DAY));
			assertThat(service.check("acme", METER, 1).allowed()).isTrue();
			assertThat(grantedOf(schema, "acme")).isGreaterThan(BigDecimal.valueOf(601));
			for (int i = 0; i < 3; i++) {
				step(Duration.ofSeconds(5));
				leases.maintain();
			}
			assertThat(leases.budgetCount()).isZero();
			assertThat(grantedOf(schema, "acme")).isEqualByComparingTo("601");
		}
	}

	/** Both clocks: the wall clock of lease expiry and the ticker of idleness and rates. */
	private void step(Duration duration) {
		this.clock.advance(duration);
		this.nanos.addAndGet(duration.toNanos());
	}

	private BigDecimal grantedOf(TestSchema schema, String tenant) {
		return schema.jdbc()
			.queryForObject("SELECT granted FROM " + schema.prefix() + "quota_allocation WHERE scope_id = ?",
					BigDecimal.class, tenant);
	}

	/** A ledger in which every tenant used {@code used} of every window before this instance's first lease. */
	private static UsageReader usedBefore(BigDecimal used) {
		return new UsageReader() {

			@Override
			public BigDecimal tenantUsage(String tenantId, String meter, Instant from, Instant to) {
				return used;
			}

			@Override
			public BigDecimal billingScopeUsage(String billingScopeId, String meter, Instant from, Instant to) {
				throw new UnsupportedOperationException();
			}

		};
	}

	private BigDecimal granted(TestSchema schema, QuotaWindow window) {
		return schema.jdbc()
			.queryForObject("SELECT granted FROM " + schema.prefix() + "quota_allocation WHERE scope_id = 'acme'"
					+ " AND window_kind = ?", BigDecimal.class, window.id());
	}

	private QuotaLeases leases(TestSchema schema) {
		return new QuotaLeases(new QuotaLeaseStore(schema.dataSource(), schema.tables()), new InMemoryLedger(),
				this.clock, this.nanos::get, SETTINGS, Runnable::run, this.observer);
	}

	private QuotaEnforcementService service(QuotaLeases leases, QuotaPolicy policy) {
		ConfiguredQuotaDefinitions definitions = new ConfiguredQuotaDefinitions(Map.of("free", List.of(policy)),
				Map.of(), "free");
		LocalUsage local = new LocalUsage((scope, meter) -> false, leases);
		LedgerReadings readings = new LedgerReadings(new InMemoryLedger(), local, Duration.ofSeconds(15), 1000,
				Runnable::run);
		return new QuotaEnforcementService(definitions, readings, local, leases, this.clock, OnUnknownUsage.ALLOW,
				(event) -> {
				}, QuotaObserver.NONE);
	}

	private static QuotaPolicy hard(long limit, QuotaWindow window) {
		return new QuotaPolicy("free-" + METER + "-" + window.id(), METER, BigDecimal.valueOf(limit), window,
				Enforcement.HARD, null);
	}

}
