package dev.metering.ledger;

import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.UUID;

import dev.metering.event.UsageEvent;
import dev.metering.event.UsageSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The byte encoder of COPY rows writes what the plain text encoding gives (each column's
 * {@link EventColumn#text} escaped, as UTF-8), whatever the chunk size it hands over.
 */
class PostgresCopyTextTests {

	private static final String[] AWKWARD = { "plain", "back\\slash", "tab\there", "new\nline", "cr\rhere", "\\N",
			"ünïcödé", "emoji \uD83D\uDE00 and \\ tab\t", "lone \uD800 surrogate", "", "\"quoted\"" };

	private static final Map<String, String>[] SHARED_DIMENSIONS = sharedDimensions();

	@ParameterizedTest(name = "chunk of {0} bytes")
	@ValueSource(ints = { 1, 7, 100, PostgresCopyText.CHUNK_BYTES })
	void writesThePlainTextEncodingInAnyChunks(int chunkBytes) throws SQLException {
		List<UsageEvent> events = events(2_000, 7);
		Instant recordedAt = Instant.parse("2026-12-01T20:30:00.123456Z");
		ByteArrayOutputStream sent = new ByteArrayOutputStream();
		List<Integer> chunks = new ArrayList<>();
		PostgresCopyText rows = new PostgresCopyText((bytes, offset, length) -> {
			sent.write(bytes, offset, length);
			chunks.add(length);
		}, recordedAt, chunkBytes);
		for (UsageEvent event : events) {
			rows.appendRow(event);
		}
		rows.flush();

		assertThat(new String(sent.toByteArray(), StandardCharsets.UTF_8)).isEqualTo(reference(events, recordedAt));
		assertThat(rows.rows()).isEqualTo(events.size());
		if (chunkBytes == PostgresCopyText.CHUNK_BYTES) {
			assertThat(chunks).hasSizeGreaterThan(1).allSatisfy((length) -> assertThat(length).isLessThanOrEqualTo(chunkBytes));
		}
	}

	@Test
	void leavesRecordedAtOutWhenNotGiven() throws SQLException {
		List<UsageEvent> events = events(50, 3);
		ByteArrayOutputStream sent = new ByteArrayOutputStream();
		PostgresCopyText rows = new PostgresCopyText(sent::write, null);
		for (UsageEvent event : events) {
			rows.appendRow(event);
		}
		rows.flush();

		assertThat(new String(sent.toByteArray(), StandardCharsets.UTF_8)).isEqualTo(reference(events, null));
	}

	@Test
	void writesInstantsAsInstantToStringDoes() {
		SplittableRandom random = new SplittableRandom(11);
		byte[] out = new byte[64];
		List<Instant> instants = new ArrayList<>(List.of(Instant.EPOCH, Instant.MIN, Instant.MAX,
				Instant.parse("0000-01-01T00:00:00Z"), Instant.parse("9999-12-31T23:59:59.999999999Z"),
				Instant.parse("-0001-12-31T23:59:59Z"), Instant.parse("+10000-01-01T00:00:00Z"),
				Instant.parse("1969-12-31T23:59:59.999Z"), Instant.parse("2024-02-29T12:00:00.000001Z")));
		for (int i = 0; i < 100_000; i++) {
			long seconds = random.nextLong(-70_000_000_000L, 260_000_000_000L);
			int nanos = switch (random.nextInt(4)) {
				case 0 -> 0;
				case 1 -> random.nextInt(1000) * 1_000_000;
				case 2 -> random.nextInt(1_000_000) * 1_000;
				default -> random.nextInt(1_000_000_000);
			};
			instants.add(Instant.ofEpochSecond(seconds, nanos));
		}
		for (Instant instant : instants) {
			int end = PostgresCopyText.writeInstant(out, 0, instant);
			assertThat(new String(out, 0, end, StandardCharsets.US_ASCII)).isEqualTo(instant.toString());
		}
	}

	/** What COPY text was before the byte encoder: each column's text, escaped, in UTF-8. */
	private static String reference(List<UsageEvent> events, Instant recordedAt) {
		StringBuilder out = new StringBuilder();
		for (UsageEvent event : events) {
			List<String> fields = new ArrayList<>();
			for (EventColumn column : EventColumn.ALL) {
				if (column == EventColumn.RECORDED_AT && recordedAt == null) {
					continue;
				}
				String text = column.text(event, recordedAt);
				fields.add((text == null) ? "\\N"
						: text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r"));
			}
			out.append(String.join("\t", fields)).append('\n');
		}
		// Through UTF-8 and back, as the bytes are read: a lone surrogate becomes '?' both ways.
		return new String(out.toString().getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8);
	}

	private static List<UsageEvent> events(int count, long seed) {
		SplittableRandom random = new SplittableRandom(seed);
		List<UsageEvent> events = new ArrayList<>();
		for (int i = 0; i < count; i++) {
			UsageEvent.Builder builder = UsageEvent.builder("tenant-" + random.nextInt(100), "http.requests")
				.eventId(new UUID(random.nextLong(), random.nextLong()))
				.occurredAt(Instant.ofEpochSecond(1_700_000_000L + random.nextInt(100_000_000),
						(random.nextBoolean()) ? random.nextInt(1000) * 1_000_000 : random.nextInt(1_000_000) * 1_000))
				.source(UsageSource.values()[random.nextInt(UsageSource.values().length)]);
			switch (random.nextInt(4)) {
				case 0 -> builder.quantity(BigDecimal.valueOf(random.nextLong(1, Long.MAX_VALUE)));
				case 1 -> builder.quantity(new BigDecimal(random.nextInt(1, 1_000_000) + "." + random.nextInt(1000)));
				case 2 -> builder.quantity((random.nextBoolean()) ? new BigDecimal("1E+3")
						: BigDecimal.valueOf((random.nextBoolean()) ? random.nextLong() : random.nextLong(-20, 20)));
				default -> builder.quantity(BigDecimal.ONE);
			}
			if (random.nextBoolean()) {
				builder.userId(AWKWARD[random.nextInt(AWKWARD.length)] + i);
			}
			if (random.nextBoolean()) {
				builder.resource(AWKWARD[random.nextInt(AWKWARD.length)]);
			}
			if (random.nextInt(3) == 0) {
				builder.idempotencyKey("key-" + AWKWARD[random.nextInt(AWKWARD.length)] + i);
			}
			switch (random.nextInt(3)) {
				case 0 -> builder.dimension("status", AWKWARD[random.nextInt(AWKWARD.length)]);
				// One map shared by many events, as the request filter's per-status maps are: runs of
				// rows with the same map, whose encoded text the encoder reuses.
				case 1 -> builder.dimensions(SHARED_DIMENSIONS[random.nextInt(SHARED_DIMENSIONS.length)]);
				default -> {
				}
			}
			if (random.nextInt(4) == 0) {
				builder.dimension("path\\name", "x" + random.nextInt(10));
			}
			events.add(builder.build());
		}
		return events;
	}

	@SuppressWarnings("unchecked")
	private static Map<String, String>[] sharedDimensions() {
		Map<String, String>[] maps = new Map[AWKWARD.length];
		for (int i = 0; i < maps.length; i++) {
			maps[i] = Map.of("status", AWKWARD[i]);
		}
		return maps;
	}

}
