package dev.metering.ledger;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import dev.metering.internal.json.DimensionsJson;
import dev.metering.event.UsageEvent;
import dev.metering.event.UsageSource;
import dev.metering.test.TestDatabase;
import dev.metering.test.TestSchema;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The ledger store on every real database: rows round-trip, and duplicates of an event id or of
 * a tenant's idempotency key are skipped without failing the rest of the batch.
 */
class JdbcUsageEventStoreTests {

	private static final Instant NOW = Instant.now().truncatedTo(ChronoUnit.MILLIS);

	@ParameterizedTest
	@EnumSource(TestDatabase.class)
	void writesEveryColumn(TestDatabase database) {
		try (TestSchema schema = database.newSchema()) {
			JdbcUsageEventStore store = new JdbcUsageEventStore(schema.dataSource(), schema::dialect, schema.tables());
			UUID id = UUID.randomUUID();
			UsageEvent event = UsageEvent.builder("acme", "reports.generated")
				.eventId(id)
				.billingScopeId("acme-parent")
				.quantity(new BigDecimal("12.500000001"))
				.occurredAt(NOW.minusSeconds(30))
				.userId("alice")
				.resource("ReportService.generate")
				.source(UsageSource.OPERATION)
				.idempotencyKey("key-1")
				.dimension("status", "200")
				.dimension("quote\"d", "line\nbreak")
				.build();

			InsertResult result = store.insert(List.of(event), NOW);

			assertThat(result).isEqualTo(new InsertResult(1, 0));
			Map<String, Object> row = schema.jdbc()
				.queryForMap("SELECT * FROM " + schema.tables().usageEvent() + " WHERE tenant_id = 'acme'");
			assertThat(row.get("event_id").toString()).isEqualTo(id.toString());
			assertThat(row.get("billing_scope_id")).isEqualTo("acme-parent");
			assertThat(row.get("meter")).isEqualTo("reports.generated");
			assertThat((BigDecimal) row.get("quantity")).isEqualByComparingTo("12.500000001");
			assertThat(row.get("user_id")).isEqualTo("alice");
			assertThat(row.get("resource")).isEqualTo("ReportService.generate");
			assertThat(row.get("source")).isEqualTo("operation");
			assertThat(row.get("idempotency_key")).isEqualTo("key-1");
			assertThat(DimensionsJson.decode(row.get("dimensions").toString()))
				.containsExactly(Map.entry("status", "200"), Map.entry("quote\"d", "line\nbreak"));
			Instant occurred = schema.jdbc()
				.queryForObject("SELECT occurred_at FROM " + schema.tables().usageEvent(), (rs, n) -> readInstant(
						rs.getObject(1)));
			assertThat(occurred).isEqualTo(NOW.minusSeconds(30));
		}
	}

	@ParameterizedTest
	@EnumSource(TestDatabase.class)
	void skipsRepeatedEventIdsInsideAndAcrossBatches(TestDatabase database) {
		try (TestSchema schema = database.newSchema()) {
			JdbcUsageEventStore store = new JdbcUsageEventStore(schema.dataSource(), schema::dialect, schema.tables());
			UsageEvent first = event("acme", null);
			UsageEvent second = event("acme", null);

			InsertResult batch = store.insert(List.of(first, second, first), NOW);
			InsertResult retry = store.insert(List.of(second, first, event("acme", null)), NOW);

			assertThat(batch).isEqualTo(new InsertResult(2, 1));
			assertThat(retry).isEqualTo(new InsertResult(1, 2));
			assertThat(schema.eventCount()).isEqualTo(3);
		}
	}

	@ParameterizedTest
	@EnumSource(TestDatabase.class)
	void skipsRepeatedIdempotencyKeysOfOneTenantOnly(TestDatabase database) {
		try (TestSchema schema = database.newSchema()) {
			JdbcUsageEventStore store = new JdbcUsageEventStore(schema.dataSource(), schema::dialect, schema.tables());

			InsertResult batch = store.insert(List.of(event("acme", "k1"), event("acme", "k1"), event("globex", "k1"),
					event("acme", null), event("acme", null)), NOW);
			InsertResult later = store.insert(List.of(event("acme", "k1"), event("acme", "k2")), NOW);

			assertThat(batch).isEqualTo(new InsertResult(4, 1));
			assertThat(later).isEqualTo(new InsertResult(1, 1));
			assertThat(schema.eventCount()).isEqualTo(5);
		}
	}

	private static UsageEvent event(String tenant, String idempotencyKey) {
		return UsageEvent.builder(tenant, "http.requests").occurredAt(NOW).idempotencyKey(idempotencyKey).build();
	}

	static Instant readInstant(Object value) {
		if (value instanceof java.time.OffsetDateTime offset) {
			return offset.toInstant();
		}
		if (value instanceof java.time.LocalDateTime local) {
			return local.toInstant(java.time.ZoneOffset.UTC);
		}
		if (value instanceof java.sql.Timestamp timestamp) {
			return timestamp.toInstant();
		}
		throw new IllegalArgumentException("Unexpected timestamp type " + value.getClass());
	}

}
