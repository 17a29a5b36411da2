package dev.metering.api;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Collectors;

import com.jayway.jsonpath.JsonPath;
import dev.metering.ledger.BufferedLedgerWriter;
import dev.metering.rollup.MeterRollupReader;
import dev.metering.rollup.RollupJob;
import dev.metering.test.TestDatabase;
import dev.metering.test.TestSchema;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.context.ApplicationContext;
import org.springframework.http.MediaType;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.ResultActions;
import org.springframework.test.web.servlet.setup.MockMvcBuilders;
import org.springframework.web.context.WebApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

/**
 * CloudEvents through {@code POST /api/events} on every database: a batch of 1,000
 * {@code llm.completion} events lands as exact per-model sums in the ledger, in the meter's
 * group rollups and in the usage route's total; the same batch sent again counts once; a malformed event anywhere in a batch
 * is refused naming it, and nothing of the batch is written.
 */
class CloudEventsIngestTests {

	private static final JsonMapper JSON = JsonMapper.builder().build();

	@ParameterizedTest
	@EnumSource(TestDatabase.class)
	void aThousandCompletionsGiveEachModelsExactSumAndTheSameBatchTwiceCountsOnce(TestDatabase database) {
		long seed = System.nanoTime();
		List<CloudEventsFixture.Completion> completions = CloudEventsFixture.completions("acme", "run-" + seed, 1000,
				new Random(seed), Instant.now());
		Map<String, BigDecimal> expected = completions.stream()
			.collect(Collectors.groupingBy(CloudEventsFixture.Completion::model, TreeMap::new,
					Collectors.reducing(BigDecimal.ZERO, (c) -> BigDecimal.valueOf(c.tokens()), BigDecimal::add)));
		BigDecimal total = expected.values().stream().reduce(BigDecimal.ZERO, BigDecimal::add);
		String batch = CloudEventsFixture.batch(completions);
		try (TestSchema schema = database.newSchema()) {
			CloudEventsFixture.runner(schema).run((context) -> {
				MockMvc mvc = mvc(context);
				post(mvc, batch).andExpect(status().isAccepted())
					.andExpect(jsonPath("$.accepted").value(1000))
					.andExpect(jsonPath("$.meter_events").value(2000));
				flush(context);
				assertThat(sumsByModel(schema)).as("seed %d", seed).isEqualTo(expected);
				assertThat(schema.eventCount()).isEqualTo(2000);
				usageTotal(mvc, "llm.tokens", total);
				usageTotal(mvc, "llm.completions", BigDecimal.valueOf(1000));
				context.getBean(RollupJob.class).rollupNow();
				assertThat(rolledUpSumsByModel(schema)).as("seed %d", seed).isEqualTo(expected);
				usageTotal(mvc, "llm.tokens", total);

				post(mvc, batch).andExpect(status().isAccepted());
				flush(context);
				context.getBean(RollupJob.class).rollupNow();
				assertThat(sumsByModel(schema)).as("seed %d", seed).isEqualTo(expected);
				assertThat(rolledUpSumsByModel(schema)).as("seed %d", seed).isEqualTo(expected);
				assertThat(schema.eventCount()).isEqualTo(2000);
				usageTotal(mvc, "llm.tokens", total);
			});
		}
	}

	@ParameterizedTest
	@EnumSource(TestDatabase.class)
	void aMalformedEventAnywhereInTheBatchIsRefusedNamingItAndNothingIsWritten(TestDatabase database) {
		List<CloudEventsFixture.Completion> completions = CloudEventsFixture.completions("acme", "bad", 1000,
				new Random(7), Instant.now());
		String good = CloudEventsFixture.batch(completions);
		String noVersion = good.replace(completions.get(517).json(),
				completions.get(517).json().replace("\"specversion\":\"1.0\",", ""));
		String noTokens = good.replace(completions.get(3).json(),
				completions.get(3).json().replaceAll(",\"total_tokens\":[0-9]+", ""));
		String textTokens = good.replace(completions.get(999).json(),
				completions.get(999).json().replaceAll("\"total_tokens\":[0-9]+", "\"total_tokens\":\"lots\""));
		String numericSubject = good.replace(completions.get(0).json(),
				completions.get(0).json().replace("\"subject\":\"acme\"", "\"subject\":42"));
		try (TestSchema schema = database.newSchema()) {
			CloudEventsFixture.runner(schema).run((context) -> {
				MockMvc mvc = mvc(context);
				refused(mvc, noVersion, "[517].specversion");
				refused(mvc, noTokens, "[3].data/usage/total_tokens");
				refused(mvc, textTokens, "[999].data/usage/total_tokens");
				refused(mvc, numericSubject, "[0].subject");
				flush(context);
				assertThat(schema.eventCount()).isZero();
			});
		}
	}

	/**
	 * The acceptance's own words: {@code GET /api/usage/{tenant}/llm.tokens?group_by=model}
	 * answers each model's sum.
	 */
	@Test
	void groupByModelAnswersEachModelsSum() {
		List<CloudEventsFixture.Completion> completions = CloudEventsFixture.completions("acme", "groups", 1000,
				new Random(11), Instant.now());
		Map<String, BigDecimal> expected = completions.stream()
			.collect(Collectors.groupingBy(CloudEventsFixture.Completion::model, TreeMap::new,
					Collectors.reducing(BigDecimal.ZERO, (c) -> BigDecimal.valueOf(c.tokens()), BigDecimal::add)));
		try (TestSchema schema = TestDatabase.H2.newSchema()) {
			CloudEventsFixture.runner(schema).run((context) -> {
				MockMvc mvc = mvc(context);
				post(mvc, CloudEventsFixture.batch(completions)).andExpect(status().isAccepted());
				flush(context);
				ResultActions grouped = mvc.perform(get("/api/usage/acme/llm.tokens").param("group_by", "model")
					.header("X-Api-Key", CloudEventsFixture.KEY)).andExpect(status().isOk());
				String body = grouped.andReturn().getResponse().getContentAsString();
				for (Map.Entry<String, BigDecimal> model : expected.entrySet()) {
					List<Object> totals = JsonPath.read(body,
							"$.groups[?(@.group.model == '" + model.getKey() + "')].total");
					assertThat(totals).hasSize(1);
					assertThat(new BigDecimal(String.valueOf(totals.get(0)))).isEqualByComparingTo(model.getValue());
				}
			});
		}
	}

	private static MockMvc mvc(ApplicationContext context) {
		return MockMvcBuilders.webAppContextSetup((WebApplicationContext) context).build();
	}

	private static ResultActions post(MockMvc mvc, String batch) throws Exception {
		return mvc.perform(org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post("/api/events")
			.header("Authorization", "Bearer " + CloudEventsFixture.KEY)
			.contentType("application/cloudevents-batch+json")
			.content(batch));
	}

	private static void refused(MockMvc mvc, String batch, String field) throws Exception {
		post(mvc, batch).andExpect(status().isBadRequest())
			.andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON))
			.andExpect(jsonPath("$.field").value(field));
	}

	private static void usageTotal(MockMvc mvc, String meter, BigDecimal total) throws Exception {
		String body = mvc.perform(get("/api/usage/acme/" + meter).param("granularity", "month")
			.header("X-Api-Key", CloudEventsFixture.KEY)).andExpect(status().isOk()).andReturn().getResponse()
			.getContentAsString();
		assertThat(JSON.readTree(body).get("total").decimalValue()).isEqualByComparingTo(total);
	}

	private static void flush(ApplicationContext context) {
		assertThat(context.getBean(BufferedLedgerWriter.class).flush(Duration.ofSeconds(30))).isTrue();
	}

	/** Each model's sum of llm.tokens as the meter's group rollups have it. */
	private static Map<String, BigDecimal> rolledUpSumsByModel(TestSchema schema) {
		Instant now = Instant.now();
		Map<String, BigDecimal> sums = new TreeMap<>();
		new MeterRollupReader(schema.dataSource(), schema::dialect, schema.tables())
			.read("acme", "llm.tokens", now.minus(Duration.ofDays(1)).truncatedTo(ChronoUnit.HOURS),
					now.plus(Duration.ofHours(2)).truncatedTo(ChronoUnit.HOURS))
			.forEach((groups, usage) -> sums.put(groups.get("model"),
					new BigDecimal(usage.sum().stripTrailingZeros().toPlainString())));
		return sums;
	}

	/** Each model's sum of llm.tokens, straight from the ledger's rows and their dimensions. */
	private static Map<String, BigDecimal> sumsByModel(TestSchema schema) {
		Map<String, BigDecimal> sums = new TreeMap<>();
		schema.jdbc().query("SELECT quantity, dimensions FROM " + schema.tables().usageEvent()
				+ " WHERE tenant_id = 'acme' AND meter = 'llm.tokens'", (row) -> {
					String model = JSON.readTree(row.getString(2)).get("model").stringValue();
					sums.merge(model, row.getBigDecimal(1).stripTrailingZeros(), BigDecimal::add);
				});
		sums.replaceAll((model, sum) -> new BigDecimal(sum.toPlainString()));
		return sums;
	}

}
