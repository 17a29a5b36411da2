package dev.metering.api;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.stream.Stream;

import dev.metering.ledger.BufferedLedgerWriter;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.http.MediaType;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.ResultActions;
import org.springframework.test.web.servlet.setup.MockMvcBuilders;
import org.springframework.web.context.WebApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.startsWith;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

/**
 * Every route of the usage API with valid input, each kind of bad input (a problem naming the
 * field, and nothing recorded), the API key, the body limit, and idempotent retries counted once.
 * <p>
 * These tests expect the answers of an idempotency look-up that the ledger answered: a retry is
 * 200 {@code duplicate}, new keyed events 201. A look-up slower than its timeout is answered 202
 * {@code accepted} instead, which is correct (the ledger's unique key still keeps the retry once:
 * {@code UsageApiOutageTests}); on a loaded machine the default 500 ms is sometimes not enough for
 * H2, so the timeout here is long enough never to be reached by a database that answers.
 */
@SpringBootTest(classes = UsageApiTests.TestApplication.class, properties = {
		"spring.datasource.url=jdbc:h2:mem:usage-api-tests;DB_CLOSE_DELAY=-1", "metering.writer.flush-interval=10ms",
		"metering.api.idempotency-lookup-timeout=30s",
		"metering.rollup.enabled=false", "metering.api.enabled=true", "metering.api.auth=api-key",
		"metering.api.api-key=s3cret", "metering.api.max-batch-size=5", "metering.api.max-body-size=4KB",
		"metering.tenants.acme.plan=pro", "metering.tenants.globex.plan=pro", "metering.tenants.berlin.plan=pro",
		"metering.tenants.berlin.billing.time-zone=Europe/Berlin", "metering.tenants.berlin.billing.anchor-day=15",
		"metering.plans.pro.quotas[0].meter=api.calls", "metering.plans.pro.quotas[0].limit=1000",
		"metering.plans.pro.quotas[0].window=month", "metering.plans.pro.quotas[1].meter=api.calls",
		"metering.plans.pro.quotas[1].limit=5000", "metering.plans.pro.quotas[1].window=day",
		"metering.plans.pro.quotas[1].enforcement=soft", "metering.billing.plans.pro.currency=EUR",
		"metering.billing.plans.pro.base-fee=10.00", "metering.billing.plans.pro.prices[0].meter=api.calls",
		"metering.billing.plans.pro.prices[0].included=100", "metering.billing.plans.pro.prices[0].unit-price=0.01" })
class UsageApiTests {

	static final String KEY = "X-Api-Key";

	@Autowired
	private WebApplicationContext context;

	@Autowired
	private BufferedLedgerWriter writer;

	@Autowired
	private JdbcTemplate jdbc;

	private MockMvc mvc;

	private final Instant now = Instant.now();

	@BeforeEach
	void setUp() {
		this.mvc = MockMvcBuilders.webAppContextSetup(this.context).build();
		this.jdbc.update("DELETE FROM metering_usage_event");
	}

	@Test
	void aTenantsPeriodDayBucketsAndQuotaWindowsFollowItsCalendar() throws Exception {
		// March 2026's period of a tenant anchored on the 15th in Berlin: from March 15th to April 15th,
		// local midnights; the 29th is the 23-hour day of the spring change.
		this.mvc.perform(get("/api/usage/berlin/api.calls?period=2026-03&granularity=day").header(KEY, "s3cret"))
			.andExpect(status().isOk())
			.andExpect(jsonPath("$.from").value("2026-03-14T23:00:00Z"))
			.andExpect(jsonPath("$.to").value("2026-04-14T22:00:00Z"))
			.andExpect(jsonPath("$.usage", hasSize(31)))
			.andExpect(jsonPath("$.usage[14].start").value("2026-03-28T23:00:00Z"))
			.andExpect(jsonPath("$.usage[14].end").value("2026-03-29T22:00:00Z"));
		java.time.ZoneId berlin = java.time.ZoneId.of("Europe/Berlin");
		String midnight = java.time.LocalDate.now(berlin).atStartOfDay(berlin).toInstant().toString();
		this.mvc.perform(get("/api/usage/berlin/api.calls").header(KEY, "s3cret"))
			.andExpect(status().isOk())
			.andExpect(jsonPath("$.quotas[?(@.window == 'day')].window_start", org.hamcrest.Matchers.hasItem(midnight)));
	}

	@Test
	void recordsOneEvent() throws Exception {
		postEvents("{\"tenant_id\":\"acme\",\"metric\":\"api.calls\",\"quantity\":2.5,\"user_id\":\"u-1\","
				+ "\"metadata\":{\"region\":\"eu\",\"retries\":2}}")
			.andExpect(status().isCreated())
			.andExpect(jsonPath("$.id").isString())
			.andExpect(jsonPath("$.status").value("recorded"));
		flush();
		var row = this.jdbc.queryForMap("SELECT tenant_id, meter, quantity, user_id, source, dimensions FROM "
				+ "metering_usage_event");
		assertThat(row.get("TENANT_ID")).isEqualTo("acme");
		assertThat(row.get("METER")).isEqualTo("api.calls");
		assertThat(new java.math.BigDecimal(row.get("QUANTITY").toString())).isEqualByComparingTo("2.5");
		assertThat(row.get("USER_ID")).isEqualTo("u-1");
		assertThat(row.get("SOURCE")).isEqualTo("api");
		assertThat(row.get("DIMENSIONS").toString()).contains("region").contains("retries");
	}

	@Test
	void recordsABatch() throws Exception {
		postEvents("[" + event("acme", "1", "u-1") + "," + event("acme", "2", "u-2") + "," + event("globex", "3", "u-1")
				+ "]")
			.andExpect(status().isCreated())
			.andExpect(jsonPath("$.recorded").value(3))
			.andExpect(jsonPath("$.events", hasSize(3)));
		flush();
		assertThat(count()).isEqualTo(3);
	}

	@Test
	void aRetriedIdempotencyKeyIsCountedOnce() throws Exception {
		String body = "{\"tenant_id\":\"acme\",\"metric\":\"api.calls\",\"quantity\":7,\"user_id\":\"u-1\","
				+ "\"idempotency_key\":\"order-42\"}";
		String first = postEvents(body).andExpect(status().isCreated()).andReturn().getResponse().getContentAsString();
		flush();
		postEvents(body).andExpect(status().isOk())
			.andExpect(jsonPath("$.status").value("duplicate"))
			.andExpect(jsonPath("$.id").value(com.jayway.jsonpath.JsonPath.<String>read(first, "$.id")));
		// Two retries in flight before the first write: the ledger keeps one.
		postEvents("[" + body.replace("order-42", "order-43") + "," + body.replace("order-42", "order-43") + "]")
			.andExpect(status().isCreated());
		flush();
		assertThat(count()).isEqualTo(2);
		assertThat(this.jdbc.queryForObject("SELECT SUM(quantity) FROM metering_usage_event", java.math.BigDecimal.class))
			.isEqualByComparingTo("14");
	}

	static Stream<Arguments> badEvents() {
		String ok = "\"tenant_id\":\"acme\",\"metric\":\"api.calls\",\"user_id\":\"u-1\"";
		return Stream.of(Arguments.of("missing tenant", "{\"metric\":\"api.calls\",\"quantity\":1,\"user_id\":\"u\"}",
				"tenant_id"), Arguments.of("missing metric", "{\"tenant_id\":\"acme\",\"quantity\":1,\"user_id\":\"u\"}",
						"metric"),
				Arguments.of("missing quantity", "{" + ok + "}", "quantity"),
				Arguments.of("missing user", "{\"tenant_id\":\"acme\",\"metric\":\"api.calls\",\"quantity\":1}",
						"user_id"),
				Arguments.of("negative quantity", "{" + ok + ",\"quantity\":-1}", "quantity"),
				Arguments.of("NaN quantity", "{" + ok + ",\"quantity\":NaN}", "quantity"),
				Arguments.of("infinite quantity", "{" + ok + ",\"quantity\":Infinity}", "quantity"),
				Arguments.of("quantity as a string", "{" + ok + ",\"quantity\":\"5\"}", "quantity"),
				Arguments.of("ten decimals", "{" + ok + ",\"quantity\":0.0000000001}", "quantity"),
				Arguments.of("tenant as a number",
						"{\"tenant_id\":42,\"metric\":\"api.calls\",\"quantity\":1,\"user_id\":\"u\"}", "tenant_id"),
				Arguments.of("metric of a wrong shape",
						"{\"tenant_id\":\"acme\",\"metric\":\"API Calls!\",\"quantity\":1,\"user_id\":\"u\"}", "metric"),
				Arguments.of("timestamp not a date", "{" + ok + ",\"quantity\":1,\"timestamp\":\"yesterday\"}",
						"timestamp"),
				Arguments.of("timestamp far in the future", "{" + ok + ",\"quantity\":1,\"timestamp\":\"2999-01-01T00:00:00Z\"}",
						"timestamp"),
				Arguments.of("metadata not an object", "{" + ok + ",\"quantity\":1,\"metadata\":[1]}", "metadata"),
				Arguments.of("malformed JSON", "{\"tenant_id\":\"acme\",", "body"),
				Arguments.of("not an object", "\"acme\"", "body"),
				Arguments.of("empty batch", "[]", "body"),
				Arguments.of("oversized batch", "[" + String.join(",", java.util.Collections.nCopies(6,
						event("acme", "1", "u"))) + "]", "body"),
				Arguments.of("one bad event spoils the batch", "[" + event("acme", "1", "u") + "," + event("acme", "2", "u")
						+ ",{" + ok + ",\"quantity\":-3}]", "[2].quantity"));
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("badEvents")
	void badEventsAreRefusedNamingTheFieldAndNothingIsRecorded(String name, String body, String field)
			throws Exception {
		postEvents(body).andExpect(status().isBadRequest())
			.andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON))
			.andExpect(jsonPath("$.status").value(400))
			.andExpect(jsonPath("$.field").value(field))
			.andExpect(jsonPath("$.detail").isString());
		flush();
		assertThat(count()).isZero();
	}

	@Test
	void anOversizedBodyGets413() throws Exception {
		String big = "{\"tenant_id\":\"acme\",\"metric\":\"api.calls\",\"quantity\":1,\"user_id\":\"" + "u".repeat(5000)
				+ "\"}";
		postEvents(big).andExpect(status().isContentTooLarge())
			.andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON))
			.andExpect(jsonPath("$.field").value("body"));
		flush();
		assertThat(count()).isZero();
	}

	@Test
	void withoutTheApiKeyNothingIsServed() throws Exception {
		this.mvc.perform(post("/api/events").contentType(MediaType.APPLICATION_JSON).content(event("acme", "1", "u")))
			.andExpect(status().isUnauthorized())
			.andExpect(jsonPath("$.field").value(KEY));
		this.mvc.perform(post("/api/events").header(KEY, "guess").contentType(MediaType.APPLICATION_JSON)
			.content(event("acme", "1", "u"))).andExpect(status().isUnauthorized());
		this.mvc.perform(get("/api/usage/acme/api.calls")).andExpect(status().isUnauthorized());
		this.mvc.perform(get("/api/quota/acme/api.calls")).andExpect(status().isUnauthorized());
		this.mvc.perform(post("/api/billing-report").contentType(MediaType.APPLICATION_JSON)
			.content("{\"tenant_id\":\"acme\"}")).andExpect(status().isUnauthorized());
		flush();
		assertThat(count()).isZero();
	}

	@Test
	void usageSummarisesPerHourDayOrMonth() throws Exception {
		Instant hour = this.now.truncatedTo(ChronoUnit.HOURS);
		Instant earlier = hour.minus(Duration.ofHours(1));
		postEvents("[" + event("acme", "5", "u-1", earlier.plusSeconds(60)) + "," + event("acme", "7", "u-2", hour)
				+ "," + event("globex", "100", "u-1", hour) + "]")
			.andExpect(status().isCreated());
		flush();
		this.mvc.perform(get("/api/usage/acme/api.calls").header(KEY, "s3cret")
			.param("from", earlier.toString())
			.param("to", hour.plus(Duration.ofHours(1)).toString())
			.param("granularity", "hour"))
			.andExpect(status().isOk())
			.andExpect(jsonPath("$.tenant_id").value("acme"))
			.andExpect(jsonPath("$.metric").value("api.calls"))
			.andExpect(jsonPath("$.total").value(12))
			.andExpect(jsonPath("$.usage", hasSize(2)))
			.andExpect(jsonPath("$.usage[0].start").value(earlier.toString()))
			.andExpect(jsonPath("$.usage[0].quantity").value(5))
			.andExpect(jsonPath("$.usage[1].quantity").value(7))
			.andExpect(jsonPath("$.quotas", hasSize(2)))
			.andExpect(jsonPath("$.quotas[0].limit").value(1000));
		String month = java.time.YearMonth.from(this.now.atOffset(java.time.ZoneOffset.UTC)).toString();
		this.mvc.perform(get("/api/usage/acme/api.calls").header(KEY, "s3cret")
			.param("period", month)
			.param("granularity", "month"))
			.andExpect(status().isOk())
			.andExpect(jsonPath("$.usage", hasSize(1)))
			.andExpect(jsonPath("$.total").value(greaterOrEqual(earlier, month) ? 12 : 7));
	}

	private static boolean greaterOrEqual(Instant earlier, String month) {
		return java.time.YearMonth.from(earlier.atOffset(java.time.ZoneOffset.UTC)).toString().equals(month);
	}

	static Stream<Arguments> badUsageRequests() {
		return Stream.of(Arguments.of("/api/usage/acme/api.calls?granularity=week", 400, "granularity"),
				Arguments.of("/api/usage/acme/api.calls?period=2026-13", 400, "period"),
				Arguments.of("/api/usage/acme/api.calls?period=2026-11&from=2026-11-01T00:00:00Z", 400, "period"),
				Arguments.of("/api/usage/acme/api.calls?from=2026-11-01T00:30:00Z&to=2026-11-02T00:00:00Z", 400,
						"from"),
				Arguments.of("/api/usage/acme/api.calls?from=2026-11-01T00:00:00Z", 400, "to"),
				Arguments.of("/api/usage/acme/api.calls?from=soon&to=2026-11-02T00:00:00Z", 400, "from"),
				Arguments.of("/api/usage/acme/API Calls", 400, "metric"),
				Arguments.of("/api/usage/acme/api.calls/top-users?limit=0", 400, "limit"),
				Arguments.of("/api/usage/acme/api.calls/top-users?limit=ten", 400, "limit"),
				Arguments.of("/api/quota/acme/Bad!", 400, "metric"));
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("badUsageRequests")
	void badReadsAreRefusedNamingTheField(String uri, int status, String field) throws Exception {
		this.mvc.perform(get(uri).header(KEY, "s3cret"))
			.andExpect(status().is(status))
			.andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON))
			.andExpect(jsonPath("$.field").value(field));
	}

	@Test
	void topUsersAreTheHeaviestFirst() throws Exception {
		postEvents("[" + event("acme", "5", "u-1") + "," + event("acme", "9", "u-2") + "," + event("acme", "6", "u-1")
				+ "," + event("acme", "1", "u-3") + "," + event("globex", "99", "u-9") + "]")
			.andExpect(status().isCreated());
		flush();
		this.mvc.perform(get("/api/usage/acme/api.calls/top-users").header(KEY, "s3cret").param("limit", "2"))
			.andExpect(status().isOk())
			.andExpect(jsonPath("$.users", hasSize(2)))
			.andExpect(jsonPath("$.users[0].user_id").value("u-1"))
			.andExpect(jsonPath("$.users[0].quantity").value(11))
			.andExpect(jsonPath("$.users[0].events").value(2))
			.andExpect(jsonPath("$.users[1].user_id").value("u-2"));
	}

	@Test
	void quotaStatusListsEveryPolicy() throws Exception {
		postEvents(event("acme", "400", "u-1")).andExpect(status().isCreated());
		flush();
		this.mvc.perform(get("/api/quota/acme/api.calls").header(KEY, "s3cret"))
			.andExpect(status().isOk())
			.andExpect(jsonPath("$.allowed").value(true))
			.andExpect(jsonPath("$.policies", hasSize(2)))
			.andExpect(jsonPath("$.policies[0].name").value("pro-api.calls-month"))
			.andExpect(jsonPath("$.policies[0].limit").value(1000))
			.andExpect(jsonPath("$.policies[0].used").value(400))
			.andExpect(jsonPath("$.policies[0].remaining").value(600))
			.andExpect(jsonPath("$.policies[0].window").value("month"))
			.andExpect(jsonPath("$.policies[0].enforcement").value("hard"))
			.andExpect(jsonPath("$.policies[0].reset").isString())
			.andExpect(jsonPath("$.policies[0].next_unit_allowed").value(true))
			.andExpect(jsonPath("$.policies[1].enforcement").value("soft"));
		// A meter without quota is unlimited.
		this.mvc.perform(get("/api/quota/acme/exports").header(KEY, "s3cret"))
			.andExpect(status().isOk())
			.andExpect(jsonPath("$.allowed").value(true))
			.andExpect(jsonPath("$.policies", hasSize(0)));
	}

	@Test
	void billingReportPricesTheOverage() throws Exception {
		postEvents("[" + event("acme", "350", "u-1") + "," + event("globex", "50", "u-1") + "]")
			.andExpect(status().isCreated());
		flush();
		String month = java.time.YearMonth.from(this.now.atOffset(java.time.ZoneOffset.UTC)).toString();
		this.mvc.perform(post("/api/billing-report").header(KEY, "s3cret")
			.contentType(MediaType.APPLICATION_JSON)
			.content("{\"tenant_id\":\"acme\",\"period\":\"" + month + "\"}"))
			.andExpect(status().isOk())
			.andExpect(jsonPath("$.tenant_id").value("acme"))
			.andExpect(jsonPath("$.plan").value("pro"))
			.andExpect(jsonPath("$.currency").value("EUR"))
			.andExpect(jsonPath("$.lines[0].metric").value("api.calls"))
			.andExpect(jsonPath("$.lines[0].quantity").value(350))
			.andExpect(jsonPath("$.lines[0].included").value(100))
			.andExpect(jsonPath("$.lines[0].billable").value(250))
			.andExpect(jsonPath("$.lines[0].overage").value(true))
			.andExpect(jsonPath("$.lines[0].amount").value("2.50"))
			.andExpect(jsonPath("$.base_fee").value("10.00"))
			.andExpect(jsonPath("$.subtotal").value("12.50"))
			.andExpect(jsonPath("$.tenants[0]").value("acme"));
		this.mvc.perform(post("/api/billing-report").header(KEY, "s3cret")
			.header("Accept", "text/csv")
			.contentType(MediaType.APPLICATION_JSON)
			.content("{\"tenant_id\":\"acme\"}"))
			.andExpect(status().isOk())
			.andExpect(content().contentTypeCompatibleWith("text/csv"))
			.andExpect(content().string(startsWith("billing_scope,plan,period_start")))
			.andExpect(content().string(org.hamcrest.Matchers.containsString(",api.calls,,350,100,250,per_unit,0.01,,2.50,EUR\r\n")))
			.andExpect(content().string(org.hamcrest.Matchers.containsString(",subtotal,,,,,,,,12.50,EUR\r\n")));
	}

	static Stream<Arguments> badReportRequests() {
		return Stream.of(Arguments.of("{}", 400, "tenant_id"), Arguments.of("{\"tenant_id\":7}", 400, "tenant_id"),
				Arguments.of("{\"tenant_id\":\"acme\",\"period\":11}", 400, "period"),
				Arguments.of("{\"tenant_id\":\"acme\",\"period\":\"November\"}", 400, "period"),
				Arguments.of("{\"tenant_id\":\"acme\"", 400, "body"), Arguments.of("[]", 400, "body"),
				Arguments.of("{\"tenant_id\":\"nobody\"}", 422, "tenant_id"));
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("badReportRequests")
	void badReportRequestsAreRefusedNamingTheField(String body, int status, String field) throws Exception {
		this.mvc.perform(post("/api/billing-report").header(KEY, "s3cret")
			.contentType(MediaType.APPLICATION_JSON)
			.content(body))
			.andExpect(status().is(status))
			.andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON))
			.andExpect(jsonPath("$.field").value(field));
	}

	private ResultActions postEvents(String body) throws Exception {
		return this.mvc.perform(
				post("/api/events").header(KEY, "s3cret").contentType(MediaType.APPLICATION_JSON).content(body));
	}

	private static String event(String tenant, String quantity, String user) {
		return "{\"tenant_id\":\"" + tenant + "\",\"metric\":\"api.calls\",\"quantity\":" + quantity
				+ ",\"user_id\":\"" + user + "\"}";
	}

	private static String event(String tenant, String quantity, String user, Instant at) {
		return "{\"tenant_id\":\"" + tenant + "\",\"metric\":\"api.calls\",\"quantity\":" + quantity
				+ ",\"user_id\":\"" + user + "\",\"timestamp\":\"" + at + "\"}";
	}

	@Test
	void aTenantTheConfigurationDoesNotListIsRecordedAndReadLikeAnyOther() throws Exception {
		postEvents("{\"tenant_id\":\"newco\",\"metric\":\"api.calls\",\"quantity\":3,\"user_id\":\"u\"}")
			.andExpect(status().isCreated());
		flush();
		this.mvc.perform(get("/api/usage/newco/api.calls").header(KEY, "s3cret"))
			.andExpect(status().isOk())
			.andExpect(jsonPath("$.total").value(3));
		this.mvc.perform(get("/api/quota/newco/api.calls").header(KEY, "s3cret"))
			.andExpect(status().isOk())
			.andExpect(jsonPath("$.allowed").value(true))
			.andExpect(jsonPath("$.policies").isEmpty());
		// Metered, unlimited, and unpriced: it has no plan to bill it by.
		this.mvc.perform(post("/api/billing-report").header(KEY, "s3cret")
			.contentType(MediaType.APPLICATION_JSON)
			.content("{\"tenant_id\":\"newco\"}"))
			.andExpect(status().is(422))
			.andExpect(jsonPath("$.field").value("tenant_id"));
	}

	private void flush() {
		assertThat(this.writer.flush(Duration.ofSeconds(10))).isTrue();
	}

	private long count() {
		Long count = this.jdbc.queryForObject("SELECT COUNT(*) FROM metering_usage_event", Long.class);
		return (count != null) ? count : 0;
	}

	@SpringBootConfiguration
	@EnableAutoConfiguration
	static class TestApplication {

	}

}
