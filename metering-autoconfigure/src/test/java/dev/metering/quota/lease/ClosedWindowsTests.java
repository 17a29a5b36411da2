package dev.metering.quota.lease;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import com.zaxxer.hikari.HikariDataSource;

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
import dev.metering.test.MutableClock;
import dev.metering.test.TestDatabase;
import dev.metering.test.TestSchema;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Allocation and lease rows follow the windows in use: once a window has closed, the next
 * maintenance run of one instance (of any number) removes its rows, and the open windows' rows stay.
 */
class ClosedWindowsTests {

	private static final String METER = "http.requests";

	private static final Instant TEN_FIFTEEN = Instant.parse("2026-11-23T10:15:00Z");

	private final MutableClock clock = new MutableClock(TEN_FIFTEEN);

	private final AtomicLong nanos = new AtomicLong();

	@ParameterizedTest
	@EnumSource(TestDatabase.class)
	void theNextMaintenanceRunOfOneInstanceRemovesTheRowsOfClosedWindows(TestDatabase database) throws Exception {
		ExecutorService background = Executors.newFixedThreadPool(4);
		try (TestSchema schema = database.newSchema();
				HikariDataSource poolA = database.newDataSource(4);
				HikariDataSource poolB = database.newDataSource(4)) {
			QuotaLeases a = leases(poolA, schema, background);
			QuotaLeases b = leases(poolB, schema, background);
			QuotaEnforcementService onA = service(a);
			QuotaEnforcementService onB = service(b);
			// 10:15: 300 tenants on both instances, each with hour and day windows.
			for (int t = 0; t < 300; t++) {
				assertThat(onA.check("old-" + t, METER, 1).allowed()).isTrue();
				assertThat(onB.check("old-" + t, METER, 1).allowed()).isTrue();
			}
			long tenFifteenHour = QuotaWindow.HOUR.start(TEN_FIFTEEN).getEpochSecond();
			assertThat(rows(schema, "quota_allocation", tenFifteenHour)).isEqualTo(300);
			assertThat(rows(schema, "quota_lease", tenFifteenHour)).isEqualTo(600);
			// 11:20: the 10:00 hour has closed, the day has not. Ten tenants in the new hour.
			this.clock.set(Instant.parse("2026-11-23T11:20:00Z"));
			for (int t = 0; t < 10; t++) {
				assertThat(onA.check("new-" + t, METER, 1).allowed()).isTrue();
			}
			// Both instances' maintenance at once: one of them removes.
			maintainTogether(a, b);
			assertThat(rows(schema, "quota_allocation", tenFifteenHour)).isZero();
			assertThat(rows(schema, "quota_lease", tenFifteenHour)).isZero();
			long elevenHour = QuotaWindow.HOUR.start(this.clock.instant()).getEpochSecond();
			assertThat(rows(schema, "quota_allocation", elevenHour)).isEqualTo(10);
			long day = QuotaWindow.DAY.start(TEN_FIFTEEN).getEpochSecond();
			assertThat(rows(schema, "quota_allocation", day)).isEqualTo(310);
			// The closed windows' budgets are forgotten, and no return left a lease row of them behind.
			assertThat(a.budgetCount()).isEqualTo(310 + 10);
			assertThat(rows(schema, "quota_lease", tenFifteenHour)).isZero();
			// The next day: only the rows of the windows in use are left.
			this.clock.set(Instant.parse("2026-11-24T00:05:00Z"));
			assertThat(onB.check("new-0", METER, 1).allowed()).isTrue();
			maintainTogether(a, b);
			assertThat(schema.jdbc()
				.queryForObject("SELECT COUNT(*) FROM " + schema.prefix() + "quota_allocation", Long.class))
				.isEqualTo(2);
			assertThat(schema.jdbc().queryForObject("SELECT COUNT(*) FROM " + schema.prefix() + "quota_lease", Long.class))
				.isEqualTo(2);
			a.close();
			b.close();
		}
		finally {
			background.shutdownNow();
		}
	}

	@ParameterizedTest
	@EnumSource(TestDatabase.class)
	void ofInstancesRemovingAtOnceOneRemovesAndTheOthersSkipUntilTheInterval(TestDatabase database) throws Exception {
		try (TestSchema schema = database.newSchema();
				HikariDataSource poolA = database.newDataSource(2);
				HikariDataSource poolB = database.newDataSource(2)) {
			QuotaLeaseStore a = new QuotaLeaseStore(poolA, schema.tables());
			QuotaLeaseStore b = new QuotaLeaseStore(poolB, schema.tables());
			Instant now = this.clock.instant();
			for (int round = 0; round < 3; round++) {
				Instant at = now.plus(Duration.ofMinutes(round * 2L));
				List<Integer> results = runTogether(() -> a.removeClosed(at, Duration.ofMinutes(1)),
						() -> b.removeClosed(at, Duration.ofMinutes(1)));
				assertThat(results).as("round %d", round).containsOnlyOnce(-1);
				// Within the interval of the last run, no instance removes again.
				Instant soon = at.plusSeconds(30);
				assertThat(a.removeClosed(soon, Duration.ofMinutes(1))).isEqualTo(-1);
				assertThat(b.removeClosed(soon, Duration.ofMinutes(1))).isEqualTo(-1);
			}
		}
	}

	@SafeVarargs
	private static <T> List<T> runTogether(Callable<T>... tasks) throws Exception {
		ExecutorService threads = Executors.newFixedThreadPool(tasks.length);
		try {
			List<Future<T>> futures = new ArrayList<>();
			for (Callable<T> task : tasks) {
				futures.add(threads.submit(task));
			}
			List<T> results = new ArrayList<>();
			for (Future<T> future : futures) {
				results.add(future.get(60, TimeUnit.SECONDS));
			}
			return results;
		}
		finally {
			threads.shutdownNow();
		}
	}

	private static void maintainTogether(QuotaLeases first, QuotaLeases second) throws Exception {
		runTogether(() -> {
			first.maintain();
			first.removeClosedWindows();
			return 0;
		}, () -> {
			second.maintain();
			second.removeClosedWindows();
			return 0;
		});
	}

	private static long rows(TestSchema schema, String table, long windowStart) {
		return schema.jdbc()
			.queryForObject("SELECT COUNT(*) FROM " + schema.prefix() + table + " WHERE window_start = ?", Long.class,
					windowStart);
	}

	private QuotaLeases leases(javax.sql.DataSource dataSource, TestSchema schema, ExecutorService executor) {
		LeaseSettings settings = new LeaseSettings(Duration.ofSeconds(30), Duration.ofSeconds(2), BigDecimal.TEN,
				Duration.ofMinutes(10), Duration.ofSeconds(1), Duration.ofSeconds(60));
		return new QuotaLeases(new QuotaLeaseStore(dataSource, schema.tables()), new InMemoryLedger(), this.clock,
				this.nanos::get, settings, executor, QuotaObserver.NONE);
	}

	private QuotaEnforcementService service(QuotaLeases leases) {
		ConfiguredQuotaDefinitions definitions = new ConfiguredQuotaDefinitions(
				Map.of("free", List.of(hard(QuotaWindow.HOUR), hard(QuotaWindow.DAY))), Map.of(), "free");
		LocalUsage local = new LocalUsage((scope, meter) -> false, leases);
		LedgerReadings readings = new LedgerReadings(new InMemoryLedger(), local, Duration.ofSeconds(15), 1000,
				Runnable::run);
		return new QuotaEnforcementService(definitions, readings, local, leases, this.clock, OnUnknownUsage.DENY,
				(event) -> {
				}, QuotaObserver.NONE);
	}

	private static QuotaPolicy hard(QuotaWindow window) {
		return new QuotaPolicy("free-" + METER + "-" + window.id(), METER, BigDecimal.valueOf(100), window,
				Enforcement.HARD, null);
	}

}
