package dev.metering.ledger;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import dev.metering.event.UsageEvent;
import dev.metering.test.TestDatabase;
import dev.metering.test.TestSchema;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The monthly partitioned ledger on PostgreSQL (schema-postgresql-partitioned.sql): months created
 * ahead and behind, rows in their month's partition, and the writer's dedup exact across partitions
 * (event ids and (tenant, idempotency key) are claimed in one unpartitioned key table).
 */
public class PartitionedLedgerTests {

	public static final String PARTITIONED_SCHEMA = MeteringSchemaInitializer.PARTITIONED_LEDGER_LOCATION;

	private static final Instant NOW = Instant.parse("2026-12-07T04:00:00Z");

	private static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);

	@Test
	void monthsFromTheLateWindowToThreeAheadGetTheirPartitionOnce() {
		try (TestSchema schema = TestDatabase.POSTGRESQL.newSchema(PARTITIONED_SCHEMA)) {
			LedgerPartitions partitions = new LedgerPartitions(schema.dataSource(), schema.tables(), CLOCK, 2, 3, null, Duration.ofDays(35));
			partitions.ensureMonths();
			assertThat(partitionNames(schema)).containsExactlyInAnyOrder(name(schema, "202610"), name(schema, "202611"),
					name(schema, "202612"), name(schema, "202701"), name(schema, "202702"), name(schema, "202703"),
					schema.tables().usageEvent() + "_default");
			assertThat(partitions.ensureMonth(YearMonth.of(2026, 12))).isFalse();
		}
	}

	@Test
	void aRetriedEventLandsOnceInItsMonthsPartition() {
		try (TestSchema schema = TestDatabase.POSTGRESQL.newSchema(PARTITIONED_SCHEMA)) {
			new LedgerPartitions(schema.dataSource(), schema.tables(), CLOCK, 2, 3, null, Duration.ofDays(35)).ensureMonths();
			JdbcUsageEventStore store = LedgerWriterTests.store(schema, schema.dataSource());
			List<UsageEvent> batch = new ArrayList<>();
			for (int i = 0; i < 300; i++) {
				batch.add(UsageEvent.builder("acme", "api.calls")
					.occurredAt(NOW.minusSeconds(86_400L * (i % 60)))
					.build());
			}
			assertThat(store.insert(batch, NOW)).isEqualTo(new InsertResult(300, 0));
			List<UsageEvent> retry = new ArrayList<>(batch.subList(0, 100));
			UsageEvent fresh = UsageEvent.builder("acme", "api.calls").occurredAt(NOW).build();
			retry.add(fresh);
			assertThat(store.insert(retry, NOW)).isEqualTo(new InsertResult(1, 100));
			assertThat(schema.eventCount()).isEqualTo(301);
			assertThat(schema.jdbc()
				.queryForObject("SELECT COUNT(DISTINCT event_id) FROM " + schema.tables().usageEvent(), Long.class))
				.isEqualTo(301);
			UsageEvent first = batch.get(0);
			assertThat(schema.jdbc()
				.queryForObject("SELECT CAST(tableoid AS regclass)::text FROM " + schema.tables().usageEvent()
						+ " WHERE event_id = ?", String.class, first.eventId()))
				.isEqualTo(name(schema, "202612"));
			assertThat(defaultRows(schema)).isZero();
		}
	}

	@Test
	void anIdempotencyKeyIsOnceAcrossMonths() {
		try (TestSchema schema = TestDatabase.POSTGRESQL.newSchema(PARTITIONED_SCHEMA)) {
			new LedgerPartitions(schema.dataSource(), schema.tables(), CLOCK, 2, 3, null, Duration.ofDays(35)).ensureMonths();
			JdbcUsageEventStore store = LedgerWriterTests.store(schema, schema.dataSource());
			UsageEvent november = UsageEvent.builder("acme", "exports")
				.idempotencyKey("export-1")
				.occurredAt(Instant.parse("2026-11-20T10:00:00Z"))
				.build();
			UsageEvent december = UsageEvent.builder("acme", "exports")
				.idempotencyKey("export-1")
				.occurredAt(Instant.parse("2026-12-02T10:00:00Z"))
				.build();
			UsageEvent sameIdOtherMonth = UsageEvent.builder("acme", "exports")
				.eventId(november.eventId())
				.occurredAt(Instant.parse("2026-10-02T10:00:00Z"))
				.build();
			UsageEvent otherTenant = UsageEvent.builder("globex", "exports")
				.idempotencyKey("export-1")
				.occurredAt(Instant.parse("2026-12-02T10:00:00Z"))
				.build();
			assertThat(store.insert(List.of(november), NOW)).isEqualTo(new InsertResult(1, 0));
			assertThat(store.insert(List.of(december, sameIdOtherMonth, otherTenant), NOW))
				.isEqualTo(new InsertResult(1, 2));
			assertThat(schema.eventCount()).isEqualTo(2);
		}
	}

	@Test
	void aMonthsRowsTakenByTheDefaultPartitionMoveIntoItsNewPartition() {
		try (TestSchema schema = TestDatabase.POSTGRESQL.newSchema(PARTITIONED_SCHEMA)) {
			JdbcUsageEventStore store = LedgerWriterTests.store(schema, schema.dataSource());
			UsageEvent early = UsageEvent.builder("acme", "api.calls")
				.occurredAt(Instant.parse("2026-02-10T10:00:00Z"))
				.build();
			assertThat(store.insert(List.of(early), NOW).inserted()).isOne();
			assertThat(defaultRows(schema)).isOne();
			LedgerPartitions partitions = new LedgerPartitions(schema.dataSource(), schema.tables(), CLOCK, 2, 3, null, Duration.ofDays(35));
			assertThat(partitions.ensureMonth(YearMonth.of(2026, 2))).isTrue();
			assertThat(defaultRows(schema)).isZero();
			assertThat(schema.jdbc()
				.queryForObject("SELECT CAST(tableoid AS regclass)::text FROM " + schema.tables().usageEvent()
						+ " WHERE event_id = ?", String.class, early.eventId()))
				.isEqualTo(name(schema, "202602"));
			assertThat(store.insert(List.of(early), NOW)).isEqualTo(new InsertResult(0, 1));
		}
	}

	private static List<String> partitionNames(TestSchema schema) {
		return schema.jdbc()
			.queryForList("SELECT CAST(inhrelid AS regclass)::text FROM pg_inherits WHERE inhparent = CAST(? AS regclass) "
					+ "ORDER BY 1", String.class, schema.tables().usageEvent());
	}

	private static long defaultRows(TestSchema schema) {
		return schema.jdbc()
			.queryForObject("SELECT COUNT(*) FROM " + schema.tables().usageEvent() + "_default", Long.class);
	}

	private static String name(TestSchema schema, String month) {
		return schema.tables().usageEvent() + "_p" + month;
	}

}
