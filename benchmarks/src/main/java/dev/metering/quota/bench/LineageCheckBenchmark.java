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
import dev.metering.quota.lease.LeaseSettings;
import dev.metering.quota.LedgerReadings;
import dev.metering.quota.LevelNamedQuotaDefinitions;
import dev.metering.quota.LocalUsage;
import dev.metering.quota.OnUnknownUsage;
import dev.metering.quota.QuotaDecision;
import dev.metering.quota.QuotaEnforcementService;
import dev.metering.quota.lease.QuotaLeases;
import dev.metering.quota.QuotaObserver;
import dev.metering.quota.QuotaPolicy;
import dev.metering.quota.QuotaWindow;
import dev.metering.rollup.SubtreeUsageReader;
import dev.metering.rollup.UsageReader;
import dev.metering.tenant.CachedTenantDirectory;
import dev.metering.tenant.InMemoryTenantDefinitions;
import dev.metering.tenant.TenantDefinition;
import dev.metering.tenant.TenantDirectory;
import dev.metering.tenant.TenantHierarchyRules;
import dev.metering.test.TestDatabase;
import dev.metering.test.TestSchema;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * A warm check as the filter makes it (lineage from the tenant directory, then the check of every
 * level, then the release) for a flat tenant and through a three-level lineage, in one run. Every
 * quota-carrying level has the same plan: a monthly hard quota (from a leased budget) and a daily
 * soft one (on readings), far from their limits. Not a test: run it with {@code org.openjdk.jmh.Main} on the test classpath (see
 * docs/BENCHMARKS.md).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@State(Scope.Benchmark)
public class LineageCheckBenchmark {

	private static final String METER = "http.requests";

	private TenantDirectory directory;

	private QuotaEnforcementService service;

	private Instant now;

	private TestSchema schema;

	private QuotaLeases leases;

	@TearDown
	public void tearDown() {
		this.leases.close();
		this.schema.close();
	}

	@Setup
	public void setUp() {
		Clock clock = Clock.systemUTC();
		List<QuotaPolicy> plan = List.of(
				new QuotaPolicy("free-http.requests-month", METER, new BigDecimal("1000000000000"), QuotaWindow.MONTH,
						Enforcement.HARD, null),
				new QuotaPolicy("free-http.requests-day", METER, new BigDecimal("1000000000"), QuotaWindow.DAY,
						Enforcement.SOFT, 0.8));
		InMemoryTenantDefinitions tenants = new InMemoryTenantDefinitions(List.of(TenantDefinition.of("acme", null),
				TenantDefinition.of("reseller-x", null), TenantDefinition.of("org-1", "reseller-x"),
				TenantDefinition.of("project-a", "org-1").billedTo("org-1"), TenantDefinition.of("reseller-y", null),
				TenantDefinition.of("org-2", "reseller-y"), TenantDefinition.of("project-b", "org-2")),
				TenantHierarchyRules.DEFAULTS);
		this.directory = new CachedTenantDirectory(tenants, TenantHierarchyRules.DEFAULTS, Duration.ofSeconds(30),
				10_000, Runnable::run);
		ConfiguredQuotaDefinitions.TenantEntry onPlan = new ConfiguredQuotaDefinitions.TenantEntry("free", List.of(),
				false);
		ConfiguredQuotaDefinitions.TenantEntry noPlan = new ConfiguredQuotaDefinitions.TenantEntry(null, List.of(),
				false);
		ConfiguredQuotaDefinitions configured = new ConfiguredQuotaDefinitions(Map.of("free", plan),
				Map.of("acme", onPlan, "org-1", onPlan, "project-a", noPlan, "reseller-x", noPlan, "project-b", onPlan,
						"org-2", onPlan, "reseller-y", onPlan),
				null);
		// Wrapped and cached as the auto-configuration does.
		CachedQuotaDefinitions definitions = new CachedQuotaDefinitions(
				new LevelNamedQuotaDefinitions(configured, this.directory::inHierarchy), Duration.ofSeconds(30), 10_000,
				Runnable::run);
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
		UsageReader subtrees = new SubtreeUsageReader(ledger, this.directory::subtreeOf);
		// Hard quotas from budgets leased from the database (H2 in memory), as the auto-configuration does.
		this.schema = TestDatabase.H2.newSchema();
		this.leases = QuotaLeases.create(this.schema.dataSource(), this.schema.tables(), subtrees, clock,
				LeaseSettings.defaults(), Runnable::run, QuotaObserver.NONE);
		LocalUsage local = new LocalUsage(definitions::hasReadingQuota, this.leases, clock);
		LedgerReadings readings = new LedgerReadings(subtrees, local, Duration.ofSeconds(15), 10_000, Runnable::run);
		this.service = new QuotaEnforcementService(definitions, readings, local, this.leases, clock,
				OnUnknownUsage.ALLOW, (event) -> {
				}, QuotaObserver.NONE);
		this.now = clock.instant();
		for (String tenant : List.of("acme", "project-a", "project-b")) {
			check(tenant);
		}
	}

	private QuotaDecision check(String tenant) {
		List<String> scopes = this.directory.lineageOf(tenant).checkedScopes();
		QuotaDecision decision = this.service.check(scopes, METER, BigDecimal.ONE, this.now);
		decision.reservation().release();
		return decision;
	}

	/** The baseline: a tenant without parent, two quotas. */
	@Benchmark
	public QuotaDecision flat() {
		return check("acme");
	}

	/** project-a → org-1 → reseller-x, the two quotas at org-1 only (the common case). */
	@Benchmark
	public QuotaDecision threeLevelsQuotasAtOneLevel() {
		return check("project-a");
	}

	/** project-b → org-2 → reseller-y, the two quotas at every level: six policies. */
	@Benchmark
	public QuotaDecision threeLevelsQuotasAtEveryLevel() {
		return check("project-b");
	}

}
