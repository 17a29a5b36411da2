package dev.metering.kafka;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import dev.metering.event.UsageEvent;
import dev.metering.event.UsageSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/** The events' CloudEvents JSON, written and read without a tree. */
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

		assertThat(this.json.encode(event)).isEqualTo("{\"specversion\":\"1.0\",\"id\":\"" + ID
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

		assertThat(CloudEventJson.decode(this.json.encode(event))).isEqualTo(event);
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
