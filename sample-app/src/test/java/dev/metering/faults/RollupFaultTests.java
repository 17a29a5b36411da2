package dev.metering.faults;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import dev.metering.event.UsageEvent;
import dev.metering.ledger.JdbcUsageEventStore;
import dev.metering.test.TestDatabase;
import dev.metering.test.TestSchema;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The rollup job killed mid-fold ({@code kill -9} of its instance, part of the backlog folded):
 * another instance takes over and the rollups end up equal to the ledger, every event folded
 * exactly once. The takeover time includes the second instance's start.
 */
class RollupFaultTests {

	private static final int EVENTS = 60_000;

	@Test
	void aRollupKilledMidFoldIsFinishedByAnotherInstanceAndRollupsEqualTheLedger() throws Exception {
		try (TestSchema schema = TestDatabase.POSTGRESQL.newSchema()) {
			insertLedger(schema);
			// Small batches: a fold of the backlog takes many transactions, so the kill lands inside one.
			List<String> properties = new ArrayList<>(FaultHarness.properties(schema,
					FaultHarness.postgresUrl(0, FaultHarness.tenant("rollup")), null));
			properties.remove("metering.rollup.enabled=false");
			properties.addAll(List.of("metering.rollup.enabled=true", "metering.rollup.initial-delay=0s",
					"metering.rollup.interval=1s", "metering.rollup.batch-size=300"));
			long folded;
			try (ChildApp first = new ChildApp("rollup-first", properties)) {
				folded = awaitFolded(schema, 1, Duration.ofMinutes(2));
				first.kill();
			}
			assertThat(folded).as("killed mid-fold").isPositive().isLessThan(EVENTS);
			long killed = System.nanoTime();
			Duration takeover;
			try (ChildApp second = new ChildApp("rollup-second", properties)) {
				assertThat(awaitFolded(schema, EVENTS, Duration.ofMinutes(3))).isEqualTo(EVENTS);
				takeover = Duration.ofNanos(System.nanoTime() - killed);
			}

			List<Map<String, Object>> ledger = schema.jdbc()
				.queryForList("select tenant_id, meter, billing_scope_id, date_trunc('hour', occurred_at) as hour, "
						+ "sum(quantity) as quantity, count(*) as events from " + schema.tables().usageEvent()
						+ " group by 1, 2, 3, 4 order by 1, 2, 3, 4");
			List<Map<String, Object>> rollups = schema.jdbc()
				.queryForList("select tenant_id, meter, billing_scope_id, period_start as hour, quantity, "
						+ "event_count as events from " + schema.tables().usageRollup() + " order by 1, 2, 3, 4");
			assertThat(rollups).hasSameSizeAs(ledger);
			for (int i = 0; i < ledger.size(); i++) {
				assertThat(((BigDecimal) rollups.get(i).get("quantity")))
					.isEqualByComparingTo((BigDecimal) ledger.get(i).get("quantity"));
				assertThat(((Number) rollups.get(i).get("events")).longValue())
					.isEqualTo(((Number) ledger.get(i).get("events")).longValue());
				assertThat(rollups.get(i).get("tenant_id")).isEqualTo(ledger.get(i).get("tenant_id"));
			}
			new FaultResult("rollup instance killed mid-fold (" + folded + " of " + EVENTS + " folded), another takes over", 0, Duration.ZERO, EVENTS,
					sumFolded(schema), EVENTS, 0, null, takeover)
				.append();
		}
	}

	private static void insertLedger(TestSchema schema) {
		// Without batch sums: folded from its rows in 300-row batches, the backlog takes many transactions.
		JdbcUsageEventStore store = new JdbcUsageEventStore(schema.dataSource(), schema::dialect, schema.tables(),
				false);
		Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
		List<UsageEvent> batch = new ArrayList<>();
		for (int i = 0; i < EVENTS; i++) {
			batch.add(UsageEvent.builder("tenant-" + (i % 7), (i % 3 == 0) ? "reports.pages" : "http.requests")
				.quantity(BigDecimal.valueOf(1 + i % 5))
				.occurredAt(now.minus(i % 48, ChronoUnit.HOURS))
				.build());
			if (batch.size() == 10_000) {
				store.insert(batch, now);
				batch.clear();
			}
		}
	}

	private static long awaitFolded(TestSchema schema, long atLeast, Duration timeout) {
		long deadline = System.nanoTime() + timeout.toNanos();
		long folded = 0;
		while (System.nanoTime() < deadline) {
			folded = sumFolded(schema);
			if (folded >= atLeast) {
				return folded;
			}
			SteadyLoad.sleep(20);
		}
		return folded;
	}

	private static long sumFolded(TestSchema schema) {
		Long folded = schema.jdbc()
			.queryForObject("select coalesce(sum(event_count), 0) from " + schema.tables().usageRollup(), Long.class);
		return (folded != null) ? folded : 0;
	}

}
