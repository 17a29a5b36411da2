package dev.metering.billing;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import dev.metering.event.UsageEvent;
import dev.metering.ledger.JdbcUsageEventStore;
import dev.metering.test.StatementCountingDataSource;
import dev.metering.test.TestDatabase;
import dev.metering.test.TestSchema;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The usage API's look-up of retried idempotency keys: every key of a request in one round of
 * statements on one connection, each key answered with the id it was first recorded under, and
 * only the asking tenant's keys.
 */
class RecordedEventsTests {

	@ParameterizedTest
	@EnumSource(TestDatabase.class)
	void aRequestsKeysAreLookedUpTogether(TestDatabase database) {
		try (TestSchema schema = database.newSchema()) {
			JdbcUsageEventStore store = new JdbcUsageEventStore(schema.dataSource(), schema::dialect, schema.tables());
			List<UsageEvent> written = new ArrayList<>();
			for (int i = 0; i < 700; i++) {
				written.add(UsageEvent.builder("acme", "api.calls").idempotencyKey("key-" + i).build());
			}
			UsageEvent globex = UsageEvent.builder("globex", "api.calls").idempotencyKey("key-new").build();
			written.add(globex);
			store.insert(written, Instant.now());
			StatementCountingDataSource counting = new StatementCountingDataSource(schema.dataSource());
			RecordedEvents recorded = new RecordedEvents(counting, schema.tables());
			List<String> asked = new ArrayList<>();
			for (int i = 0; i < 1000; i += 2) {
				asked.add("key-" + i);
			}
			asked.add("key-new");

			Map<String, UUID> found = recorded.byIdempotencyKeys("acme", asked);

			assertThat(found).hasSize(350).doesNotContainKey("key-new");
			for (int i = 0; i < 700; i += 2) {
				assertThat(found).containsEntry("key-" + i, written.get(i).eventId());
			}
			// 501 keys: two statements of up to 500 keys, on one connection.
			assertThat(counting.statements()).hasSize(2);
			assertThat(counting.mostOpen()).isEqualTo(1);
			assertThat(recorded.byIdempotencyKeys("globex", List.of("key-new", "key-0")))
				.containsExactly(Map.entry("key-new", globex.eventId()));
		}
	}

}
