package dev.metering.quota;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import dev.metering.event.UsageEvent;
import dev.metering.test.MutableClock;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The local usage of a million tenants comes back once their events are in every reading that
 * can still be served, while usage in flight of a hot tenant stays exact.
 */
class LocalUsageBoundTests {

	private static final String METER = "http.requests";

	private final MutableClock clock = new MutableClock(Instant.parse("2026-11-23T10:15:00Z"));

	private final AtomicLong nanos = new AtomicLong();

	@Test
	void aMillionTenantsSeenOnceAreForgottenWhileAHotTenantStaysExact() {
		QuotaPolicy hard = new QuotaPolicy("free-" + METER + "-day", METER, BigDecimal.valueOf(10), QuotaWindow.DAY,
				Enforcement.HARD, null);
		ConfiguredQuotaDefinitions definitions = new ConfiguredQuotaDefinitions(Map.of("free", List.of(hard)),
				Map.of(), "free");
		LocalUsage local = new LocalUsage((scope, meter) -> true, null, this.nanos::get, this.clock);
		InMemoryLedger ledger = new InMemoryLedger();
		LedgerReadings readings = new LedgerReadings(ledger, local, Duration.ofSeconds(15), 1000, Runnable::run);
		QuotaEnforcementService service = new QuotaEnforcementService(definitions, readings, local, this.clock,
				OnUnknownUsage.ALLOW, (event) -> {
				}, QuotaObserver.NONE);

		// The hot tenant: 4 used, written, and 3 more accepted but not written yet.
		List<UsageEvent> hotWritten = new ArrayList<>();
		for (int i = 0; i < 7; i++) {
			QuotaDecision decision = service.check("hot", METER, 1);
			assertThat(decision.allowed()).isTrue();
			UsageEvent event = UsageEvent.builder("hot", METER).occurredAt(this.clock.instant()).build();
			local.accepted(event, decision.reservation());
			decision.reservation().release();
			if (i < 4) {
				hotWritten.add(event);
			}
		}
		write(local, ledger, hotWritten);

		long heapBefore = usedHeap();
		int tenants = 1_000_000;
		List<UsageEvent> batch = new ArrayList<>(1000);
		for (int t = 0; t < tenants; t++) {
			UsageEvent event = UsageEvent.builder("tenant-" + t, METER).occurredAt(this.clock.instant()).build();
			local.accepted(event);
			batch.add(event);
			if (batch.size() == 1000) {
				// Only the local usage is measured: the ledger is elsewhere.
				write(local, new InMemoryLedger(), batch);
				batch = new ArrayList<>(1000);
			}
		}
		assertThat(local.trackedMeters()).isEqualTo(tenants + 1);
		long heapFull = usedHeap();

		// Past the age of the oldest servable reading, committed usage is in every reading.
		this.nanos.addAndGet(TimeUnit.MINUTES.toNanos(12));
		local.sweep();
		long heapSwept = usedHeap();
		System.out.printf("LocalUsage of 1,000,000 tenants: +%d MB, after the sweep %+d MB of the start%n",
				(heapFull - heapBefore) >> 20, (heapSwept - heapBefore) >> 20);

		// Only the hot tenant's unwritten events are left.
		assertThat(local.trackedMeters()).isEqualTo(1);
		readings.invalidateAll();
		QuotaDecision fourth = service.check("hot", METER, 3);
		assertThat(fourth.allowed()).isTrue();
		assertThat(fourth.remaining()).isEqualByComparingTo("0");
		assertThat(service.check("hot", METER, 1).allowed()).isFalse();
	}

	private static void write(LocalUsage local, InMemoryLedger ledger, List<UsageEvent> batch) {
		local.writing(batch);
		ledger.commit(batch);
		local.written(batch);
	}

	private static long usedHeap() {
		Runtime runtime = Runtime.getRuntime();
		for (int i = 0; i < 3; i++) {
			System.gc();
		}
		return runtime.totalMemory() - runtime.freeMemory();
	}

}
