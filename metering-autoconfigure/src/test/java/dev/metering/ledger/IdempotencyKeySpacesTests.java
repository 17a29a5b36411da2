package dev.metering.ledger;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import dev.metering.event.DefaultUsageRecorder;
import dev.metering.event.InvalidUsageEventException;
import dev.metering.event.UsageEvent;
import dev.metering.event.UsageEventValidator;
import dev.metering.test.TestDatabase;
import dev.metering.test.TestSchema;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * MySQL's and MariaDB's {@code utf8mb4_bin} pads with spaces: {@code k} and {@code k } are one
 * key to the unique index, so the second event would be taken and then dropped as a duplicate
 * without a word. An idempotency key that starts or ends with whitespace is refused when it is
 * recorded, on every database alike, naming the field.
 */
class IdempotencyKeySpacesTests {

	@ParameterizedTest
	@EnumSource(TestDatabase.class)
	void aKeyWithTrailingSpacesIsRefusedInsteadOfSilentlyDropped(TestDatabase database) {
		try (TestSchema schema = database.newSchema()) {
			JdbcUsageEventStore store = new JdbcUsageEventStore(schema.dataSource(), schema::dialect, schema.tables());
			List<UsageEvent> offered = new ArrayList<>();
			DefaultUsageRecorder recorder = new DefaultUsageRecorder(
					UsageEventValidator.ledgerLimits(Clock.systemUTC()), offered::add);

			recorder.record(UsageEvent.builder("acme", "api.calls").idempotencyKey("k").build());
			for (String key : List.of("k ", "k  ", " k", "k\t")) {
				assertThatExceptionOfType(InvalidUsageEventException.class)
					.isThrownBy(() -> recorder.record(UsageEvent.builder("acme", "api.calls").idempotencyKey(key).build()))
					.satisfies((ex) -> assertThat(ex.getField()).isEqualTo("idempotencyKey"));
			}
			assertThat(store.insert(offered, Instant.now())).isEqualTo(new InsertResult(1, 0));
			assertThat(schema.eventCount()).isEqualTo(1);
		}
	}

}
