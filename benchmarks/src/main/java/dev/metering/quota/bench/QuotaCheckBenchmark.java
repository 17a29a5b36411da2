package dev.metering.quota.bench;

import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import dev.metering.quota.CachedQuotaDefinitions;
import dev.metering.quota.ConfiguredQuotaDefinitions;
import dev.metering.quota.Enforcement;
import dev.metering.quota.LedgerReadings;
import dev.metering.quota.LocalUsage;
import dev.metering.quota.OnUnknownUsage;
import dev.metering.quota.QuotaDecision;
import dev.metering.quota.QuotaEnforcementService;
import dev.metering.quota.QuotaObserver;
import dev.metering.quota.QuotaPolicy;
import dev.metering.quota.QuotaWindow;
import dev.metering.rollup.UsageReader;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * A warm {@link QuotaEnforcementService#check}: definitions and the ledger reading are cached, so
 * the check is the Caffeine look-ups, the arithmetic and the reservation under the (tenant, meter)
 * monitor; the reservation is released in the same operation so state does not grow. Not a test:
 * run it with {@code org.openjdk.jmh.Main} on the test classpath (see docs/BENCHMARKS.md).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@State(Scope.Benchmark)
public class QuotaCheckBenchmark {

	private static final String METER = "http.requests";

	private static final List<String> LINEAGE = List.of("acme");

	private QuotaEnforcementService service;

	private Instant now;

	/** Sets up a plan with a monthly hard quota and a daily soft one, far from their limits. */
	@Setup
	public void setUp() {
		Clock clock = Clock.systemUTC();
		List<QuotaPolicy> free = List.of(
				new QuotaPolicy("free-http.requests-month", METER, new BigDecimal("1000000000000"), QuotaWindow.MONTH,
						Enforcement.HARD, null),
				new QuotaPolicy("free-http.requests-day", METER, new BigDecimal("1000000000"), QuotaWindow.DAY,
						Enforcement.SOFT, 0.8));
		// Cached as the auto-configuration does: the definitions are assembled once per TTL, not per check.
		CachedQuotaDefinitions definitions = new CachedQuotaDefinitions(
				new ConfiguredQuotaDefinitions(Map.of("free", free), Map.of(), "free"), Duration.ofSeconds(30), 10_000,
				Runnable::run);
		LocalUsage local = new LocalUsage((scope, meter) -> true);
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
		LedgerReadings readings = new LedgerReadings(ledger, local, Duration.ofSeconds(15), 10_000, Runnable::run);
		this.service = new QuotaEnforcementService(definitions::quotasOf, readings, local, clock, OnUnknownUsage.ALLOW,
				(event) -> {
				}, QuotaObserver.NONE);
		this.now = clock.instant();
		this.service.check(LINEAGE, METER, BigDecimal.ONE, this.now).reservation().release();
	}

	/** One warm check of one tenant with two quotas, then the release. */
	@Benchmark
	public QuotaDecision warmCheck() {
		QuotaDecision decision = this.service.check(LINEAGE, METER, BigDecimal.ONE, this.now);
		decision.reservation().release();
		return decision;
	}

	/** The same from two threads on the same tenant: the (tenant, meter) monitor is contended. */
	@Benchmark
	@Threads(2)
	public QuotaDecision warmCheckTwoThreadsSameTenant() {
		return warmCheck();
	}

	/** A meter without a quota: the floor of what enforcement costs. */
	@Benchmark
	public QuotaDecision unlimitedMeter() {
		return this.service.check(LINEAGE, "exports.rows", BigDecimal.ONE, this.now);
	}

}
