package dev.metering.ledger;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import dev.metering.event.UsageEvent;
import dev.metering.test.TestDatabase;
import dev.metering.test.TestSchema;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The documented migration of an unpartitioned PostgreSQL ledger to monthly partitions
 * (upgrade/partition-1, schema-postgresql-partitioned.sql, upgrade/partition-3, then the kit's
 * first start), on a small ledger: every row keeps its id and its month's partition takes it,
 * retries of migrated events stay duplicates and new rows take ids after the old ones.
 */
class PartitionMigrationTests {

	private static final Instant NOW = Instant.parse("2026-12-07T04:00:00Z");

	@Test
	void aSmallLedgerMovesIntoMonthlyPartitionsKeepingItsIdsAndItsDedup() {
		try (TestSchema schema = TestDatabase.POSTGRESQL.newSchema()) {
			JdbcUsageEventStore store = LedgerWriterTests.store(schema, schema.dataSource());
			List<UsageEvent> events = new ArrayList<>();
			for (int i = 0; i < 120; i++) {
				UsageEvent.Builder event = UsageEvent.builder((i % 2 == 0) ? "acme" : "globex", "api.calls")
					.occurredAt(NOW.minus(Duration.ofDays(i * 3L)));
				if (i % 10 == 0) {
					event.idempotencyKey("key-" + i);
				}
				events.add(event.build());
			}
			assertThat(store.insert(events, NOW).inserted()).isEqualTo(120);
			String ledger = schema.tables().usageEvent();
			List<Map<String, Object>> before = rows(schema);

			schema.runScript("classpath:dev/metering/ledger/upgrade/partition-1-@@platform@@.sql");
			schema.runScript(PartitionedLedgerTests.PARTITIONED_SCHEMA);
			schema.runScript("classpath:dev/metering/ledger/upgrade/partition-3-@@platform@@.sql");
			new LedgerPartitions(schema.dataSource(), schema.tables(), Clock.fixed(NOW, ZoneOffset.UTC), 2, 3, null,
					Duration.ofDays(35))
				.ensureMonths();

			assertThat(rows(schema)).isEqualTo(before);
			assertThat(schema.jdbc().queryForObject("SELECT COUNT(*) FROM " + ledger + "_default", Long.class)).isZero();
			assertThat(schema.jdbc()
				.queryForObject("SELECT COUNT(*) FROM " + ledger + " WHERE CAST(tableoid AS regclass)::text <> "
						+ "'" + ledger + "_p' || to_char(occurred_at AT TIME ZONE 'UTC', 'YYYYMM')", Long.class))
				.isZero();
			assertThat(schema.jdbc().queryForObject("SELECT to_regclass(?) IS NULL", Boolean.class,
					ledger + "_unpartitioned"))
				.isTrue();
			UsageEvent retriedKey = UsageEvent.builder("acme", "api.calls").idempotencyKey("key-30").occurredAt(NOW).build();
			UsageEvent fresh = UsageEvent.builder("acme", "api.calls").occurredAt(NOW).build();
			assertThat(store.insert(List.of(events.get(7), retriedKey, fresh), NOW)).isEqualTo(new InsertResult(1, 2));
			long maxBefore = schema.jdbc().queryForObject("SELECT MAX(id) FROM " + ledger + " WHERE event_id <> ?",
					Long.class, fresh.eventId());
			assertThat(schema.jdbc().queryForObject("SELECT id FROM " + ledger + " WHERE event_id = ?", Long.class,
					fresh.eventId()))
				.isGreaterThan(maxBefore);
		}
	}

	private static List<Map<String, Object>> rows(TestSchema schema) {
		return schema.jdbc()
			.queryForList("SELECT id, event_id, idempotency_key, tenant_id, quantity, occurred_at FROM "
					+ schema.tables().usageEvent() + " ORDER BY id");
	}

}
