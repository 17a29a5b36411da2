package dev.metering.quota;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import dev.metering.event.UsageEvent;
import dev.metering.test.MutableClock;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A check of a lineage holds each level's ledger readings between checks (for at most a second)
 * rather than asking the cache at every level: such a reading may be older than one a later
 * check used to forget this instance's committed usage, and must not then be counted with. A
 * hard quota decided on readings (no leases) at the organisation, limit 4.
 */
class HeldReadingTests {

	private static final String METER = "http.requests";

	private static final List<String> LINEAGE = List.of("project-a", "org-1");

	private final MutableClock clock = new MutableClock(Instant.parse("2026-11-23T10:15:00Z"));

	private final AtomicLong ticker = new AtomicLong();

	private final InMemoryLedger ledger = new InMemoryLedger();

	private final CachedQuotaDefinitions definitions = new CachedQuotaDefinitions(new ConfiguredQuotaDefinitions(
			Map.of("free",
					List.of(new QuotaPolicy("free-day", METER, BigDecimal.valueOf(4), QuotaWindow.DAY, Enforcement.HARD,
							null))),
			Map.of("org-1", new ConfiguredQuotaDefinitions.TenantEntry("free", List.of(), false), "project-a",
					new ConfiguredQuotaDefinitions.TenantEntry(null, List.of(), false)),
			null), Duration.ofHours(1), 100, Runnable::run);

	private final LocalUsage local = new LocalUsage(this.definitions::hasQuota);

	private final LedgerReadings readings = new LedgerReadings(this.ledger, this.local, Duration.ofSeconds(15), 100,
			Runnable::run, this.ticker::get);

	private final QuotaEnforcementService service = new QuotaEnforcementService(this.definitions, this.readings,
			this.local, this.clock, OnUnknownUsage.ALLOW, (event) -> {
			}, QuotaObserver.NONE);

	@Test
	void aHeldReadingOlderThanWhatTheUsageForgotIsNotCountedWith() {
		// The lineage's check holds org-1's reading: nothing used yet.
		QuotaDecision first = check(LINEAGE);
		assertThat(first.allowed()).isTrue();
		first.reservation().release();

		// Four calls of org-1 are written: counted from memory, past the reading held.
		List<UsageEvent> batch = new ArrayList<>();
		for (int i = 0; i < 4; i++) {
			UsageEvent event = UsageEvent.builder("org-1", METER).occurredAt(this.clock.instant()).build();
			this.local.accepted(event);
			batch.add(event);
		}
		this.local.writing(batch);
		this.ledger.commit(batch);
		this.local.written(batch);
		assertThat(check(LINEAGE).allowed()).as("the held reading plus what this instance wrote").isFalse();

		// The cache's reading is refreshed (it holds the four now), and org-1's own check counts
		// with it and forgets the four committed events, which that reading contains.
		this.ticker.addAndGet(TimeUnit.SECONDS.toNanos(16));
		check(List.of("org-1"));
		QuotaDecision own = check(List.of("org-1"));
		assertThat(own.allowed()).isFalse();
		assertThat(own.used()).isEqualByComparingTo("4");

		// The lineage's check within the second its reading is held: that reading lacks the four.
		QuotaDecision again = check(LINEAGE);
		assertThat(again.allowed()).isFalse();
		assertThat(again.used()).isEqualByComparingTo("4");
	}

	private QuotaDecision check(List<String> lineage) {
		QuotaDecision decision = this.service.check(lineage, METER, BigDecimal.ONE, this.clock.instant());
		decision.reservation().release();
		return decision;
	}

}
