package dev.metering.operation;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import dev.metering.autoconfigure.MeteringLedgerAutoConfiguration;
import dev.metering.autoconfigure.MeteringOperationAutoConfiguration;
import dev.metering.event.UsageEvent;
import dev.metering.event.UsageEventSink;
import dev.metering.meter.MeterDefinition;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code @Metered(data = ...)}: the meter definitions read the call's data, one event per meter;
 * a call's idempotency key makes the same ids on a retry.
 */
class MeteredDataTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withPropertyValues("spring.datasource.url=jdbc:h2:mem:metered-data-${random.uuid}",
				"metering.meters[0].name=llm.tokens", "metering.meters[0].event-type=llm.completion",
				"metering.meters[0].value=/usage/total_tokens", "metering.meters[0].group-by.model=/model",
				"metering.meters[1].name=llm.users", "metering.meters[1].aggregation=unique-count",
				"metering.meters[1].event-type=llm.completion", "metering.meters[1].value=/user")
		.withConfiguration(AutoConfigurations.of(DataSourceAutoConfiguration.class,
				MeteringLedgerAutoConfiguration.class, MeteringOperationAutoConfiguration.class))
		.withBean(CapturingSink.class)
		.withBean(Completions.class);

	@Test
	void theDefinitionsReadTheCallsData() {
		this.runner.run((context) -> {
			Completions completions = context.getBean(Completions.class);
			completions.complete("acme", "gpt-4o", "u-1", 120, "req-1");
			completions.complete("acme", "gpt-4o", "u-1", 120, "req-1");

			List<UsageEvent> events = context.getBean(CapturingSink.class).events;
			assertThat(events).extracting(UsageEvent::meter)
				.containsExactly("llm.tokens", "llm.users", "llm.tokens", "llm.users");
			UsageEvent tokens = events.get(0);
			assertThat(tokens.quantity()).isEqualByComparingTo("120");
			assertThat(tokens.dimensions()).containsExactly(Map.entry("model", "gpt-4o"));
			assertThat(tokens.resource()).isEqualTo("Completions.complete");
			assertThat(events.get(1).dimensions()).containsEntry(MeterDefinition.UNIQUE_VALUE_DIMENSION, "u-1");
			assertThat(events.get(2).eventId()).as("a retry with the same key: the same ids")
				.isEqualTo(tokens.eventId());
		});
	}

	@Test
	void dataWithoutThePointedPropertyLeavesTheCallUnrecorded() {
		this.runner.run((context) -> {
			assertThat(context.getBean(Completions.class).broken("acme")).isEqualTo("done");
			assertThat(context.getBean(CapturingSink.class).events).isEmpty();
		});
	}

	static class Completions {

		@Metered(meter = "llm.completion", tenant = "#tenant", idempotencyKey = "#requestId",
				data = "{'model': #model, 'user': #user, 'usage': {'total_tokens': #result}}")
		public int complete(String tenant, String model, String user, int tokens, String requestId) {
			return tokens;
		}

		@Metered(meter = "llm.completion", tenant = "#tenant", data = "{'model': 'a'}")
		public String broken(String tenant) {
			return "done";
		}

	}

	static class CapturingSink implements UsageEventSink {

		final List<UsageEvent> events = new CopyOnWriteArrayList<>();

		@Override
		public boolean offer(UsageEvent event) {
			return this.events.add(event);
		}

	}

}
