package dev.metering.quota;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import dev.metering.event.UsageEvent;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static dev.metering.quota.QuotaFixture.policy;
import static org.assertj.core.api.Assertions.assertThat;

class QuotaEnforcementServiceTests {

	@Test
	void hardQuotaAllowsUpToTheLimitThenDenies() {
		QuotaFixture f = new QuotaFixture(List.of(policy(3, QuotaWindow.DAY, Enforcement.HARD, null)), Map.of());
		for (int i = 1; i <= 3; i++) {
			QuotaDecision decision = f.check("acme");
			assertThat(decision.outcome()).isEqualTo(QuotaDecision.Outcome.ALLOW);
			assertThat(decision.used()).isEqualByComparingTo(BigDecimal.valueOf(i));
			assertThat(decision.remaining()).isEqualByComparingTo(BigDecimal.valueOf(3 - i));
		}
		QuotaDecision denied = f.check("acme");
		assertThat(denied.outcome()).isEqualTo(QuotaDecision.Outcome.DENY);
		assertThat(denied.used()).isEqualByComparingTo("3");
		assertThat(denied.limit()).isEqualByComparingTo("3");
		assertThat(denied.remaining()).isEqualByComparingTo("0");
		assertThat(denied.reset()).isEqualTo(Instant.parse("2026-11-24T00:00:00Z"));
		assertThat(denied.violatedPolicies()).containsExactly("free-http.requests-day");
		assertThat(denied.reservation().isHeld()).isFalse();
	}

	@Test
	void releasedReservationGivesTheQuotaBack() {
		QuotaFixture f = new QuotaFixture(List.of(policy(1, QuotaWindow.DAY, Enforcement.HARD, null)), Map.of());
		QuotaDecision first = f.check("acme");
		assertThat(f.check("acme").allowed()).isFalse();
		first.reservation().release();
		first.reservation().release();
		assertThat(f.check("acme").allowed()).isTrue();
	}

	@Test
	void usageIsCountedOnceFromRecordThroughCommitAndRefresh() {
		QuotaFixture f = new QuotaFixture(List.of(policy(10, QuotaWindow.DAY, Enforcement.HARD, null)), Map.of());
		List<UsageEvent> batch = new ArrayList<>();
		for (int i = 0; i < 4; i++) {
			batch.add(f.record(f.check("acme"), "acme"));
		}
		QuotaDecision inFlight = f.check("acme");
		assertThat(inFlight.used()).isEqualByComparingTo("5");
		// 4 recorded (buffered) and 1 reserved: none in the ledger yet
		assertThat(peekUsed(f)).isEqualByComparingTo("5");
		f.write(batch);
		assertThat(peekUsed(f)).isEqualByComparingTo("5");
		f.readings.invalidateAll();
		assertThat(peekUsed(f)).isEqualByComparingTo("5");
		UsageEvent last = f.record(inFlight, "acme");
		assertThat(peekUsed(f)).isEqualByComparingTo("5");
		f.write(List.of(last));
		assertThat(peekUsed(f)).isEqualByComparingTo("5");
		f.readings.invalidateAll();
		assertThat(peekUsed(f)).isEqualByComparingTo("5");
		assertThat(f.ledger.tenantUsage("acme", QuotaFixture.METER, Instant.EPOCH, Instant.MAX))
			.isEqualByComparingTo("5");
	}

	@Test
	void aReadingThatOverlapsACommitNeverUndercounts() {
		QuotaFixture f = new QuotaFixture(List.of(policy(10, QuotaWindow.DAY, Enforcement.HARD, null)), Map.of());
		List<UsageEvent> batch = new ArrayList<>();
		for (int i = 0; i < 3; i++) {
			batch.add(f.record(f.check("acme"), "acme"));
		}
		// The batch is committed in the database but not yet acknowledged when the cache reads.
		f.local.writing(batch);
		f.ledger.commit(batch);
		f.readings.invalidateAll();
		assertThat(peekUsed(f)).isGreaterThanOrEqualTo(new BigDecimal("3"));
		f.local.written(batch);
		assertThat(peekUsed(f)).isGreaterThanOrEqualTo(new BigDecimal("3"));
		// The next clean reading is exact again.
		f.readings.invalidateAll();
		assertThat(peekUsed(f)).isEqualByComparingTo("3");
	}

	@Test
	void aFailedWriteThatCommittedAnywayIsNeverUndercounted() {
		QuotaFixture f = new QuotaFixture(List.of(policy(10, QuotaWindow.DAY, Enforcement.HARD, null)), Map.of());
		List<UsageEvent> batch = List.of(f.record(f.check("acme"), "acme"), f.record(f.check("acme"), "acme"));
		f.local.writing(batch);
		f.ledger.commit(batch);
		f.local.failed(batch);
		f.readings.invalidateAll();
		assertThat(peekUsed(f)).isGreaterThanOrEqualTo(new BigDecimal("2"));
		// the retry finds them as duplicates and acknowledges them
		f.local.writing(batch);
		f.local.written(batch);
		assertThat(peekUsed(f)).isGreaterThanOrEqualTo(new BigDecimal("2"));
		f.readings.invalidateAll();
		assertThat(peekUsed(f)).isEqualByComparingTo("2");
		assertThat(f.local.trackedEvents()).isZero();
	}

	@Test
	void discardedEventsAreNotCounted() {
		QuotaFixture f = new QuotaFixture(List.of(policy(10, QuotaWindow.DAY, Enforcement.HARD, null)), Map.of());
		UsageEvent event = f.record(f.check("acme"), "acme");
		f.local.discarded(event);
		assertThat(peekUsed(f)).isEqualByComparingTo("0");
	}

	@Test
	void concurrentChecksNeverPassAHardLimit() throws Exception {
		QuotaFixture f = new QuotaFixture(List.of(policy(100, QuotaWindow.DAY, Enforcement.HARD, null)), Map.of());
		ExecutorService pool = Executors.newFixedThreadPool(16);
		CountDownLatch start = new CountDownLatch(1);
		List<Future<QuotaDecision>> results = new ArrayList<>();
		for (int i = 0; i < 400; i++) {
			results.add(pool.submit(() -> {
				start.await();
				QuotaDecision decision = f.check("acme");
				if (decision.allowed()) {
					f.record(decision, "acme");
				}
				return decision;
			}));
		}
		start.countDown();
		int allowed = 0;
		Set<BigDecimal> used = new TreeSet<>();
		for (Future<QuotaDecision> result : results) {
			QuotaDecision decision = result.get(10, TimeUnit.SECONDS);
			if (decision.allowed()) {
				allowed++;
				used.add(decision.used());
			}
		}
		pool.shutdown();
		assertThat(allowed).isEqualTo(100);
		// every allowed call saw a different usage: no unit counted twice or not at all
		assertThat(used).hasSize(100).first().isEqualTo(BigDecimal.ONE);
		assertThat(peekUsed(f)).isEqualByComparingTo("100");
	}

	@Test
	void softQuotaWarnsOncePerWindowAndNeverDenies() {
		QuotaFixture f = new QuotaFixture(List.of(policy(10, QuotaWindow.DAY, Enforcement.SOFT, 0.8)), Map.of());
		for (int i = 0; i < 15; i++) {
			QuotaDecision decision = f.check("acme");
			assertThat(decision.allowed()).isTrue();
			f.record(decision, "acme");
		}
		assertThat(f.warnings()).hasSize(1);
		QuotaWarningEvent warning = f.warnings().get(0);
		assertThat(warning.used()).isEqualByComparingTo("9");
		assertThat(warning.overLimit()).isFalse();
		f.clock.advance(Duration.ofDays(1));
		for (int i = 0; i < 9; i++) {
			assertThat(f.check("acme").allowed()).isTrue();
		}
		assertThat(f.warnings()).hasSize(2);
	}

	@Test
	void softOutcomeIsWarnPastTheThreshold() {
		QuotaFixture f = new QuotaFixture(List.of(policy(4, QuotaWindow.DAY, Enforcement.SOFT, 0.5)), Map.of());
		assertThat(f.check("acme").outcome()).isEqualTo(QuotaDecision.Outcome.ALLOW);
		assertThat(f.check("acme").outcome()).isEqualTo(QuotaDecision.Outcome.ALLOW);
		assertThat(f.check("acme").outcome()).isEqualTo(QuotaDecision.Outcome.WARN);
		for (int i = 0; i < 5; i++) {
			assertThat(f.check("acme").outcome()).isEqualTo(QuotaDecision.Outcome.WARN);
		}
		assertThat(f.warnings()).hasSize(1);
	}

	@Test
	void monitorQuotaIsObservedOnly() {
		QuotaFixture f = new QuotaFixture(List.of(policy(2, QuotaWindow.DAY, Enforcement.MONITOR, null)), Map.of());
		for (int i = 0; i < 5; i++) {
			QuotaDecision decision = f.check("acme");
			assertThat(decision.outcome()).isEqualTo(QuotaDecision.Outcome.ALLOW);
			assertThat(decision.enforcedPolicies()).isEmpty();
			assertThat(decision.policies()).hasSize(1);
		}
		assertThat(f.warnings()).hasSize(1);
		assertThat(f.warnings().get(0).overLimit()).isTrue();
	}

	@Test
	void exemptTenantsAndMetersWithoutQuotaAreUnlimited() {
		QuotaFixture f = new QuotaFixture(List.of(policy(0, QuotaWindow.DAY, Enforcement.HARD, null)),
				Map.of("internal", new ConfiguredQuotaDefinitions.TenantEntry(null, List.of(), true)));
		assertThat(f.check("acme").allowed()).isFalse();
		QuotaDecision exempt = f.check("internal");
		assertThat(exempt.allowed()).isTrue();
		assertThat(exempt.policy()).isNull();
		QuotaDecision otherMeter = f.service.check(List.of("acme"), "exports.rows", BigDecimal.TEN, f.clock.instant());
		assertThat(otherMeter.allowed()).isTrue();
		assertThat(otherMeter.policies()).isEmpty();
	}

	@Test
	void tenantQuotasReplaceThePlansQuotaOfTheSameMeterAndWindow() {
		QuotaPolicy own = new QuotaPolicy("acme-http.requests-day", QuotaFixture.METER, BigDecimal.valueOf(5),
				QuotaWindow.DAY, Enforcement.HARD, null);
		QuotaFixture f = new QuotaFixture(List.of(policy(1, QuotaWindow.DAY, Enforcement.HARD, null)),
				Map.of("acme", new ConfiguredQuotaDefinitions.TenantEntry(null, List.of(own), false)));
		for (int i = 0; i < 5; i++) {
			assertThat(f.check("acme").allowed()).isTrue();
		}
		QuotaDecision denied = f.check("acme");
		assertThat(denied.violatedPolicies()).containsExactly("acme-http.requests-day");
	}

	@ParameterizedTest
	@EnumSource(QuotaWindow.class)
	void aNewWindowGivesTheQuotaBack(QuotaWindow window) {
		QuotaFixture f = new QuotaFixture(List.of(policy(2, window, Enforcement.HARD, null)), Map.of());
		List<UsageEvent> batch = List.of(f.record(f.check("acme"), "acme"), f.record(f.check("acme"), "acme"));
		f.write(batch);
		QuotaDecision denied = f.check("acme");
		assertThat(denied.allowed()).isFalse();
		f.clock.set(denied.reset().minusMillis(1));
		assertThat(f.check("acme").allowed()).isFalse();
		f.clock.set(denied.reset());
		QuotaDecision renewed = f.check("acme");
		assertThat(renewed.allowed()).isTrue();
		assertThat(renewed.used()).isEqualByComparingTo("1");
	}

	@Test
	void unknownUsageIsAllowedByDefault() {
		QuotaFixture f = new QuotaFixture(List.of(policy(1, QuotaWindow.DAY, Enforcement.HARD, null)), Map.of());
		f.ledger.down.set(true);
		QuotaDecision decision = f.check("acme");
		assertThat(decision.allowed()).isTrue();
		assertThat(decision.usageKnown()).isFalse();
	}

	@Test
	void unknownUsageIsDeniedWhenConfigured() {
		QuotaFixture f = new QuotaFixture(List.of(policy(1000, QuotaWindow.DAY, Enforcement.HARD, null)), Map.of(),
				OnUnknownUsage.DENY);
		f.ledger.down.set(true);
		QuotaDecision decision = f.check("acme");
		assertThat(decision.allowed()).isFalse();
		assertThat(decision.usageKnown()).isFalse();
		f.ledger.down.set(false);
		assertThat(f.check("acme").allowed()).isTrue();
	}

	@Test
	void aWarmCheckDoesNotReadTheLedgerAgain() {
		QuotaFixture f = new QuotaFixture(List.of(policy(1000, QuotaWindow.DAY, Enforcement.HARD, null),
				policy(10000, QuotaWindow.MONTH, Enforcement.HARD, null)), Map.of());
		f.check("acme");
		int reads = f.ledger.reads.get();
		for (int i = 0; i < 100; i++) {
			f.check("acme");
		}
		assertThat(f.ledger.reads.get()).isEqualTo(reads);
	}

	@Test
	void aLineageIsAllowedOnlyWhenEveryScopeIsWithinItsQuotas() {
		QuotaPolicy parentDaily = new QuotaPolicy("parent-http.requests-day", QuotaFixture.METER, BigDecimal.ONE,
				QuotaWindow.DAY, Enforcement.HARD, null);
		QuotaFixture f = new QuotaFixture(List.of(policy(10, QuotaWindow.DAY, Enforcement.HARD, null)),
				Map.of("parent", new ConfiguredQuotaDefinitions.TenantEntry(null, List.of(parentDaily), false)));
		Instant now = f.clock.instant();
		assertThat(f.service.check(List.of("child", "parent"), QuotaFixture.METER, BigDecimal.ONE, now).allowed())
			.isTrue();
		QuotaDecision denied = f.service.check(List.of("child", "parent"), QuotaFixture.METER, BigDecimal.ONE, now);
		assertThat(denied.allowed()).isFalse();
		assertThat(denied.violatedPolicies()).containsExactly("parent-http.requests-day");
		// the child's reservation of the denied call was given back
		assertThat(f.check("child").used()).isEqualByComparingTo("2");
	}

	/** Usage as a check sees it, without keeping the check's reservation. */
	private static BigDecimal peekUsed(QuotaFixture f) {
		QuotaDecision decision = f.check("acme");
		decision.reservation().release();
		return decision.allowed() ? decision.used().subtract(BigDecimal.ONE) : decision.used();
	}

}
