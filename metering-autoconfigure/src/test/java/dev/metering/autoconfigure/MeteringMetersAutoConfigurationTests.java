package dev.metering.autoconfigure;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import dev.metering.event.UsagePayload;
import dev.metering.event.UsageRecorder;
import dev.metering.internal.json.DimensionsJson;
import dev.metering.ledger.BufferedLedgerWriter;
import dev.metering.meter.Aggregation;
import dev.metering.meter.MeterDefinition;
import dev.metering.meter.MeterDefinitions;
import org.junit.jupiter.api.Test;

import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.jdbc.core.JdbcTemplate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code metering.meters} becomes the {@link MeterDefinitions} bean the kit's recorder reads;
 * a definition that makes no sense fails start-up naming its property.
 */
class MeteringMetersAutoConfigurationTests extends AbstractMeteringAutoConfigurationTests {

	private static final String[] tokens = { "metering.meters[0].name=llm.tokens",
			"metering.meters[0].aggregation=sum", "metering.meters[0].event-type=llm.completion",
			"metering.meters[0].value=/usage/total_tokens", "metering.meters[0].group-by.model=/model",
			"metering.meters[0].unit=token", "metering.meters[1].name=seats",
			"metering.meters[1].aggregation=unique-count", "metering.meters[1].event-type=llm.completion",
			"metering.meters[1].value=/user", "metering.meters[1].max-groups=5" };

	@Test
	void theListBindsToDefinitions() {
		this.runner.withPropertyValues(tokens).run((context) -> {
			MeterDefinitions definitions = context.getBean(MeterDefinitions.class);
			MeterDefinition llm = definitions.find("llm.tokens");
			assertThat(llm).isNotNull();
			assertThat(llm.aggregation()).isEqualTo(Aggregation.SUM);
			assertThat(llm.value().text()).isEqualTo("/usage/total_tokens");
			assertThat(llm.groupBy()).containsOnlyKeys("model");
			assertThat(llm.unit()).isEqualTo("token");
			assertThat(llm.maxGroups()).isEqualTo(MeterDefinition.DEFAULT_MAX_GROUPS);
			MeterDefinition seats = definitions.find("seats");
			assertThat(seats.aggregation()).isEqualTo(Aggregation.UNIQUE_COUNT);
			assertThat(seats.maxGroups()).isEqualTo(5);
			assertThat(definitions.forEventType("llm.completion")).containsExactly(llm, seats);
		});
	}

	@Test
	void withoutMetersThereAreNoDefinitions() {
		this.runner.run((context) -> assertThat(context.getBean(MeterDefinitions.class).all()).isEmpty());
	}

	@Test
	void anApplicationsDefinitionsReplaceTheKits() {
		MeterDefinitions own = MeterDefinitions.of(List.of(MeterDefinition.builder("x", Aggregation.MAX).build()));
		this.runner.withPropertyValues(tokens)
			.withBean(MeterDefinitions.class, () -> own)
			.run((context) -> assertThat(context.getBean(MeterDefinitions.class)).isSameAs(own));
	}

	@Test
	void theKitsRecorderWritesOneLedgerRowPerMeterWithItsGroupValues() {
		this.runner.withPropertyValues(tokens).run((context) -> {
			UsageRecorder recorder = context.getBean(UsageRecorder.class);
			UsagePayload payload = UsagePayload.builder("acme", "llm.completion")
				.data(Map.of("model", "gpt-4o", "user", "u-1", "usage", Map.of("total_tokens", 250)))
				.dedupKey("client/42")
				.build();
			recorder.record(payload);
			recorder.record(payload);
			context.getBean(BufferedLedgerWriter.class).flush(Duration.ofSeconds(10));

			List<Map<String, Object>> rows = new JdbcTemplate(context.getBean(javax.sql.DataSource.class))
				.queryForList("SELECT meter, quantity, dimensions FROM metering_usage_event ORDER BY meter");
			assertThat(rows).as("the same payload twice is one event per meter").hasSize(2);
			assertThat(rows.get(0).get("METER")).isEqualTo("llm.tokens");
			assertThat(rows.get(0).get("QUANTITY")).isEqualTo(new java.math.BigDecimal("250.000000000"));
			assertThat(DimensionsJson.decode((String) rows.get(0).get("DIMENSIONS"))).containsExactly(
					Map.entry("model", "gpt-4o"));
			assertThat(rows.get(1).get("METER")).isEqualTo("seats");
			assertThat(DimensionsJson.decode((String) rows.get(1).get("DIMENSIONS")))
				.containsEntry(MeterDefinition.UNIQUE_VALUE_DIMENSION, "u-1");
		});
	}

	@Test
	void nonsenseDefinitionsFailStartUpNamingTheProperty() {
		assertFailsNaming("metering.meters[0].value", "starts with '/'", "metering.meters[0].name=m",
				"metering.meters[0].value=usage");
		assertFailsNaming("metering.meters[1].group-by.model", "JSON Pointer", "metering.meters[0].name=a",
				"metering.meters[1].name=b", "metering.meters[1].group-by.model=");
		assertFailsNaming("metering.meters[0].value", "unique-count", "metering.meters[0].name=seats",
				"metering.meters[0].aggregation=unique-count");
		assertFailsNaming("metering.meters[0].group-by.__unique__", "reserved", "metering.meters[0].name=m",
				"metering.meters[0].group-by.__unique__=/u");
		assertFailsNaming("metering.meters[1].name", "defined once", "metering.meters[0].name=m",
				"metering.meters[1].name=m");
		assertFailsNaming("metering.meters[0].name", "names its meter", "metering.meters[0].unit=token");
		assertFailsNaming("metering.meters[0].group-by", "request filter", "metering.meters[0].name=http.requests",
				"metering.meters[0].aggregation=count", "metering.meters[0].group-by.status=/status");
		assertFailsNaming("metering.meters[0].aggregation", "request filter",
				"metering.web.request-meter=api.calls", "metering.meters[0].name=api.calls",
				"metering.meters[0].aggregation=max");
	}

	@Test
	void theRequestMeterMayBeGroupedWhenTheFilterIsOff() {
		this.runner
			.withPropertyValues("metering.web.enabled=false", "metering.meters[0].name=http.requests",
					"metering.meters[0].group-by.status=/status")
			.run((context) -> assertThat(context).hasNotFailed());
	}

	@Test
	void anUnknownAggregationFailsStartUpNamingThePropertyAndTheChoices() {
		this.runner.withPropertyValues("metering.meters[0].name=m", "metering.meters[0].aggregation=average")
			.run((context) -> {
				assertThat(context).hasFailed();
				FailureAnalysis analysis = new InvalidQuotaConfigurationFailureAnalyzer()
					.analyze(context.getStartupFailure());
				assertThat(analysis).isNotNull();
				assertThat(analysis.getDescription()).contains("Property: metering.meters[0].aggregation")
					.contains("Value:    average")
					.contains("use sum, count, max, min, latest or unique-count");
			});
	}

	private void assertFailsNaming(String property, String reason, String... properties) {
		this.runner.withPropertyValues(properties).run((context) -> {
			assertThat(context).hasFailed();
			FailureAnalysis analysis = new InvalidMeterDefinitionFailureAnalyzer().analyze(context.getStartupFailure());
			assertThat(analysis).as("analysis of %s", context.getStartupFailure()).isNotNull();
			assertThat(analysis.getDescription()).contains("Property: " + property).contains(reason);
			assertThat(analysis.getAction()).contains(property);
		});
	}

}
