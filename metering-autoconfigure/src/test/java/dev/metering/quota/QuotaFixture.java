package dev.metering.quota;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import dev.metering.event.UsageEvent;
import dev.metering.test.MutableClock;

/**
 * An enforcement service over an in-memory ledger, with the writer's hooks driven by hand.
 */
final class QuotaFixture {

	static final String METER = "http.requests";

	final MutableClock clock = new MutableClock(Instant.parse("2026-11-23T10:15:00Z"));

	final InMemoryLedger ledger = new InMemoryLedger();

	final List<Object> events = new CopyOnWriteArrayList<>();

	final ConfiguredQuotaDefinitions definitions;

	final LocalUsage local;

	final LedgerReadings readings;

	final QuotaEnforcementService service;

	QuotaFixture(List<QuotaPolicy> free, Map<String, ConfiguredQuotaDefinitions.TenantEntry> tenants) {
		this(free, tenants, OnUnknownUsage.ALLOW);
	}

	QuotaFixture(List<QuotaPolicy> free, Map<String, ConfiguredQuotaDefinitions.TenantEntry> tenants,
			OnUnknownUsage onUnknown) {
		this.definitions = new ConfiguredQuotaDefinitions(Map.of("free", free), tenants, "free");
		this.local = new LocalUsage((scope, meter) -> !this.definitions.quotasOf(scope).policies(meter).isEmpty());
		this.readings = new LedgerReadings(this.ledger, this.local, Duration.ofSeconds(15), 1000, Runnable::run);
		this.service = new QuotaEnforcementService(this.definitions, this.readings, this.local, this.clock, onUnknown,
				this.events::add, QuotaObserver.NONE);
	}

	static QuotaPolicy policy(long limit, QuotaWindow window, Enforcement enforcement, Double threshold) {
		return new QuotaPolicy("free-" + METER + "-" + window.id(), METER, BigDecimal.valueOf(limit), window,
				enforcement, threshold);
	}

	QuotaDecision check(String tenant) {
		return this.service.check(tenant, METER, 1);
	}

	/** What the filter does after the controller: record the event, converting the reservation. */
	UsageEvent record(QuotaDecision decision, String tenant) {
		UsageEvent event = UsageEvent.builder(tenant, METER).occurredAt(this.clock.instant()).build();
		this.local.accepted(event, decision.reservation());
		decision.reservation().release();
		return event;
	}

	/** What the writer does with a batch: announce, commit, acknowledge. */
	void write(List<UsageEvent> batch) {
		this.local.writing(batch);
		this.ledger.commit(batch);
		this.local.written(batch);
	}

	List<QuotaWarningEvent> warnings() {
		return this.events.stream()
			.filter(QuotaWarningEvent.class::isInstance)
			.map(QuotaWarningEvent.class::cast)
			.toList();
	}

}
