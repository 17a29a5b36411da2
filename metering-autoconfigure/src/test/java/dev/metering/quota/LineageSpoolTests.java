package dev.metering.quota;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import dev.metering.event.UsageEvent;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Events on the spool's disk only keep the ancestors they were counted under, across a hierarchy
 * change, with memory per run of alike events rather than per event: each ancestor's local usage
 * counts exactly its events in flight and comes back to nothing once they are written.
 */
class LineageSpoolTests {

	private static final String METER = "api.calls";

	@Test
	void spooledEventsKeepTheirAncestorsAcrossAHierarchyChange() {
		LocalUsage local = new LocalUsage((scope, meter) -> true);
		AtomicReference<List<String>> parents = new AtomicReference<>(List.of("org-a"));
		LineageWriteListener lineage = new LineageWriteListener(local, (tenant) -> parents.get());
		List<UsageEvent> events = new ArrayList<>();
		for (int i = 0; i < 1000; i++) {
			if (i == 600) {
				// Moved to another organisation while 600 of its events wait on disk.
				parents.set(List.of("org-b"));
			}
			UsageEvent event = UsageEvent.builder("team", METER).build();
			events.add(event);
			lineage.spooled(event);
		}
		assertThat(lineage.spooledTenants()).isOne();
		assertThat(lineage.eventsInFlight()).isZero();
		assertThat(unread(local, "team")).isEqualByComparingTo("1000");
		assertThat(unread(local, "org-a")).isEqualByComparingTo("600");
		assertThat(unread(local, "org-b")).isEqualByComparingTo("400");

		parents.set(List.of("org-c"));
		for (int from = 0; from < events.size(); from += 100) {
			List<UsageEvent> batch = events.subList(from, from + 100);
			batch.forEach(lineage::unspooled);
			lineage.writing(batch);
			lineage.written(batch);
		}

		assertThat(lineage.spooledTenants()).isZero();
		assertThat(lineage.eventsInFlight()).isZero();
		assertThat(local.spooledMeters()).isZero();
		assertThat(local.trackedEvents()).isZero();
		for (String scope : List.of("team", "org-a", "org-b", "org-c")) {
			assertThat(unread(local, scope)).as(scope).isEqualByComparingTo("0");
		}
	}

	@Test
	void aQuotaAddedWhileEventsWaitOnDiskUncountsOnlyWhatWasCounted() {
		java.util.concurrent.atomic.AtomicBoolean quota = new java.util.concurrent.atomic.AtomicBoolean(false);
		LocalUsage local = new LocalUsage((scope, meter) -> quota.get());
		List<UsageEvent> events = new ArrayList<>();
		for (int i = 0; i < 300; i++) {
			// No quota for the first 100, one for the next 100, none again, then one.
			quota.set(i >= 100 && i < 200 || i >= 250);
			UsageEvent event = UsageEvent.builder("team", METER).build();
			events.add(event);
			local.spooled(event);
		}
		assertThat(unread(local, "team")).isEqualByComparingTo("150");
		assertThat(local.spooledMeters()).isOne();

		quota.set(true);
		for (int from = 0; from < events.size(); from += 50) {
			List<UsageEvent> batch = events.subList(from, from + 50);
			BigDecimal before = unread(local, "team");
			batch.forEach(local::unspooled);
			// Leaving the disk changes nothing of what is counted.
			assertThat(unread(local, "team")).isEqualByComparingTo(before);
			local.writing(batch);
			local.written(batch);
		}

		assertThat(local.spooledMeters()).isZero();
		assertThat(local.trackedEvents()).isZero();
		assertThat(unread(local, "team")).isEqualByComparingTo("0");
	}

	private static BigDecimal unread(LocalUsage local, String scope) {
		MeterUsage usage = local.meter(scope, METER);
		synchronized (usage) {
			return usage.unread(Long.MIN_VALUE, Long.MAX_VALUE, local.sequence());
		}
	}

}
