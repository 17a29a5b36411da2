package dev.metering.internal.postgres;

import java.io.ByteArrayOutputStream;
import java.io.StringReader;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.stream.Collectors;

import dev.metering.internal.sql.EventColumn;
import dev.metering.event.UsageEvent;
import dev.metering.event.UsageSource;
import dev.metering.test.TestDatabase;
import dev.metering.test.TestSchema;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.postgresql.PGConnection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * The binary COPY encoder stores on PostgreSQL exactly what the text format stored (each
 * column's {@link EventColumn#text}, escaped): the same rows, column by column, for awkward text,
 * quantities of every shape and instants down to the nanosecond; it sends the same bytes whatever
 * its chunk size, nothing for no rows, and an instant {@code timestamptz} cannot hold is refused,
 * never stored as 'infinity'.
 */
class PostgresCopyBinaryTests {

	private static final String[] AWKWARD = { "plain", "back\\slash", "tab\there", "new\nline", "cr\rhere", "\\N",
			"ünïcödé", "emoji \uD83D\uDE00 and \\ tab\t", "lone \uD800 surrogate", "", "\"quoted\"" };

	private static final Map<String, String>[] SHARED_DIMENSIONS = sharedDimensions();

	private static final Instant RECORDED_AT = Instant.parse("2026-12-01T20:30:00.123456Z");

	/** Every column as PostgreSQL's text output gives it, in UTC. */
	private static final String ROWS = "SELECT event_id::text, idempotency_key, tenant_id, billing_scope_id, meter, "
			+ "quantity::text, to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US'), "
			+ "to_char(recorded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US'), user_id, resource, source, "
			+ "dimensions::text FROM %s ORDER BY event_id";

	@Test
	void storesWhatTheTextFormatStored() throws Exception {
		List<UsageEvent> events = events(3_000, 7);
		try (TestSchema text = TestDatabase.POSTGRESQL.newSchema();
				TestSchema binary = TestDatabase.POSTGRESQL.newSchema()) {
			try (Connection connection = text.dataSource().getConnection()) {
				connection.unwrap(PGConnection.class)
					.getCopyAPI()
					.copyIn("COPY " + text.tables().usageEvent() + " (" + EventColumn.names() + ") FROM STDIN",
							new StringReader(textRows(events, RECORDED_AT)));
			}
			assertThat(copyBinary(binary, events, RECORDED_AT)).isEqualTo(events.size());

			List<List<Object>> expected = rows(text);
			assertThat(expected).hasSize(events.size());
			assertThat(rows(binary)).isEqualTo(expected);
		}
	}

	@ParameterizedTest(name = "chunk of {0} bytes")
	@ValueSource(ints = { 1, 7, 100, PostgresCopyBinary.CHUNK_BYTES })
	void sendsTheSameBytesInAnyChunks(int chunkBytes) throws SQLException {
		List<UsageEvent> events = events(2_000, 11);
		byte[] whole = encode(events, RECORDED_AT, 1 << 24, new ArrayList<>());
		List<Integer> chunks = new ArrayList<>();

		assertThat(encode(events, RECORDED_AT, chunkBytes, chunks)).isEqualTo(whole);
		assertThat(chunks).allSatisfy((length) -> assertThat(length).isLessThanOrEqualTo(Math.max(chunkBytes, 1_000)));
		if (chunkBytes == PostgresCopyBinary.CHUNK_BYTES) {
			assertThat(chunks).hasSizeGreaterThan(1);
		}
	}

	@Test
	void sendsNothingForNoRows() throws SQLException {
		List<Integer> chunks = new ArrayList<>();

		assertThat(encode(List.of(), RECORDED_AT, 100, chunks)).isEmpty();
		assertThat(chunks).isEmpty();
	}

	@Test
	void leavesRecordedAtOutWhenNotGiven() throws SQLException {
		List<UsageEvent> events = events(200, 3);
		try (TestSchema schema = TestDatabase.POSTGRESQL.newSchema()) {
			String staging = schema.prefix() + "staging";
			schema.jdbc().execute("CREATE TABLE " + staging + " (LIKE " + schema.tables().usageEvent() + ")");
			try {
				schema.jdbc().execute("ALTER TABLE " + staging + " DROP COLUMN recorded_at, DROP COLUMN id");
				String columns = EventColumn.names().replace(", recorded_at", "");
				try (Connection connection = schema.dataSource().getConnection()) {
					var copy = connection.unwrap(PGConnection.class)
						.getCopyAPI()
						.copyIn("COPY " + staging + " (" + columns + ") FROM STDIN (FORMAT binary)");
					PostgresCopyBinary rows = new PostgresCopyBinary(copy::writeToCopy, null);
					for (UsageEvent event : events) {
						rows.appendRow(event);
					}
					rows.finish();
					assertThat(copy.endCopy()).isEqualTo(events.size());
				}
				assertThat(schema.jdbc().queryForObject("SELECT count(DISTINCT event_id) FROM " + staging, Long.class))
					.isEqualTo(events.size());
			}
			finally {
				// Not one of the kit's tables, so the schema's drop script leaves it.
				schema.jdbc().execute("DROP TABLE IF EXISTS " + staging);
			}
		}
	}

	/**
	 * The encoder rounds a fraction below a microsecond without the text (no string per instant):
	 * the same as reading its nine digits as a double, for every half-way fraction and a few
	 * million others, and the same as PostgreSQL's own text input for thousands of them.
	 */
	@Test
	void roundsBelowAMicrosecondAsTheTextInput() {
		SplittableRandom random = new SplittableRandom(3);
		for (int micros = 0; micros < 1_000_000; micros++) {
			int halfWay = micros * 1_000 + 500;
			assertThat(PostgresCopyBinary.roundedMicros(halfWay)).as("nanos %d", halfWay).isEqualTo(readAsText(halfWay));
		}
		for (int i = 0; i < 3_000_000; i++) {
			int nanos = random.nextInt(1_000_000_000);
			assertThat(PostgresCopyBinary.roundedMicros(nanos)).as("nanos %d", nanos).isEqualTo(readAsText(nanos));
		}
		List<Integer> nanos = new ArrayList<>();
		for (int i = 0; i < 10_000; i++) {
			nanos.add(random.nextInt(1_000_000) * 1_000 + 500);
			nanos.add(random.nextInt(1_000_000_000));
		}
		nanos.addAll(List.of(500, 1_500, 499, 501, 999_999_500, 999_999_499, 999_999_999, 1, 123_456_500));
		String fractions = nanos.stream()
			.map((n) -> Integer.toString(1_000_000_000 + n).substring(1))
			.collect(Collectors.joining(","));
		try (TestSchema schema = TestDatabase.POSTGRESQL.newSchema()) {
			List<Long> server = schema.jdbc()
				.queryForList("SELECT (extract(epoch FROM ('2000-01-01 00:00:00.' || f)::timestamp - '2000-01-01'::timestamp) "
						+ "* 1000000)::bigint FROM unnest(string_to_array(?, ',')) WITH ORDINALITY AS u(f, n) ORDER BY n",
						Long.class, fractions);
			assertThat(server).hasSize(nanos.size());
			for (int i = 0; i < nanos.size(); i++) {
				assertThat(PostgresCopyBinary.roundedMicros(nanos.get(i))).as("nanos %d", nanos.get(i))
					.isEqualTo(server.get(i));
			}
		}
	}

	/** The former encoding, and the text input's reading: the nine digits as a double, times a million, rint. */
	private static long readAsText(int nanos) {
		return (long) Math.rint(Double.parseDouble("0." + Integer.toString(1_000_000_000 + nanos).substring(1)) * 1_000_000);
	}

	@ParameterizedTest(name = "{0}")
	@ValueSource(strings = { "+294277-01-01T00:00:00Z", "+1000000-01-01T00:00:00Z", "-4714-11-23T23:59:59Z",
			"-1000000000-01-01T00:00:00Z" })
	void refusesAnInstantTimestamptzDoesNotHold(String instant) {
		UsageEvent event = UsageEvent.builder("acme", "http.requests").occurredAt(Instant.parse(instant)).build();
		try (TestSchema schema = TestDatabase.POSTGRESQL.newSchema()) {
			assertThatExceptionOfType(SQLException.class).isThrownBy(() -> copyBinary(schema, List.of(event), RECORDED_AT))
				.satisfies((ex) -> assertThat(ex.getSQLState()).isEqualTo("22008"));
			assertThat(schema.eventCount()).isZero();
		}
	}

	/** The text format could not write these (Instant's years beyond four digits); binary stores them. */
	@Test
	void storesTheEdgesOfTimestamptz() throws SQLException {
		Map<String, String> stored = Map.of("+294276-12-31T23:59:59.999999Z", "294276-12-31 23:59:59.999999 AD",
				"-4713-11-24T00:00:00Z", "4714-11-24 00:00:00.000000 BC", "1970-01-01T00:00:00Z",
				"1970-01-01 00:00:00.000000 AD", "1999-12-31T23:59:59.999999Z", "1999-12-31 23:59:59.999999 AD");
		try (TestSchema schema = TestDatabase.POSTGRESQL.newSchema()) {
			for (Map.Entry<String, String> edge : stored.entrySet()) {
				UsageEvent event = UsageEvent.builder("acme", "http.requests")
					.occurredAt(Instant.parse(edge.getKey()))
					.build();
				copyBinary(schema, List.of(event), RECORDED_AT);
				String sql = "SELECT to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US BC') FROM %s "
						+ "WHERE event_id = ?";
				assertThat(schema.jdbc()
					.queryForObject(sql.formatted(schema.tables().usageEvent()), String.class, event.eventId()))
					.isEqualTo(edge.getValue());
			}
		}
	}

	private static long copyBinary(TestSchema schema, List<UsageEvent> events, Instant recordedAt) throws SQLException {
		try (Connection connection = schema.dataSource().getConnection()) {
			var copy = connection.unwrap(PGConnection.class)
				.getCopyAPI()
				.copyIn("COPY " + schema.tables().usageEvent() + " (" + EventColumn.names() + ") FROM STDIN (FORMAT binary)");
			try {
				PostgresCopyBinary rows = new PostgresCopyBinary(copy::writeToCopy, recordedAt);
				for (UsageEvent event : events) {
					rows.appendRow(event);
				}
				rows.finish();
				return copy.endCopy();
			}
			finally {
				if (copy.isActive()) {
					copy.cancelCopy();
				}
			}
		}
	}

	private static List<List<Object>> rows(TestSchema schema) {
		return schema.jdbc().query(ROWS.formatted(schema.tables().usageEvent()), (rs, n) -> {
			List<Object> row = new ArrayList<>();
			for (int i = 1; i <= 12; i++) {
				row.add(rs.getString(i));
			}
			return row;
		});
	}

	private static byte[] encode(List<UsageEvent> events, Instant recordedAt, int chunkBytes, List<Integer> chunks)
			throws SQLException {
		ByteArrayOutputStream sent = new ByteArrayOutputStream();
		PostgresCopyBinary rows = new PostgresCopyBinary((bytes, offset, length) -> {
			sent.write(bytes, offset, length);
			chunks.add(length);
		}, recordedAt, chunkBytes);
		for (UsageEvent event : events) {
			rows.appendRow(event);
		}
		rows.finish();
		assertThat(rows.rows()).isEqualTo(events.size());
		return sent.toByteArray();
	}

	/** The COPY text format the kit wrote before: each column's text, escaped. */
	private static String textRows(List<UsageEvent> events, Instant recordedAt) {
		StringBuilder out = new StringBuilder();
		for (UsageEvent event : events) {
			List<String> fields = new ArrayList<>();
			for (EventColumn column : EventColumn.ALL) {
				String text = column.text(event, recordedAt);
				fields.add((text == null) ? "\\N"
						: text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r"));
			}
			out.append(String.join("\t", fields)).append('\n');
		}
		return out.toString();
	}

	private static List<UsageEvent> events(int count, long seed) {
		SplittableRandom random = new SplittableRandom(seed);
		List<UsageEvent> events = new ArrayList<>();
		for (int i = 0; i < count; i++) {
			UsageEvent.Builder builder = UsageEvent.builder("tenant-" + random.nextInt(100), "http.requests")
				.eventId(new UUID(random.nextLong(), random.nextLong()))
				.occurredAt(Instant.ofEpochSecond(random.nextLong(-5_000_000_000L, 5_000_000_000L),
						switch (random.nextInt(4)) {
							case 0 -> random.nextInt(1000) * 1_000_000;
							case 1 -> random.nextInt(1_000_000) * 1_000;
							// Below a microsecond: rounded by the server, half-way cases included.
							case 2 -> random.nextInt(1_000_000) * 1_000 + 500;
							default -> random.nextInt(1_000_000_000);
						}))
				.source(UsageSource.values()[random.nextInt(UsageSource.values().length)]);
			switch (random.nextInt(7)) {
				case 0 -> builder.quantity(BigDecimal.valueOf(random.nextLong(1, Long.MAX_VALUE)));
				case 1 -> builder.quantity(new BigDecimal(random.nextInt(1, 1_000_000) + "." + random.nextInt(1000)));
				case 2 -> builder.quantity((random.nextBoolean()) ? new BigDecimal("1E+3")
						: BigDecimal.valueOf((random.nextBoolean()) ? random.nextLong() : random.nextLong(-20, 20)));
				case 3 -> builder.quantity(new BigDecimal(random.nextLong(0, Long.MAX_VALUE) + "" + random.nextInt(1_000_000_000))
					.movePointLeft(random.nextInt(0, 10)));
				case 4 -> builder.quantity(new BigDecimal("0." + "0".repeat(random.nextInt(9)) + (1 + random.nextInt(9))));
				// More places than the column keeps: rounded by the server, half-way cases included.
				case 5 -> builder.quantity(new BigDecimal(random.nextInt(100) + "." + random.nextInt(1_000_000_000)
						+ (random.nextBoolean() ? "5" : "000" + random.nextInt(10))));
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
