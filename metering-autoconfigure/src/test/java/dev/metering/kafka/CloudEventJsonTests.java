package dev.metering.kafka;

import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import dev.metering.event.UsageEvent;
import dev.metering.event.UsageSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/** The events' CloudEvents JSON, written and read without a tree, straight between events and bytes. */
class CloudEventJsonTests {

	private static final UUID ID = UUID.fromString("0b6c7c2e-5d0a-4c1e-9d7e-3f1a2b3c4d5e");

	private final CloudEventJson json = new CloudEventJson("metering-a");

	@Test
	void writesTheStructuredModeEventInItsFixedOrder() {
		UsageEvent event = UsageEvent.builder("acme", "api.calls")
			.eventId(ID)
			.billingScopeId("acme-eu")
			.quantity(new BigDecimal("1.50"))
			.occurredAt(Instant.parse("2026-12-07T09:00:00.123Z"))
			.userId("u\"1")
			.source(UsageSource.HTTP)
			.idempotencyKey("k-1")
			.dimension("region", "eu")
			.build();

		assertThat(new String(this.json.encode(event), StandardCharsets.UTF_8)).isEqualTo("{\"specversion\":\"1.0\",\"id\":\"" + ID
				+ "\",\"source\":\"metering-a\",\"type\":\"api.calls\",\"subject\":\"acme\","
				+ "\"time\":\"2026-12-07T09:00:00.123Z\",\"datacontenttype\":\"application/json\",\"data\":{"
				+ "\"tenant_id\":\"acme\",\"billing_scope_id\":\"acme-eu\",\"quantity\":1.50,\"user_id\":\"u\\\"1\","
				+ "\"source\":\"http\",\"idempotency_key\":\"k-1\",\"dimensions\":{\"region\":\"eu\"}}}");
	}

	@Test
	void readsWhatItWroteExactly() {
		UsageEvent event = UsageEvent.builder("acme", "tokens")
			.eventId(ID)
			.quantity(new BigDecimal("12345678901234567890.000000001"))
			.occurredAt(Instant.parse("2026-12-07T09:00:00Z"))
			.resource("model-x")
			.source(UsageSource.API)
			.dimension("a", "1")
			.dimension("b", "ü")
			.build();

		assertThat(CloudEventJson.decode(ByteBuffer.wrap(this.json.encode(event)))).isEqualTo(event);
	}

	@Test
	void readsARecordsValueInPlaceInsideTheFetchedBytes() {
		UsageEvent event = UsageEvent.builder("tenant-ü", "api.calls")
			.eventId(ID)
			.quantity(new BigDecimal("7"))
			.occurredAt(Instant.parse("2026-12-07T09:00:00.000001Z"))
			.userId("ユーザー")
			.dimension("status", "200")
			.dimension("route", "/api/ping")
			.dimension("z", "\u0000\"\n")
			.build();
		byte[] value = this.json.encode(event);
		// As a consumer's record holds its value: a slice of the fetch's buffer, between other records.
		byte[] fetched = new byte[value.length + 20];
		Arrays.fill(fetched, (byte) '}');
		System.arraycopy(value, 0, fetched, 7, value.length);
		ByteBuffer slice = ByteBuffer.wrap(fetched, 7, value.length).slice();

		assertThat(CloudEventJson.decode(slice)).isEqualTo(event);
		assertThat(CloudEventJson.decode(slice.asReadOnlyBuffer())).as("a buffer without an accessible array").isEqualTo(event);
		assertThat(slice.position()).isZero();
		assertThat(slice.remaining()).isEqualTo(value.length);
	}

	@Test
	void aGenericJsonReaderFindsTheCloudEventsAttributes() {
		UsageEvent event = UsageEvent.builder("acme", "tokens")
			.eventId(ID)
			.quantity(new BigDecimal("0.25"))
			.occurredAt(Instant.parse("2026-12-07T09:00:00Z"))
			.build();

		JsonNode read = JsonMapper.builder().build().readTree(this.json.encode(event));

		assertThat(read.get("specversion").asString()).isEqualTo("1.0");
		assertThat(read.get("id").asString()).isEqualTo(ID.toString());
		assertThat(read.get("source").asString()).isEqualTo("metering-a");
		assertThat(read.get("type").asString()).isEqualTo("tokens");
		assertThat(read.get("subject").asString()).isEqualTo("acme");
		assertThat(Instant.parse(read.get("time").asString())).isEqualTo(event.occurredAt());
		assertThat(read.get("datacontenttype").asString()).isEqualTo("application/json");
		assertThat(read.get("data").get("quantity").decimalValue()).isEqualByComparingTo("0.25");
	}

	@Test
	void writesAndReadsEveryInstantAsInstantDoes() {
		java.util.Random random = new java.util.Random(30);
		char[] chars = new char[IsoInstant.MAX_LENGTH];
		List<Instant> instants = new java.util.ArrayList<>(List.of(Instant.EPOCH, Instant.parse("1969-12-31T23:59:59.5Z"),
				Instant.parse("9999-12-31T23:59:59.999999999Z"), Instant.parse("+10000-01-01T00:00:00Z"),
				Instant.parse("2024-02-29T12:00:00.100Z"), Instant.parse("2026-12-07T09:00:00.120300Z"), Instant.MIN,
				Instant.MAX));
		for (int i = 0; i < 20_000; i++) {
			long seconds = random.nextLong(-100L * 365 * 86_400, 9_000L * 365 * 86_400);
			int nanos = switch (i % 4) {
				case 0 -> 0;
				case 1 -> random.nextInt(1_000) * 1_000_000;
				case 2 -> random.nextInt(1_000_000) * 1_000;
				default -> random.nextInt(1_000_000_000);
			};
			instants.add(Instant.ofEpochSecond(seconds, nanos));
		}
		for (Instant instant : instants) {
			int length = IsoInstant.format(instant, chars);
			assertThat(new String(chars, 0, length)).isEqualTo(instant.toString());
			assertThat(IsoInstant.parse(chars, 0, length)).isEqualTo(instant);
		}
	}

	@Test
	void readsTheTimesInstantReadsAndRefusesTheOthersAsItDoes() {
		for (String text : List.of("2026-12-07T09:00:00.1Z", "2026-12-07T09:00:00.12345678Z", "2026-12-07t09:00:00z",
				"2026-12-07T09:00:00+02:00", "1960-01-01T00:00:00Z", "2026-12-31T23:59:60Z", "2026-12-07T24:00:00Z",
				"2026-12-07T09:00:00.Z", "2026-02-30T09:00:00Z", "2026-13-07T09:00:00Z", "2026-12-07T09:00:00",
				"2026-12-07T09:0a:00Z", "2026-12-07T09:00:00.1234567890Z", "2026-12-07T09:00:00.-1Z", "2026-12-07 09:00:00Z",
				"")) {
			Instant expected;
			try {
				expected = Instant.parse(text);
			}
			catch (DateTimeParseException ex) {
				assertThatExceptionOfType(DateTimeParseException.class).as(text)
					.isThrownBy(() -> IsoInstant.parse(text.toCharArray(), 0, text.length()));
				continue;
			}
			assertThat(IsoInstant.parse(text.toCharArray(), 0, text.length())).as(text).isEqualTo(expected);
		}
		assertThatExceptionOfType(DateTimeParseException.class)
			.isThrownBy(() -> IsoInstant.parse("2026-02-30T09:00:00Z".toCharArray(), 0, 20));
	}

	@Test
	void readsIdsAsUuidDoes() {
		for (String text : List.of(ID.toString(), ID.toString().toUpperCase(java.util.Locale.ROOT),
				"00000000-0000-0000-0000-000000000000", "ffffffff-ffff-ffff-ffff-ffffffffffff", "1-2-3-4-5")) {
			assertThat(Uuids.parse(text.toCharArray(), 0, text.length())).as(text).isEqualTo(UUID.fromString(text));
		}
		for (String text : List.of("0b6c7c2e-5d0a-4c1e-9d7e-3f1a2b3c4d5g", "0b6c7c2e+5d0a-4c1e-9d7e-3f1a2b3c4d5e", "x")) {
			assertThatIllegalArgumentException().as(text).isThrownBy(() -> Uuids.parse(text.toCharArray(), 0, text.length()));
		}
	}

	@Test
	void readsPropertiesInAnyOrderAndSkipsUnknownOnes() {
		String text = "{\"ext\":{\"x\":[1,2]},\"data\":{\"quantity\":3,\"extra\":{\"y\":\"z\"},\"dimensions\":{\"n\":7}},"
				+ "\"time\":\"2026-12-07T09:00:00Z\",\"subject\":\"acme\",\"type\":\"api.calls\",\"id\":\"" + ID
				+ "\",\"specversion\":\"1.0\"}";

		UsageEvent event = CloudEventJson.decode(text);

		assertThat(event.tenantId()).isEqualTo("acme");
		assertThat(event.billingScopeId()).as("the tenant when no scope is given").isEqualTo("acme");
		assertThat(event.quantity()).isEqualByComparingTo("3");
		assertThat(event.dimensions()).containsExactly(java.util.Map.entry("n", "7"));
		assertThat(event.source()).isEqualTo(UsageSource.APPLICATION);
	}

	@Test
	void refusesWhatIsNoEventOfTheKit() {
		assertThatIllegalArgumentException().isThrownBy(() -> CloudEventJson.decode("{\"specversion\":\"1.0\""))
			.withMessageStartingWith("not JSON");
		assertThatIllegalArgumentException().isThrownBy(() -> CloudEventJson.decode("[1]"))
			.withMessage("not a JSON object");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> CloudEventJson.decode("{\"specversion\":\"0.3\",\"data\":{\"quantity\":1}}"))
			.withMessage("not a CloudEvents 1.0 event");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> CloudEventJson.decode("{\"specversion\":\"1.0\",\"id\":\"" + ID
					+ "\",\"type\":\"m\",\"time\":\"2026-12-07T09:00:00Z\",\"data\":{\"quantity\":1}}"))
			.withMessage("missing subject");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> CloudEventJson.decode("{\"specversion\":\"1.0\",\"subject\":\"t\",\"data\":{\"quantity\":\"1\"}}"))
			.withMessage("data.quantity is not a number");
	}

}
