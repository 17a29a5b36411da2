package dev.metering.ledger;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import dev.metering.internal.json.DimensionsJson;
import dev.metering.event.UsageEvent;
import dev.metering.test.TestDatabase;
import dev.metering.test.TestSchema;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * PostgreSQL's two ways of writing a batch, look-up plus COPY (with pgjdbc) and
 * {@code INSERT ... unnest ... ON CONFLICT} (without), give the same rows and the same exact
 * counts; and a key committed by another writer between the look-up and the COPY is skipped, not
 * written twice nor failing the batch.
 */
class PostgresSqlDialectTests {

	private static final Instant NOW = Instant.now().truncatedTo(ChronoUnit.MILLIS);

	@ParameterizedTest(name = "copy={0}")
	@ValueSource(booleans = { true, false })
	void skipsRepeatsInsideAndAcrossBatchesWithExactCounts(boolean copy) {
		try (TestSchema schema = TestDatabase.POSTGRESQL.newSchema()) {
			JdbcUsageEventStore store = new JdbcUsageEventStore(schema.dataSource(),
					new PostgresSqlDialect(schema.tables(), copy, true));
			UsageEvent a = event("acme", null);
			UsageEvent b = event("acme", null);

			InsertResult first = store.insert(
					List.of(a, b, a, event("acme", "k1"), event("acme", "k1"), event("globex", "k1")), NOW);
			InsertResult second = store.insert(List.of(b, event("acme", "k1"), event("acme", "k2"), a), NOW);
			InsertResult allRepeats = store.insert(List.of(a, b), NOW);

			assertThat(first).isEqualTo(new InsertResult(4, 2));
			assertThat(second).isEqualTo(new InsertResult(1, 3));
			assertThat(allRepeats).isEqualTo(new InsertResult(0, 2));
			assertThat(schema.eventCount()).isEqualTo(5);
		}
	}

	@ParameterizedTest(name = "copy={0}")
	@ValueSource(booleans = { true, false })
	void keepsCharactersThatCopyEscapes(boolean copy) {
		try (TestSchema schema = TestDatabase.POSTGRESQL.newSchema()) {
			JdbcUsageEventStore store = new JdbcUsageEventStore(schema.dataSource(),
					new PostgresSqlDialect(schema.tables(), copy, true));
			String awkward = "back\\slash\ttab\nnew line\r\\N \"quoted\" ünïcödé";
			UsageEvent event = UsageEvent.builder("acme", "http.requests")
				.occurredAt(NOW)
				.userId(awkward)
				.resource(awkward)
				.idempotencyKey(awkward)
				.dimension("path\\name", awkward)
				.build();

			assertThat(store.insert(List.of(event), NOW)).isEqualTo(new InsertResult(1, 0));

			Map<String, Object> row = schema.jdbc()
				.queryForMap("SELECT user_id, resource, idempotency_key, dimensions FROM " + schema.tables().usageEvent());
			assertThat(row.get("user_id")).isEqualTo(awkward);
			assertThat(row.get("resource")).isEqualTo(awkward);
			assertThat(row.get("idempotency_key")).isEqualTo(awkward);
			assertThat(DimensionsJson.decode(row.get("dimensions").toString()))
				.containsExactly(Map.entry("path\\name", awkward));
			assertThat(store.insert(List.of(event), NOW)).isEqualTo(new InsertResult(0, 1));
		}
	}

	@Test
	void skipsAnEventAnotherWriterCommitsBetweenLookUpAndCopy() throws Exception {
		try (TestSchema schema = TestDatabase.POSTGRESQL.newSchema()) {
			JdbcUsageEventStore store = new JdbcUsageEventStore(schema.dataSource(),
					new PostgresSqlDialect(schema.tables(), true, true));
			UsageEvent contested = event("acme", null);
			UsageEvent other = event("acme", null);
			try (Connection rival = schema.dataSource().getConnection()) {
				rival.setAutoCommit(false);
				try (PreparedStatement insert = rival.prepareStatement("INSERT INTO " + schema.tables().usageEvent()
						+ " (event_id, tenant_id, billing_scope_id, meter, quantity, occurred_at, recorded_at, source) "
						+ "VALUES (?, 'acme', 'acme', 'http.requests', 1, now(), now(), 'application')")) {
					insert.setObject(1, contested.eventId());
					insert.executeUpdate();
				}
				// The look-up cannot see the rival's uncommitted row; the COPY then waits on its
				// unique index entry and fails once the rival commits.
				CompletableFuture<InsertResult> result = CompletableFuture
					.supplyAsync(() -> store.insert(List.of(contested, other), NOW));
				Thread.sleep(500);
				rival.commit();

				assertThat(result.get(30, TimeUnit.SECONDS)).isEqualTo(new InsertResult(1, 1));
			}
			assertThat(schema.eventCount()).isEqualTo(2);
		}
	}

	/**
	 * A batch many COPY chunks long that repeats rows already written, first, in the middle and
	 * last: the optimistic COPY fails while it is still streaming (or at its end), and the batch
	 * is still written exactly once, with exact counts.
	 */
	@ParameterizedTest(name = "repeat at {0}")
	@ValueSource(strings = { "first", "middle", "last" })
	void skipsRepeatsOfALargeBatchWhereverTheCopyFails(String where) {
		try (TestSchema schema = TestDatabase.POSTGRESQL.newSchema()) {
			JdbcUsageEventStore store = new JdbcUsageEventStore(schema.dataSource(),
					new PostgresSqlDialect(schema.tables(), true, true));
			List<UsageEvent> batch = new java.util.ArrayList<>();
			for (int i = 0; i < 5_000; i++) {
				batch.add(UsageEvent.builder("acme", "http.requests")
					.occurredAt(NOW)
					.resource("GET /api/projects/{id}")
					.dimension("status", "200")
					.idempotencyKey((i % 10 == 0) ? "key-" + i : null)
					.build());
			}
			int at = switch (where) {
				case "first" -> 0;
				case "middle" -> 2_500;
				default -> 4_999;
			};
			UsageEvent written = batch.get(at);
			UsageEvent sameKey = UsageEvent.builder("acme", "http.requests").occurredAt(NOW).idempotencyKey("key-4990").build();
			assertThat(store.insert(List.of(written, sameKey), NOW)).isEqualTo(new InsertResult(2, 0));

			assertThat(store.insert(batch, NOW)).isEqualTo(new InsertResult(4_998, 2));
			assertThat(schema.eventCount()).isEqualTo(5_000);
			assertThat(store.insert(batch, NOW)).isEqualTo(new InsertResult(0, 5_000));
			assertThat(schema.eventCount()).isEqualTo(5_000);
		}
	}

	private static UsageEvent event(String tenant, String idempotencyKey) {
		return UsageEvent.builder(tenant, "http.requests").occurredAt(NOW).idempotencyKey(idempotencyKey).build();
	}

}
