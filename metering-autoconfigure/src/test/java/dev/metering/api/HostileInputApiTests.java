package dev.metering.api;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import dev.metering.admin.web.AdminApiSettings;
import dev.metering.ledger.BufferedLedgerWriter;
import jakarta.servlet.Filter;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.http.HttpMethod;
import org.springframework.http.MediaType;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.request.MockHttpServletRequestBuilder;
import org.springframework.test.web.servlet.setup.MockMvcBuilders;
import org.springframework.web.context.WebApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.request;

/**
 * Bodies and headers built to cost memory, on every usage and admin route: numbers of a
 * billion-digit exponent or 100,000 digits, NaN and Infinity as numbers and as strings, negative
 * zero, deep nesting, 1 MB strings. A number outside the ledger's range is a 400 naming the field
 * in a problem of under 1 KB, answered in under 10 ms; a seeded fuzz of every route and header
 * never gets a 5xx, writes nothing for a refused request, and leaves the heap where it was.
 */
@SpringBootTest(classes = HostileInputApiTests.TestApplication.class, properties = {
		"spring.datasource.url=jdbc:h2:mem:hostile-input;DB_CLOSE_DELAY=-1", "metering.writer.flush-interval=10ms",
		"metering.rollup.enabled=false", "metering.api.enabled=true", "metering.api.auth=api-key",
		"metering.api.api-key=s3cret-key", "metering.api.max-batch-size=5", "metering.api.max-body-size=2MB",
		"metering.admin.web.enabled=true", "metering.admin.web.api-key=" + HostileInputApiTests.ADMIN_KEY,
		"metering.admin.web.max-body-size=2MB", "metering.web.tenant-header=X-Tenant-Id",
		"metering.web.trust-all-clients=true", "metering.tenants.acme.plan=pro",
		"metering.plans.pro.quotas[0].meter=api.calls", "metering.plans.pro.quotas[0].limit=1000000",
		"metering.plans.pro.quotas[0].window=month", "metering.billing.plans.pro.currency=EUR",
		"metering.billing.plans.pro.prices[0].meter=api.calls", "metering.billing.plans.pro.prices[0].unit-price=0.01",
		"logging.level.dev.metering=ERROR" })
class HostileInputApiTests {

	static final String ADMIN_KEY = "admin-key-0123456789abcdef";

	private static final String HUNDRED_THOUSAND_DIGITS = "9".repeat(100_000);

	private static final String MEGABYTE = "x".repeat(1 << 20);

	@Autowired
	private WebApplicationContext context;

	@Autowired
	private BufferedLedgerWriter writer;

	@Autowired
	private JdbcTemplate jdbc;

	private MockMvc mvc;

	@BeforeEach
	void setUp() {
		// With the kit's filter: it reads the tenant header and meters every request.
		Filter filter = this.context.getBean("meteringFilterRegistration", FilterRegistrationBean.class).getFilter();
		this.mvc = MockMvcBuilders.webAppContextSetup(this.context).addFilters(filter).build();
		this.jdbc.update("DELETE FROM metering_usage_event");
	}

	static Stream<String> hostileNumbers() {
		return Stream.of("1e999999999", "-1e999999999", "1e-999999999", "-1e-999999999", "1e2147483647",
				"1e-2147483647", "1e9999999999", "0e999999999", "0e-999999999", "1e29", "1.0000000001", "NaN",
				"Infinity", "-Infinity", "\"NaN\"", "\"Infinity\"", "\"1e999999999\"", HUNDRED_THOUSAND_DIGITS,
				"0." + HUNDRED_THOUSAND_DIGITS, "1e" + HUNDRED_THOUSAND_DIGITS);
	}

	@ParameterizedTest(name = "{index}")
	@MethodSource("hostileNumbers")
	void aHostileQuantityIsRefusedByFieldQuicklyWithASmallProblemAndNothingRecorded(String number) throws Exception {
		String single = "{\"tenant_id\":\"acme\",\"metric\":\"api.calls\",\"quantity\":" + number + ",\"user_id\":\"u\"}";
		String batch = "[{\"tenant_id\":\"acme\",\"metric\":\"api.calls\",\"quantity\":1,\"user_id\":\"u\"}," + single + "]";
		refusedQuickly(post("/api/events", single).header("X-Api-Key", "s3cret-key"), "quantity");
		refusedQuickly(post("/api/events", batch).header("X-Api-Key", "s3cret-key"), "[1].quantity");
		// The body is read before the key is checked: without a key it must be as cheap.
		refusedQuickly(post("/api/events", single), "quantity");
		assertThat(this.writer.flush(Duration.ofSeconds(10))).isTrue();
		assertThat(apiRows()).isZero();
	}

	@ParameterizedTest(name = "{index}")
	@MethodSource("hostileNumbers")
	void aHostileAdminLimitIsRefusedByFieldQuicklyAndChangesNothing(String number) throws Exception {
		long audit = count("metering_quota_audit");
		String body = "{\"meter\":\"api.calls\",\"window\":\"day\",\"limit\":" + number + "}";
		refusedQuickly(admin(HttpMethod.PUT, "/tenants/acme/quotas", body), "limit");
		refusedQuickly(admin(HttpMethod.PUT, "/plans/pro/quotas", body), "limit");
		String threshold = "{\"meter\":\"api.calls\",\"window\":\"day\",\"limit\":5,\"soft_threshold\":" + number + "}";
		refusedQuickly(admin(HttpMethod.PUT, "/tenants/acme/quotas", threshold), "soft_threshold");
		assertThat(count("metering_tenant_quota")).isZero();
		assertThat(count("metering_quota_audit")).isEqualTo(audit);
	}

	@Test
	void megabyteStringsAndDeepNestingAreSmallProblems() throws Exception {
		String nested = "[".repeat(10_000) + "]".repeat(10_000);
		for (MockHttpServletRequestBuilder request : List.of(
				post("/api/events", "{\"tenant_id\":\"acme\",\"metric\":\"" + MEGABYTE + "\",\"quantity\":1,\"user_id\":\"u\"}"),
				post("/api/events", "{\"tenant_id\":\"acme\",\"metric\":\"api.calls\",\"quantity\":1,\"user_id\":\"u\","
						+ "\"timestamp\":\"" + MEGABYTE + "\"}"),
				post("/api/events", nested), post("/api/billing-report", nested),
				post("/api/billing-report", "{\"tenant_id\":\"acme\",\"period\":\"" + MEGABYTE + "\"}"),
				admin(HttpMethod.PUT, "/tenants/acme/quotas", "{\"" + MEGABYTE + "\":1}"),
				admin(HttpMethod.PUT, "/tenants/acme/quotas", "{\"meter\":\"" + MEGABYTE + "\"}"),
				admin(HttpMethod.PUT, "/tenants/acme", nested))) {
			MockHttpServletResponse response = this.mvc.perform(request.header("X-Api-Key", "s3cret-key")).andReturn()
				.getResponse();
			assertThat(response.getStatus()).isEqualTo(400);
			assertThat(response.getContentAsByteArray()).hasSizeLessThan(1024);
		}
		assertThat(apiRows()).isZero();
	}

	/** Seeded: every route, bodies and headers drawn from hostile values. */
	@Test
	void fuzzedBodiesAndHeadersOnEveryRouteNeverGetA5xxAndRefusedRequestsWriteNothing() throws Exception {
		Random random = new Random(2501);
		for (int warm = 0; warm < 200; warm++) {
			this.mvc.perform(fuzzed(random, warm)).andReturn();
		}
		assertThat(this.writer.flush(Duration.ofSeconds(10))).isTrue();
		long heapBefore = heapAfterGc();
		long rowsBefore = apiRows();
		long auditBefore = count("metering_quota_audit");
		long recorded = 0;
		long changes = 0;
		for (int i = 0; i < 3_000; i++) {
			MockHttpServletRequestBuilder request = fuzzed(random, i);
			MockHttpServletResponse response = this.mvc.perform(request).andReturn().getResponse();
			int status = response.getStatus();
			assertThat(status).as("case %d: %s", i, response.getContentAsString()).isLessThan(500);
			if (status >= 400) {
				assertThat(response.getContentAsByteArray()).as("case %d", i).hasSizeLessThan(1024);
			}
			String path = this.lastPath;
			if (path.startsWith("/api/events") && (status == 201)) {
				recorded += recordedBy(response.getContentAsString());
			}
			if (path.startsWith("/metering/admin") && status < 300 && !"GET".equals(this.lastMethod)) {
				changes++;
			}
		}
		assertThat(this.writer.flush(Duration.ofSeconds(10))).isTrue();
		assertThat(apiRows() - rowsBefore).as("rows = events answered as recorded")
			.isEqualTo(recorded);
		assertThat(count("metering_quota_audit") - auditBefore).as("audit rows = changes answered 2xx")
			.isEqualTo(changes);
		long heapAfter = heapAfterGc();
		assertThat(heapAfter).as("heap after GC, before %d MB", heapBefore >> 20)
			.isLessThan(heapBefore + heapBefore / 10 + (16L << 20));
	}

	private String lastPath = "";

	private String lastMethod = "";

	private MockHttpServletRequestBuilder fuzzed(Random random, int i) {
		String tenant = pick(random, "acme", "globex", "", " ", "a".repeat(200), "x\u0000y", MEGABYTE.substring(0, 8000));
		String metric = pick(random, "api.calls", "API", "a..b", "m".repeat(200));
		String[][] routes = { { "POST", "/api/events" }, { "POST", "/api/billing-report" },
				{ "GET", "/api/usage/" + enc(tenant) + "/" + enc(metric) }, { "GET", "/api/usage/acme/api.calls/top-users" },
				{ "GET", "/api/quota/" + enc(tenant) + "/" + enc(metric) }, { "PUT", "/metering/admin/tenants/acme" },
				{ "DELETE", "/metering/admin/tenants/fz" + i }, { "PUT", "/metering/admin/tenants/acme/quotas" },
				{ "DELETE", "/metering/admin/tenants/acme/quotas/api.calls/day" }, { "POST", "/metering/admin/plans" },
				{ "PUT", "/metering/admin/plans/pro/quotas" }, { "GET", "/metering/admin/plans/pro/quotas" },
				{ "GET", "/metering/admin/tenants/acme/quotas" }, { "GET", "/metering/admin/audit" } };
		String[] route = routes[random.nextInt(routes.length)];
		this.lastMethod = route[0];
		this.lastPath = route[1];
		StringBuilder uri = new StringBuilder(route[1]);
		if (random.nextBoolean()) {
			uri.append("?limit=").append(enc(value(random)))
				.append("&period=").append(enc(pick(random, "2026-11", "November", "9".repeat(2000))))
				.append("&from=").append(enc(value(random)))
				.append("&to=").append(enc(value(random)))
				.append("&granularity=").append(enc(pick(random, "day", "hour", "week", "")));
		}
		MockHttpServletRequestBuilder request = request(HttpMethod.valueOf(route[0]), uri.toString());
		if (!route[0].equals("GET") && !route[0].equals("DELETE")) {
			request.contentType(pick(random, "application/json", "text/plain", "application/cloudevents+json"))
				.content(body(random, tenant, metric).getBytes(StandardCharsets.UTF_8));
		}
		if (random.nextInt(10) > 0) {
			request.header("X-Api-Key", pick(random, "s3cret-key", "wrong", "", MEGABYTE.substring(0, 4000)));
			request.header(AdminApiSettings.API_KEY_HEADER, pick(random, ADMIN_KEY, "wrong", "", "\u0000"));
		}
		request.header("X-Tenant-Id", pick(random, "acme", tenant, "1e999999999"));
		request.header("Accept", pick(random, "application/json", "text/csv", "*/*", "text/csv;q=NaN", ";;;", "a/b/c"));
		request.header("X-Forwarded-For", pick(random, "10.0.0.1", "1e999999999", "::::", ""));
		return request;
	}

	private String body(Random random, String tenant, String metric) {
		return switch (random.nextInt(8)) {
			case 0 -> "[" + String.join(",", java.util.Collections.nCopies(random.nextInt(1, 8), event(random, tenant, metric))) + "]";
			case 1 -> "[".repeat(random.nextInt(5, 2000)) + "]".repeat(random.nextInt(5, 2000));
			case 2 -> "{\"meter\":\"api.calls\",\"window\":\"" + pick(random, "day", "month", "week") + "\",\"limit\":"
					+ value(random) + ",\"soft_threshold\":" + value(random) + ",\"enforcement\":\"" + pick(random, "hard", "soft", "x")
					+ "\"}";
			case 3 -> "{\"plan\":" + value(random) + ",\"exempt\":" + value(random) + ",\"parent\":" + value(random) + "}";
			case 4 -> "{\"name\":\"fz" + random.nextInt(1_000_000) + "\",\"description\":" + value(random) + "}";
			case 5 -> "{\"tenant_id\":\"acme\",\"period\":" + value(random) + ",\"from\":" + value(random) + "}";
			case 6 -> value(random);
			default -> event(random, tenant, metric);
		};
	}

	private String event(Random random, String tenant, String metric) {
		return "{\"tenant_id\":\"" + (random.nextBoolean() ? "acme" : tenant.replace("\u0000", "\\u0000")) + "\",\"metric\":\""
				+ (random.nextBoolean() ? "api.calls" : metric) + "\",\"quantity\":" + value(random)
				+ ",\"user_id\":\"u\",\"metadata\":{\"k\":" + value(random) + "},\"timestamp\":"
				+ pick(random, "null", "\"2026-11-23T18:20:00Z\"", value(random)) + "}";
	}

	/** A JSON value: hostile numbers mostly, strings, nesting. */
	private static String value(Random random) {
		return switch (random.nextInt(6)) {
			case 0, 1 -> pick(random, hostileNumbers().toList().toArray(String[]::new));
			case 2 -> pick(random, "1", "2.5", "-0", "-0.0", "0", "100", "0.8", "1e2", "null", "true");
			case 3 -> "\"" + pick(random, "x", "", MEGABYTE.substring(0, random.nextInt(1, 200_000)), "2026-11") + "\"";
			case 4 -> "{\"a\":".repeat(random.nextInt(1, 40)) + "1" + "}".repeat(random.nextInt(1, 40));
			default -> Long.toString(random.nextLong());
		};
	}

	private static String pick(Random random, String... values) {
		return values[random.nextInt(values.length)];
	}

	private static String enc(String value) {
		return java.net.URLEncoder.encode(value, StandardCharsets.UTF_8);
	}

	private static long recordedBy(String json) {
		if (json.startsWith("{\"recorded\":")) {
			return Long.parseLong(json.substring(12, json.indexOf(',')));
		}
		return json.contains("\"status\":\"recorded\"") ? 1 : 0;
	}

	private void refusedQuickly(MockHttpServletRequestBuilder request, String field) throws Exception {
		long best = Long.MAX_VALUE;
		MockHttpServletResponse response = null;
		// Best of five: one answer may meet a GC pause of the shared test JVM.
		for (int i = 0; i < 5; i++) {
			long start = System.nanoTime();
			response = this.mvc.perform(request).andReturn().getResponse();
			best = Math.min(best, System.nanoTime() - start);
		}
		String body = response.getContentAsString();
		assertThat(response.getStatus()).as(body).isEqualTo(400);
		assertThat(response.getContentType()).startsWith(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
		assertThat(body).contains("\"field\":\"" + field + "\"");
		assertThat(response.getContentAsByteArray()).as(body).hasSizeLessThan(1024);
		assertThat(Duration.ofNanos(best)).isLessThan(Duration.ofMillis(10));
	}

	private static MockHttpServletRequestBuilder post(String path, String body) {
		return request(HttpMethod.POST, path).contentType(MediaType.APPLICATION_JSON).content(body);
	}

	private static MockHttpServletRequestBuilder admin(HttpMethod method, String path, String body) {
		return request(method, "/metering/admin" + path).header(AdminApiSettings.API_KEY_HEADER, ADMIN_KEY)
			.contentType(MediaType.APPLICATION_JSON)
			.content(body);
	}

	/** Rows of the usage API's events (the filter meters every request besides). */
	private long apiRows() {
		Long count = this.jdbc.queryForObject("SELECT COUNT(*) FROM metering_usage_event WHERE source = 'api'",
				Long.class);
		return (count != null) ? count : 0;
	}

	private long count(String table) {
		Long count = this.jdbc.queryForObject("SELECT COUNT(*) FROM " + table, Long.class);
		return (count != null) ? count : 0;
	}

	private static long heapAfterGc() {
		MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
		for (int i = 0; i < 3; i++) {
			System.gc();
		}
		return memory.getHeapMemoryUsage().getUsed();
	}

	@SpringBootConfiguration
	@EnableAutoConfiguration
	static class TestApplication {

	}

}
