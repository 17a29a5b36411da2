package dev.metering.kafka;

import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.json.JsonFactory;

import dev.metering.event.UsageEvent;
import dev.metering.event.UsageSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * The encoder writes the bytes Jackson's generator writes, and the fast reader reads exactly what
 * the parser reads or leaves the document to it.
 */
class CloudEventBytesTests {

	private static final UUID ID = UUID.fromString("0b6c7c2e-5d0a-4c1e-9d7e-3f1a2b3c4d5e");

	private static final String SOURCE = "metering-\"a\"/ü";

	private final CloudEventJson json = new CloudEventJson(SOURCE);

	private final CloudEventJson plainSource = new CloudEventJson("metering-a");

	@Test
	void writesTheBytesOfJacksonsGenerator() {
		for (UsageEvent event : events()) {
			assertThat(new String(this.json.encode(event), StandardCharsets.UTF_8)).as(event.toString())
				.isEqualTo(new String(generated(event), StandardCharsets.UTF_8));
		}
	}

	@Test
	void readsPlainEventsWithoutTheParserAsTheParserReadsThem() {
		int plain = 0;
		for (UsageEvent event : events()) {
			assertThat(CloudEventFastReader.read(this.json.encode(event), 0, this.json.encode(event).length))
				.as("a source with escapes and non-ASCII text: left to the parser").isNull();
			byte[] bytes = this.plainSource.encode(event);
			UsageEvent fast = CloudEventFastReader.read(bytes, 0, bytes.length);
			if (fast != null) {
				plain++;
				assertThat(fast).as(event.toString()).isEqualTo(CloudEventJson.parse(bytes, 0, bytes.length));
			}
			assertThat(CloudEventJson.decode(bytes, 0, bytes.length)).as(event.toString()).isEqualTo(event);
		}
		assertThat(plain).as("events with plain ASCII strings, read without the parser").isEqualTo(6);
	}

	@Test
	void leavesAnythingButItsOwnPlainLayoutToTheParser() {
		String plain = new String(this.plainSource.encode(event("acme").build()), StandardCharsets.UTF_8);
		List<String> others = List.of(plain.replace("\"quantity\":2.5", "\"quantity\":02.5"),
				plain.replace("\"quantity\":2.5", "\"quantity\":+2.5"), plain.replace("\"quantity\":2.5", "\"quantity\":2."),
				plain.replace("\"quantity\":2.5", "\"quantity\":.5"), plain.replace("\"quantity\":2.5", "\"quantity\":2.5e"),
				plain.replace("\"quantity\":2.5", "\"quantity\":\"2.5\""), plain + " ", plain + "}", " " + plain,
				plain.replace("\"subject\":\"acme\"", "\"subject\":\"ac\\u006de\""),
				plain.replace("\"type\":\"api.calls\"", "\"type\" :\"api.calls\""),
				plain.replace("\"specversion\":\"1.0\"", "\"specversion\":\"0.3\""),
				plain.replace(ID.toString(), ID.toString().replace('-', '+')),
				plain.replace("2026-12-07T09:00:00.123Z", "2026-12-07 09:00"),
				plain.replace("\"dimensions\":{\"region\":\"eu\"}", "\"dimensions\":{\"region\":7}"),
				plain.substring(0, plain.length() - 1));
		for (String other : others) {
			byte[] bytes = other.getBytes(StandardCharsets.UTF_8);
			assertThat(CloudEventFastReader.read(bytes, 0, bytes.length)).as(other).isNull();
		}
		assertThat(CloudEventJson.decode(others.get(9))).as("an escape, read by the parser")
			.isEqualTo(event("acme").build());
		assertThatIllegalArgumentException().as("a leading zero, refused as the parser refuses it")
			.isThrownBy(() -> CloudEventJson.decode(others.get(0)));
		assertThatIllegalArgumentException().as("a bad id").isThrownBy(() -> CloudEventJson.decode(others.get(12)));
	}

	private static UsageEvent.Builder event(String tenant) {
		return UsageEvent.builder(tenant, "api.calls")
			.eventId(ID)
			.quantity(new BigDecimal("2.5"))
			.occurredAt(Instant.parse("2026-12-07T09:00:00.123Z"))
			.dimension("region", "eu");
	}

	private static List<UsageEvent> events() {
		List<UsageEvent> events = new ArrayList<>();
		events.add(event("acme").build());
		events.add(event("acme").billingScopeId("acme-eu").userId("u-1").resource("r/1").source(UsageSource.HTTP)
			.idempotencyKey("k-1").dimension("route", "/api/ping").dimension("status", "200").build());
		events.add(UsageEvent.builder("t", "m").eventId(UUID.randomUUID()).quantity(new BigDecimal("1E+3"))
			.occurredAt(Instant.parse("2026-01-01T00:00:00Z")).source(UsageSource.API).build());
		events.add(UsageEvent.builder("t", "m").eventId(UUID.randomUUID()).quantity(new BigDecimal("-0.000000001"))
			.occurredAt(Instant.parse("1999-12-31T23:59:59.999999999Z")).build());
		events.add(UsageEvent.builder("t", "m").eventId(UUID.randomUUID()).quantity(new BigDecimal("12345678901234567890"))
			.occurredAt(Instant.parse("2026-06-30T12:00:00.5Z")).dimension("a", "1").dimension("b", "2").dimension("c", "3")
			.build());
		events.add(UsageEvent.builder("t", "m").eventId(UUID.randomUUID()).quantity(BigDecimal.ZERO)
			.occurredAt(Instant.parse("2026-06-30T12:00:00Z")).userId("").dimension("", "").build());
		// Not plain: escapes, control characters, non-ASCII text, surrogate pairs.
		events.add(event("tenant-ü").userId("ユーザー").build());
		events.add(event("acme").resource("a\"b\\c\u0000\u0001\b\t\n\f\r\u001f\u007f").build());
		events.add(event("acme").idempotencyKey("😀 é €").dimension("😀", "x\u2028y").build());
		events.add(event("acme").dimension("k\"", "v\\").build());
		return events;
	}

	/** What the former encoder wrote: Jackson's generator, property by property. */
	private static byte[] generated(UsageEvent event) {
		ByteArrayOutputStream out = new ByteArrayOutputStream();
		try (JsonGenerator json = JsonFactory.builder().build().createGenerator(out)) {
			json.writeStartObject();
			json.writeStringProperty("specversion", "1.0");
			json.writeStringProperty("id", event.eventId().toString());
			json.writeStringProperty("source", SOURCE);
			json.writeStringProperty("type", event.meter());
			json.writeStringProperty("subject", event.tenantId());
			json.writeStringProperty("time", event.occurredAt().toString());
			json.writeStringProperty("datacontenttype", "application/json");
			json.writeName("data");
			json.writeStartObject();
			json.writeStringProperty("tenant_id", event.tenantId());
			json.writeStringProperty("billing_scope_id", event.billingScopeId());
			json.writeName("quantity");
			json.writeNumber(event.quantity());
			if (event.userId() != null) {
				json.writeStringProperty("user_id", event.userId());
			}
			if (event.resource() != null) {
				json.writeStringProperty("resource", event.resource());
			}
			json.writeStringProperty("source", event.source().id());
			if (event.idempotencyKey() != null) {
				json.writeStringProperty("idempotency_key", event.idempotencyKey());
			}
			if (!event.dimensions().isEmpty()) {
				json.writeName("dimensions");
				json.writeStartObject();
				for (Map.Entry<String, String> dimension : event.dimensions().entrySet()) {
					json.writeStringProperty(dimension.getKey(), dimension.getValue());
				}
				json.writeEndObject();
			}
			json.writeEndObject();
			json.writeEndObject();
		}
		return out.toByteArray();
	}

}
