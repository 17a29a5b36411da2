package dev.metering.ledger;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.Collectors;

import dev.metering.event.InvalidUsageEventException;
import dev.metering.event.UsageEvent;
import dev.metering.event.UsageEventValidator;
import dev.metering.event.UsageSource;
import dev.metering.internal.spool.SpoolRecordCodec;
import dev.metering.test.TestDatabase;
import dev.metering.test.TestSchema;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * Fuzzed events through validation, the spool's record format and the ledger, on every real
 * database: 10 seeds of 1,000 generated events each (control characters, lone surrogates,
 * 10 kB values, NaN-like and huge quantities, far past and future times, many dimensions).
 * Each is either refused with an {@link InvalidUsageEventException} naming a field, or accepted;
 * an accepted one survives the spool's encoding unchanged and is stored by the database exactly
 * as recorded: never a row the database refuses or alters. A failure names the seed and case.
 */
class RecordFuzzTests {

	private static final int CASES_PER_SEED = 1_000;

	private static final Set<String> FIELDS = Set.of("tenantId", "billingScopeId", "meter", "quantity",
			"occurredAt", "userId", "resource", "source", "idempotencyKey", "dimensions");

	static List<Arguments> seeds() {
		List<Arguments> arguments = new ArrayList<>();
		for (TestDatabase database : TestDatabase.values()) {
			for (long seed = 1; seed <= 10; seed++) {
				arguments.add(Arguments.of(database, seed));
			}
		}
		return arguments;
	}

	@ParameterizedTest(name = "{0} seed {1}")
	@MethodSource("seeds")
	void everyGeneratedEventIsRefusedByNameOrStoredExactly(TestDatabase database, long seed) {
		Clock clock = Clock.systemUTC();
		UsageEventValidator validator = new UsageEventValidator(clock, Duration.ofDays(35), new BigDecimal("1e12"));
		EventGenerator generator = new EventGenerator(new Random(seed), clock.instant());
		List<UsageEvent> accepted = new ArrayList<>();
		for (int i = 0; i < CASES_PER_SEED; i++) {
			UsageEvent event = generator.next();
			Throwable refusal = catchThrowable(() -> validator.validate(event));
			if (refusal == null) {
				UsageEvent decoded = SpoolRecordCodec.decode(
						ByteBuffer.wrap(SpoolRecordCodec.encode(event)).position(SpoolRecordCodec.HEADER_BYTES).slice());
				assertThat(decoded).as("seed %d case %d round trip", seed, i).usingRecursiveComparison().isEqualTo(event);
				accepted.add(event);
			}
			else {
				assertThat(refusal).as("seed %d case %d: %s", seed, i, event).isInstanceOf(InvalidUsageEventException.class);
				assertThat(((InvalidUsageEventException) refusal).getField()).isIn(FIELDS);
			}
		}
		assertThat(accepted).as("the generator also makes valid events").hasSizeGreaterThan(CASES_PER_SEED / 10);
		try (TestSchema schema = database.newSchema()) {
			JdbcUsageEventStore store = new JdbcUsageEventStore(schema.dataSource(), schema::dialect, schema.tables());
			// One batch; only if the database refuses it, one event at a time to name the culprit.
			if (catchThrowable(() -> store.insert(accepted, Instant.now())) != null) {
				for (UsageEvent event : accepted) {
					Throwable failure = catchThrowable(() -> store.insert(List.of(event), Instant.now()));
					assertThat(failure).as("seed %d: the database refused a valid event %s", seed, event).isNull();
				}
			}
			Map<UUID, Map<String, Object>> rows = schema.jdbc()
				.queryForList("select event_id, tenant_id, meter, user_id, resource, idempotency_key, quantity from "
						+ schema.tables().usageEvent())
				.stream()
				.collect(Collectors.toMap((row) -> UUID.fromString(row.get("event_id").toString()), Function.identity()));
			assertThat(rows).hasSameSizeAs(accepted.stream().map(UsageEvent::eventId).distinct().toList());
			for (UsageEvent event : accepted) {
				Map<String, Object> row = rows.get(event.eventId());
				assertThat(row.get("tenant_id")).as("seed %d tenant of %s", seed, event.eventId()).isEqualTo(event.tenantId());
				assertThat(row.get("user_id")).as("seed %d user", seed).isEqualTo(event.userId());
				assertThat(row.get("resource")).as("seed %d resource", seed).isEqualTo(event.resource());
				assertThat((BigDecimal) row.get("quantity")).isEqualByComparingTo(event.quantity());
			}
		}
	}

	@Test
	void textNoLedgerCanStoreIsRefusedByField() {
		UsageEventValidator validator = new UsageEventValidator(Clock.systemUTC(), Duration.ofDays(35),
				new BigDecimal("1e12"));
		assertThat(catchThrowable(() -> validator.validate(UsageEvent.builder("acme\u0000", "http.requests").build())))
			.isInstanceOfSatisfying(InvalidUsageEventException.class,
					(ex) -> assertThat(ex.getField()).isEqualTo("tenantId"));
		assertThat(catchThrowable(
				() -> validator.validate(UsageEvent.builder("acme", "http.requests").userId("u\ud83d").build())))
			.isInstanceOfSatisfying(InvalidUsageEventException.class,
					(ex) -> assertThat(ex.getField()).isEqualTo("userId"));
		assertThat(catchThrowable(() -> validator
			.validate(UsageEvent.builder("acme", "http.requests").dimension("k", "\ude00").build())))
			.isInstanceOfSatisfying(InvalidUsageEventException.class,
					(ex) -> assertThat(ex.getField()).isEqualTo("dimensions"));
		// A well-formed pair (an emoji) is text like any other.
		validator.validate(UsageEvent.builder("acme-\ud83d\ude00", "http.requests").build());
	}

	/** Events whose every field is drawn from values that break naive code. */
	static final class EventGenerator {

		private static final String[] NASTY = { "", " ", "\t", "\u0000", "a\u0000b", "\r\n", "\\", "\\N", "'", "\"",
				"%", "_", "\u007f", "\u0085", "\u2028", "\ufeff", "\ud83d\ude00", "\ud83d", "\ude00x", "e\u0301",
				"\u202e", "NULL", "null", "<script>", "${x}", "#{1+1}", ";drop table t;--", "\u00e9t\u00e9" };

		private final Random random;

		private final Instant now;

		EventGenerator(Random random, Instant now) {
			this.random = random;
			this.now = now;
		}

		UsageEvent next() {
			String tenant = string(140);
			return new UsageEvent(UUID.randomUUID(), tenant, this.random.nextInt(4) == 0 ? string(140) : tenant,
					meter(), quantity(), occurredAt(), nullable(string(300)), nullable(string(600)),
					UsageSource.values()[this.random.nextInt(UsageSource.values().length)], nullable(string(220)),
					dimensions());
		}

		private String meter() {
			return switch (this.random.nextInt(4)) {
				case 0 -> string(140);
				case 1 -> "http.requests";
				default -> "m" + this.random.nextInt(1000) + (this.random.nextBoolean() ? "" : ".x_y-z");
			};
		}

		private BigDecimal quantity() {
			return switch (this.random.nextInt(6)) {
				case 0 -> BigDecimal.valueOf(this.random.nextLong());
				case 1 -> new BigDecimal(new BigInteger(200, this.random), this.random.nextInt(40) - 20);
				case 2 -> BigDecimal.ZERO;
				case 3 -> new BigDecimal(BigInteger.valueOf(this.random.nextInt(1_000_000)), this.random.nextInt(13));
				default -> BigDecimal.valueOf(this.random.nextInt(100));
			};
		}

		private Instant occurredAt() {
			long seconds = (long) ((this.random.nextDouble() * 2 - 1.5) * Duration.ofDays(40).toSeconds());
			return switch (this.random.nextInt(3)) {
				case 0 -> this.now.plusSeconds(seconds);
				case 1 -> this.now.plusSeconds(this.random.nextInt(600) - 300);
				default -> this.now.minusSeconds(this.random.nextInt(3600));
			};
		}

		private Map<String, String> dimensions() {
			Map<String, String> dimensions = new LinkedHashMap<>();
			int count = (this.random.nextInt(5) == 0) ? this.random.nextInt(40) : this.random.nextInt(3);
			for (int i = 0; i < count; i++) {
				dimensions.put(string(40), string(this.random.nextInt(10) == 0 ? 10_000 : 40));
			}
			return dimensions;
		}

		private String nullable(String value) {
			return this.random.nextBoolean() ? null : value;
		}

		/** Mostly short pieces, sometimes very long ones, around the length limits. */
		private String string(int maxLength) {
			StringBuilder out = new StringBuilder();
			int pieces = 1 + this.random.nextInt(4);
			for (int i = 0; i < pieces; i++) {
				switch (this.random.nextInt(5)) {
					case 0 -> out.append(NASTY[this.random.nextInt(NASTY.length)]);
					case 1 -> out.append("x".repeat(this.random.nextInt(maxLength + 20)));
					case 2 -> out.append((char) this.random.nextInt(0x20));
					default -> out.append("tenant-").append(this.random.nextInt(100));
				}
			}
			if (this.random.nextInt(50) == 0) {
				out.append("y".repeat(10_000));
			}
			return out.toString();
		}

	}

}
