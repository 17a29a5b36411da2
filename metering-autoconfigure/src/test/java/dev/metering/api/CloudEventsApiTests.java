package dev.metering.api;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.stream.Stream;

import dev.metering.ledger.BufferedLedgerWriter;
import dev.metering.test.TestDatabase;
import dev.metering.test.TestSchema;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import org.springframework.context.ApplicationContext;
import org.springframework.http.MediaType;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.ResultActions;
import org.springframework.test.web.servlet.setup.MockMvcBuilders;
import org.springframework.web.context.WebApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.header;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

/**
 * The CloudEvents forms of {@code POST /api/events} on H2: one structured event, a batch, what
 * lands in the ledger, every kind of malformed event refused naming its attribute with nothing
 * written, the API key as a Bearer token, and the kit's JSON form beside them.
 */
class CloudEventsApiTests {

	private static final String STRUCTURED = "application/cloudevents+json";

	private static final String BATCH = "application/cloudevents-batch+json";

	private static final String EVENT = "{\"specversion\":\"1.0\",\"id\":\"e-1\",\"source\":\"chat\","
			+ "\"type\":\"llm.completion\",\"subject\":\"acme\",\"time\":\"%s\","
			+ "\"data\":{\"model\":\"gpt-4o\",\"usage\":{\"total_tokens\":1234}}}";

	private final String now = Instant.now().minusSeconds(5).truncatedTo(java.time.temporal.ChronoUnit.MILLIS).toString();

	@Test
	void oneStructuredEventLandsOncePerMeterWithItsValueGroupAndTime() {
		run((mvc, schema, context) -> {
			send(mvc, STRUCTURED, EVENT.formatted(this.now)).andExpect(status().isAccepted())
				.andExpect(jsonPath("$.accepted").value(1))
				.andExpect(jsonPath("$.duplicates").value(0))
				.andExpect(jsonPath("$.meter_events").value(2));
			flush(context);
			Map<String, Object> tokens = schema.jdbc()
				.queryForMap("SELECT tenant_id, quantity, dimensions, occurred_at, source FROM "
						+ schema.tables().usageEvent() + " WHERE meter = 'llm.tokens'");
			assertThat(tokens.get("TENANT_ID")).isEqualTo("acme");
			assertThat(new java.math.BigDecimal(tokens.get("QUANTITY").toString())).isEqualByComparingTo("1234");
			assertThat(tokens.get("DIMENSIONS").toString()).isEqualTo("{\"model\":\"gpt-4o\"}");
			assertThat(((java.time.OffsetDateTime) tokens.get("OCCURRED_AT")).toInstant()).isEqualTo(Instant.parse(this.now));
			assertThat(tokens.get("SOURCE")).isEqualTo("api");
			assertThat(schema.jdbc().queryForObject("SELECT quantity FROM " + schema.tables().usageEvent()
					+ " WHERE meter = 'llm.completions'", java.math.BigDecimal.class)).isEqualByComparingTo("1");
		});
	}

	@Test
	void theSameSourceAndIdCountsOnceWithinARequestAndAcrossRequestsButAnotherSourceIsAnotherEvent() {
		run((mvc, schema, context) -> {
			String event = EVENT.formatted(this.now);
			String otherSource = event.replace("\"source\":\"chat\"", "\"source\":\"batch-jobs\"");
			send(mvc, BATCH, "[" + event + "," + event + "," + otherSource + "]").andExpect(status().isAccepted())
				.andExpect(jsonPath("$.accepted").value(2))
				.andExpect(jsonPath("$.duplicates").value(1))
				.andExpect(jsonPath("$.meter_events").value(4));
			send(mvc, STRUCTURED, event).andExpect(status().isAccepted());
			flush(context);
			assertThat(schema.eventCount()).isEqualTo(4);
			assertThat(schema.jdbc().queryForObject("SELECT SUM(quantity) FROM " + schema.tables().usageEvent()
					+ " WHERE meter = 'llm.tokens'", java.math.BigDecimal.class)).isEqualByComparingTo("2468");
		});
	}

	static Stream<Arguments> malformed() {
		String ok = EVENT.formatted(Instant.now().minusSeconds(5).truncatedTo(java.time.temporal.ChronoUnit.SECONDS));
		return Stream.of(
				Arguments.of("no specversion", STRUCTURED, ok.replace("\"specversion\":\"1.0\",", ""), "specversion"),
				Arguments.of("specversion 0.3", STRUCTURED, ok.replace("\"1.0\"", "\"0.3\""), "specversion"),
				Arguments.of("specversion a number", STRUCTURED, ok.replace("\"1.0\"", "1.0"), "specversion"),
				Arguments.of("no id", STRUCTURED, ok.replace("\"id\":\"e-1\",", ""), "id"),
				Arguments.of("empty id", STRUCTURED, ok.replace("\"e-1\"", "\"\""), "id"),
				Arguments.of("no source", STRUCTURED, ok.replace("\"source\":\"chat\",", ""), "source"),
				Arguments.of("no type", STRUCTURED, ok.replace("\"type\":\"llm.completion\",", ""), "type"),
				Arguments.of("a type no meter reads", STRUCTURED, ok.replace("llm.completion", "llm.embedding"), "type"),
				Arguments.of("no subject", STRUCTURED, ok.replace("\"subject\":\"acme\",", ""), "subject"),
				Arguments.of("subject too long", STRUCTURED, ok.replace("\"acme\"", "\"" + "t".repeat(129) + "\""),
						"subject"),
				Arguments.of("time not RFC 3339", STRUCTURED, ok.replaceAll("\"time\":\"[^\"]+\"", "\"time\":\"today\""),
						"time"),
				Arguments.of("time far in the future", STRUCTURED,
						ok.replaceAll("\"time\":\"[^\"]+\"", "\"time\":\"2999-01-01T00:00:00Z\""), "time"),
				Arguments.of("data without the pointed property", STRUCTURED, ok.replace("\"total_tokens\":1234", "\"n\":1"),
						"data/usage/total_tokens"),
				Arguments.of("the pointed property a string", STRUCTURED, ok.replace(":1234", ":\"many\""),
						"data/usage/total_tokens"),
				Arguments.of("the pointed property an object", STRUCTURED, ok.replace(":1234", ":{}"),
						"data/usage/total_tokens"),
				Arguments.of("the pointed property negative", STRUCTURED, ok.replace(":1234", ":-5"),
						"data/usage/total_tokens"),
				Arguments.of("the pointed property NaN", STRUCTURED, ok.replace(":1234", ":NaN"), "data/usage/total_tokens"),
				Arguments.of("the pointed property 1e999999999", STRUCTURED, ok.replace(":1234", ":1e999999999"),
						"data/usage/total_tokens"),
				Arguments.of("the pointed property of 200 digits", STRUCTURED, ok.replace(":1234", ":" + "9".repeat(200)),
						"data.usage.total_tokens"),
				Arguments.of("data nested 20 deep", STRUCTURED,
						ok.replace("\"model\":\"gpt-4o\",", "\"deep\":" + "[".repeat(20) + "]".repeat(20) + ","),
						"data.deep" + "[0]".repeat(15)),
				Arguments.of("no group value", STRUCTURED, ok.replace("\"model\":\"gpt-4o\",", ""), "data/model"),
				Arguments.of("data a string", STRUCTURED, ok.replaceAll("\"data\":\\{.*\\}\\}$", "\"data\":\"x\"}"), "data"),
				Arguments.of("binary data", STRUCTURED, ok.replace("\"data\":", "\"data_base64\":\"AAAA\",\"data\":"),
						"data_base64"),
				Arguments.of("data not JSON", STRUCTURED, ok.replace("\"data\":", "\"datacontenttype\":\"text/plain\",\"data\":"),
						"datacontenttype"),
				Arguments.of("an extension of a bad name", STRUCTURED, ok.replace("\"data\":", "\"Trace-Id\":\"x\",\"data\":"),
						"Trace-Id"),
				Arguments.of("an extension of an object", STRUCTURED, ok.replace("\"data\":", "\"traceid\":{},\"data\":"),
						"traceid"),
				Arguments.of("an array as one event", STRUCTURED, "[" + ok + "]", "body"),
				Arguments.of("an object as a batch", BATCH, ok, "body"),
				Arguments.of("an empty batch", BATCH, "[]", "body"),
				Arguments.of("a batch over max-batch-size", BATCH, "[" + String.join(",", java.util.Collections.nCopies(6, ok))
						+ "]", "body"),
				Arguments.of("not an event in a batch", BATCH, "[" + ok + ",7]", "[1]"),
				Arguments.of("malformed JSON", BATCH, "[" + ok, "body"),
				Arguments.of("one bad event spoils the batch", BATCH,
						"[" + ok + "," + ok.replace("e-1", "e-2").replace(":1234", ":true") + "]",
						"[1].data/usage/total_tokens"));
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("malformed")
	void aMalformedEventIsRefusedNamingItsAttributeAndNothingIsWritten(String name, String type, String body,
			String field) {
		run((mvc, schema, context) -> {
			send(mvc, type, body).andExpect(status().isBadRequest())
				.andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON))
				.andExpect(jsonPath("$.field").value(field))
				.andExpect(jsonPath("$.detail").isString());
			flush(context);
			assertThat(schema.eventCount()).isZero();
		});
	}

	@Test
	void theApiKeyMayComeAsABearerTokenOnEveryRouteAndFormat() {
		run((mvc, schema, context) -> {
			String json = "{\"tenant_id\":\"acme\",\"metric\":\"api.calls\",\"quantity\":1,\"user_id\":\"u\"}";
			mvc.perform(post("/api/events").header("Authorization", "bearer  " + CloudEventsFixture.KEY)
				.contentType(MediaType.APPLICATION_JSON)
				.content(json)).andExpect(status().isCreated());
			mvc.perform(org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get("/api/quota/acme/api.calls")
				.header("Authorization", "Bearer " + CloudEventsFixture.KEY)).andExpect(status().isOk());
			mvc.perform(post("/api/events").header("Authorization", "Bearer wrong-key")
				.contentType(STRUCTURED)
				.content(EVENT.formatted(this.now)))
				.andExpect(status().isUnauthorized())
				.andExpect(header().string("WWW-Authenticate", "Bearer"));
			mvc.perform(post("/api/events").header("Authorization", "Basic " + CloudEventsFixture.KEY)
				.contentType(STRUCTURED)
				.content(EVENT.formatted(this.now))).andExpect(status().isUnauthorized());
			mvc.perform(post("/api/events").contentType(STRUCTURED).content(EVENT.formatted(this.now)))
				.andExpect(status().isUnauthorized());
			flush(context);
			assertThat(schema.eventCount()).isEqualTo(1);
		});
	}

	@Test
	void aBatchTheBufferCannotTakeIsAnswered503NamingTheCloudEventsTakenAndWhereToRetryFrom() {
		String batch = CloudEventsFixture.batch(CloudEventsFixture.completions("acme", "full", 1000,
				new java.util.Random(3), Instant.now()));
		try (TestSchema schema = TestDatabase.H2.newSchema()) {
			CloudEventsFixture.runner(schema)
				.withPropertyValues("metering.writer.capacity=1", "metering.writer.overflow=drop")
				.run((context) -> {
					MockMvc mvc = MockMvcBuilders.webAppContextSetup((WebApplicationContext) context).build();
					String problem = send(mvc, BATCH, batch).andExpect(status().isServiceUnavailable())
						.andExpect(header().exists("Retry-After"))
						.andReturn()
						.getResponse()
						.getContentAsString();
					int recorded = com.jayway.jsonpath.JsonPath.<Integer>read(problem, "$.recorded");
					assertThat(recorded).isLessThan(1000);
					assertThat(com.jayway.jsonpath.JsonPath.<Integer>read(problem, "$.not_recorded"))
						.isEqualTo(1000 - recorded);
					assertThat(com.jayway.jsonpath.JsonPath.<Integer>read(problem, "$.first_not_recorded"))
						.isEqualTo(recorded);
					flush(context);
					// Each CloudEvent makes an llm.tokens then an llm.completions event: the first one
					// not taken whole may have left its llm.tokens event.
					String rows = "SELECT COUNT(*) FROM " + schema.tables().usageEvent() + " WHERE meter = ?";
					assertThat(schema.jdbc().queryForObject(rows, Long.class, "llm.completions")).isEqualTo(recorded);
					assertThat(schema.jdbc().queryForObject(rows, Long.class, "llm.tokens")).isBetween((long) recorded,
							recorded + 1L);
				});
		}
	}

	private interface Body {

		void run(MockMvc mvc, TestSchema schema, ApplicationContext context) throws Exception;

	}

	private static void run(Body body) {
		try (TestSchema schema = TestDatabase.H2.newSchema()) {
			CloudEventsFixture.runner(schema).withPropertyValues("metering.api.max-batch-size=5").run((context) -> {
				body.run(MockMvcBuilders.webAppContextSetup((WebApplicationContext) context).build(), schema, context);
			});
		}
	}

	private static ResultActions send(MockMvc mvc, String contentType, String body) throws Exception {
		return mvc.perform(post("/api/events").header("X-Api-Key", CloudEventsFixture.KEY)
			.contentType(contentType)
			.content(body));
	}

	private static void flush(ApplicationContext context) {
		assertThat(context.getBean(BufferedLedgerWriter.class).flush(Duration.ofSeconds(10))).isTrue();
	}

}
