package dev.metering.quota.bench;

import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import dev.metering.quota.CachedQuotaDefinitions;
import dev.metering.quota.ConfiguredQuotaDefinitions;
import dev.metering.quota.Enforcement;
import dev.metering.quota.lease.LeaseSettings;
import dev.metering.quota.LedgerReadings;
import dev.metering.quota.LocalUsage;
import dev.metering.quota.OnUnknownUsage;
import dev.metering.quota.PolicyUsage;
import dev.metering.quota.QuotaDecision;
import dev.metering.quota.QuotaEnforcementService;
import dev.metering.quota.lease.QuotaLeases;
import dev.metering.quota.QuotaObserver;
import dev.metering.quota.QuotaPolicy;
import dev.metering.quota.QuotaWindow;
import dev.metering.quota.LevelNamedQuotaDefinitions;
import dev.metering.tenant.BillingCalendar;
import dev.metering.tenant.TenantCalendars;
import dev.metering.quota.RateLimitFields;
import dev.metering.rollup.UsageReader;
import dev.metering.test.TestDatabase;
import dev.metering.test.TestSchema;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * A warm hard-quota check admitted from a leased budget (H2 in memory holds the allocation), next
 * to the same hard quota decided on readings under the (tenant, meter) monitor and to a meter
 * without quota, in one run. Each operation checks one unit and releases it. Not a test: run it
 * with {@code org.openjdk.jmh.Main} on the test classpath.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@State(Scope.Benchmark)
public class LeasedQuotaCheckBenchmark {

	private static final String METER = "http.requests";

	private static final List<String> LINEAGE = List.of("acme");

	private TestSchema schema;

	private QuotaLeases leases;

	private QuotaEnforcementService leased;

	private QuotaEnforcementService onReadings;

	private Instant now;

	/** The tenant's calendar: UTC, or a zone with an anchor day (its windows computed in that zone). */
	@Param({ "UTC", "Europe/Berlin" })
	public String zone = "UTC";

	@Setup
	public void setUp() {
		Clock clock = Clock.systemUTC();
		List<QuotaPolicy> free = List.of(new QuotaPolicy("free-http.requests-month", METER,
				new BigDecimal("1000000000000"), QuotaWindow.MONTH, Enforcement.HARD, null));
		BillingCalendar calendar = "UTC".equals(this.zone) ? BillingCalendar.UTC
				: BillingCalendar.of(ZoneId.of(this.zone), 15);
		TenantCalendars calendars = (scope) -> calendar;
		CachedQuotaDefinitions definitions = new CachedQuotaDefinitions(
				new LevelNamedQuotaDefinitions(new ConfiguredQuotaDefinitions(Map.of("free", free), Map.of(), "free"),
						(scope) -> false, calendars),
				Duration.ofSeconds(30), 10_000, Runnable::run);
		UsageReader ledger = new UsageReader() {

			@Override
			public BigDecimal tenantUsage(String tenantId, String meter, Instant from, Instant to) {
				return BigDecimal.valueOf(12_345);
			}

			@Override
			public BigDecimal billingScopeUsage(String billingScopeId, String meter, Instant from, Instant to) {
				return BigDecimal.valueOf(12_345);
			}

		};
		this.schema = TestDatabase.H2.newSchema();
		this.leases = QuotaLeases.create(this.schema.dataSource(), this.schema.tables(), ledger, clock,
				LeaseSettings.defaults(), Runnable::run, QuotaObserver.NONE, calendars);
		LocalUsage leasedLocal = new LocalUsage(definitions::hasReadingQuota, this.leases, clock);
		this.leased = new QuotaEnforcementService(definitions::quotasOf,
				new LedgerReadings(ledger, leasedLocal, Duration.ofSeconds(15), 10_000, Runnable::run), leasedLocal,
				this.leases, clock, OnUnknownUsage.ALLOW, (event) -> {
				}, QuotaObserver.NONE);
		LocalUsage local = new LocalUsage(definitions::hasQuota);
		this.onReadings = new QuotaEnforcementService(definitions::quotasOf,
				new LedgerReadings(ledger, local, Duration.ofSeconds(15), 10_000, Runnable::run), local, clock,
				OnUnknownUsage.ALLOW, (event) -> {
				}, QuotaObserver.NONE);
		this.now = clock.instant();
		this.leased.check(LINEAGE, METER, BigDecimal.ONE, this.now).reservation().release();
		this.onReadings.check(LINEAGE, METER, BigDecimal.ONE, this.now).reservation().release();
	}

	@TearDown
	public void tearDown() {
		this.leases.close();
		this.schema.close();
	}

	/** A hard quota admitted by compare-and-set from the leased budget, then released. */
	@Benchmark
	public QuotaDecision leasedHardCheck() {
		QuotaDecision decision = this.leased.check(LINEAGE, METER, BigDecimal.ONE, this.now);
		decision.reservation().release();
		return decision;
	}

	/**
	 * The hard check as the filter makes it on every request: the check, the {@code RateLimit-Policy}
	 * and {@code RateLimit} fields of its enforced policies, the release.
	 */
	@Benchmark
	public void leasedHardCheckWithFields(Blackhole blackhole) {
		QuotaDecision decision = this.leased.check(LINEAGE, METER, BigDecimal.ONE, this.now);
		List<PolicyUsage> enforced = decision.enforcedPolicies();
		blackhole.consume(RateLimitFields.policy(enforced));
		blackhole.consume(RateLimitFields.rateLimit(enforced, this.now));
		decision.reservation().release();
		blackhole.consume(decision);
	}

	/** The same from two threads on the same tenant. */
	@Benchmark
	@Threads(2)
	public QuotaDecision leasedHardCheckTwoThreadsSameTenant() {
		return leasedHardCheck();
	}

	/** The same hard quota decided on readings under the (tenant, meter) monitor, then released. */
	@Benchmark
	public QuotaDecision readingsHardCheck() {
		QuotaDecision decision = this.onReadings.check(LINEAGE, METER, BigDecimal.ONE, this.now);
		decision.reservation().release();
		return decision;
	}

	/** The same on readings from two threads on the same tenant: the monitor is contended. */
	@Benchmark
	@Threads(2)
	public QuotaDecision readingsHardCheckTwoThreadsSameTenant() {
		return readingsHardCheck();
	}

	/** A meter without a quota: the floor of what enforcement costs. */
	@Benchmark
	public QuotaDecision unlimitedMeter() {
		return this.leased.check(LINEAGE, "exports.rows", BigDecimal.ONE, this.now);
	}

}
