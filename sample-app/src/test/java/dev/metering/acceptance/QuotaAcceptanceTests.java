package dev.metering.acceptance;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import dev.metering.test.MutableClock;
import dev.metering.test.StructuredFields;
import dev.metering.test.TestSchema;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.Test;

import org.springframework.boot.json.JsonParserFactory;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The acceptance tests of quota enforcement: the sample application over PostgreSQL, called over
 * HTTP exactly as clients would.
 */
class QuotaAcceptanceTests {

	private static final Instant NOW = Instant.parse("2026-11-23T10:15:00Z");

	private static final Instant TOMORROW = Instant.parse("2026-11-24T00:00:00Z");

	private static final long SECONDS_TO_TOMORROW = Duration.between(NOW, TOMORROW).toSeconds();

	private static String[] plan(String name, long limit, String window, String enforcement, String... more) {
		String prefix = "metering.plans." + name + ".quotas[0].";
		List<String> properties = new java.util.ArrayList<>(List.of(prefix + "meter=http.requests", prefix + "limit=" + limit,
				prefix + "window=" + window, prefix + "enforcement=" + enforcement));
		properties.addAll(List.of(more));
		return properties.toArray(String[]::new);
	}

	private static String[] join(String[]... groups) {
		return java.util.Arrays.stream(groups).flatMap(java.util.Arrays::stream).toArray(String[]::new);
	}

	@Test
	void hardQuotaOfOneHundredPerDayLetsExactlyOneHundredOfOneHundredFiftyConcurrentRequestsThrough() throws Exception {
		try (TestSchema schema = SampleApp.postgres();
				SampleApp app = new SampleApp(schema, new MutableClock(NOW),
						plan("starter", 100, "day", "hard", "metering.default-plan=starter"))) {
			List<HttpResponse<String>> responses = app.burst("/api/ping", "acme", 150, 16);

			List<HttpResponse<String>> ok = responses.stream().filter((r) -> r.statusCode() == 200).toList();
			List<HttpResponse<String>> rejected = responses.stream().filter((r) -> r.statusCode() == 429).toList();
			assertThat(ok).hasSize(100);
			assertThat(rejected).hasSize(50);
			assertThat(app.probes().controllerCalls.get()).isEqualTo(100);

			// Each allowed response saw a different remaining quantity: no two requests shared a unit.
			Set<Long> remaining = new TreeSet<>();
			for (HttpResponse<String> response : ok) {
				StructuredFields.Member policy = single(response, "RateLimit-Policy");
				assertThat(policy.value()).isEqualTo("starter-http.requests-day");
				assertThat(policy.integer("q")).isEqualTo(100);
				assertThat(policy.integer("w")).isEqualTo(86400);
				StructuredFields.Member state = single(response, "RateLimit");
				assertThat(state.value()).isEqualTo("starter-http.requests-day");
				assertThat(state.integer("t")).isEqualTo(SECONDS_TO_TOMORROW);
				remaining.add(state.integer("r"));
			}
			assertThat(remaining).hasSize(100).first().isEqualTo(0L);
			assertThat(remaining).last().isEqualTo(99L);

			for (HttpResponse<String> response : rejected) {
				assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
						(type) -> assertThat(type).startsWith("application/problem+json"));
				assertThat(response.headers().firstValue("Retry-After")).hasValue(Long.toString(SECONDS_TO_TOMORROW));
				StructuredFields.Member policy = single(response, "RateLimit-Policy");
				assertThat(policy.value()).isEqualTo("starter-http.requests-day");
				assertThat(policy.integer("q")).isEqualTo(100);
				StructuredFields.Member state = single(response, "RateLimit");
				assertThat(state.integer("r")).isZero();
				assertThat(state.integer("t")).isEqualTo(SECONDS_TO_TOMORROW);
				Map<String, Object> problem = JsonParserFactory.getJsonParser().parseMap(response.body());
				assertThat(problem)
					.containsEntry("title", "Quota exceeded")
					.containsEntry("type", "https://metering.dev/problems/quota-exceeded")
					.containsEntry("tenant", "acme")
					.containsEntry("meter", "http.requests")
					.containsEntry("reset", TOMORROW.toString())
					.containsEntry("violated-policies", List.of("starter-http.requests-day"));
				assertThat(numbers(problem, "status", "limit", "used")).containsExactly(429L, 100L, 100L);
				assertThat((String) problem.get("detail")).contains("acme").contains("100");
			}

			// Rejected requests are not billed: the ledger holds the 100 served ones.
			app.flush();
			assertThat(ledgerCount(schema, "acme", "http.requests")).isEqualTo(100);
			MeterRegistry metrics = app.context.getBean(MeterRegistry.class);
			assertThat(metrics.get("metering.quota.denials").counter().count()).isEqualTo(50);
		}
	}

	@Test
	void softQuotaLetsEveryRequestThroughAndWarnsOnce() throws Exception {
		try (TestSchema schema = SampleApp.postgres();
				SampleApp app = new SampleApp(schema, new MutableClock(NOW), plan("starter", 100, "day", "soft",
						"metering.default-plan=starter", "metering.plans.starter.quotas[0].soft-threshold=0.8"))) {
			List<HttpResponse<String>> responses = app.burst("/api/ping", "acme", 150, 16);
			assertThat(responses).allSatisfy((r) -> {
				assertThat(r.statusCode()).isEqualTo(200);
				assertThat(single(r, "RateLimit-Policy").integer("q")).isEqualTo(100);
				single(r, "RateLimit");
			});
			assertThat(app.probes().controllerCalls.get()).isEqualTo(150);
			assertThat(app.probes().warnings).hasSize(1);
			assertThat(app.probes().warnings.get(0).used()).isEqualByComparingTo("81");
			app.flush();
			assertThat(ledgerCount(schema, "acme", "http.requests")).isEqualTo(150);
		}
	}

	@Test
	void monitorQuotaLetsEveryRequestThroughAndCountsWhatPassedTheLimit() throws Exception {
		try (TestSchema schema = SampleApp.postgres();
				SampleApp app = new SampleApp(schema, new MutableClock(NOW),
						plan("starter", 100, "day", "monitor", "metering.default-plan=starter"))) {
			List<HttpResponse<String>> responses = app.burst("/api/ping", "acme", 150, 16);
			assertThat(responses).allSatisfy((r) -> {
				assertThat(r.statusCode()).isEqualTo(200);
				// observed only: invisible to the client
				assertThat(r.headers().firstValue("RateLimit")).isEmpty();
			});
			MeterRegistry metrics = app.context.getBean(MeterRegistry.class);
			assertThat(metrics.get("metering.quota.checks").tag("enforcement", "monitor").counter().count())
				.isEqualTo(150);
			assertThat(metrics.get("metering.quota.exceeded").tag("enforcement", "monitor").counter().count())
				.isEqualTo(50);
			assertThat(app.probes().warnings).singleElement().satisfies((w) -> assertThat(w.overLimit()).isTrue());
		}
	}

	@Test
	void aBlockedTenantIsStillBlockedAfterARestart() throws Exception {
		MutableClock clock = new MutableClock(NOW);
		String[] config = plan("starter", 5, "day", "hard", "metering.default-plan=starter");
		try (TestSchema schema = SampleApp.postgres()) {
			try (SampleApp app = new SampleApp(schema, clock, config)) {
				for (int i = 0; i < 5; i++) {
					assertThat(app.get("/api/ping", "acme").statusCode()).isEqualTo(200);
				}
				assertThat(app.get("/api/ping", "acme").statusCode()).isEqualTo(429);
			}
			try (SampleApp restarted = new SampleApp(schema, clock, config)) {
				HttpResponse<String> response = restarted.get("/api/ping", "acme");
				assertThat(response.statusCode()).isEqualTo(429);
				assertThat(single(response, "RateLimit").integer("r")).isZero();
				assertThat(restarted.get("/api/ping", "other").statusCode()).isEqualTo(200);
			}
		}
	}

	@Test
	void aNewHourDayOrMonthGivesTheQuotaBack() throws Exception {
		MutableClock clock = new MutableClock(NOW);
		String[] config = join(plan("hourly", 3, "hour", "hard"), plan("daily", 3, "day", "hard"),
				plan("monthly", 3, "month", "hard"),
				new String[] { "metering.tenants.h.plan=hourly", "metering.tenants.d.plan=daily",
						"metering.tenants.m.plan=monthly" });
		try (TestSchema schema = SampleApp.postgres(); SampleApp app = new SampleApp(schema, clock, config)) {
			for (String tenant : List.of("h", "d", "m")) {
				for (int i = 0; i < 3; i++) {
					assertThat(app.get("/api/ping", tenant).statusCode()).isEqualTo(200);
				}
				assertThat(app.get("/api/ping", tenant).statusCode()).isEqualTo(429);
			}
			app.flush();
			clock.set(Instant.parse("2026-11-23T11:00:00Z"));
			assertThat(statuses(app)).containsExactly(200, 429, 429);
			clock.set(TOMORROW);
			assertThat(statuses(app)).containsExactly(200, 200, 429);
			clock.set(Instant.parse("2026-12-01T00:00:00Z"));
			assertThat(statuses(app)).containsExactly(200, 200, 200);
		}
	}

	@Test
	void exemptTenantsAndMetersWithoutQuotaAreNeverBlocked() throws Exception {
		String[] config = join(plan("starter", 1, "day", "hard", "metering.default-plan=starter"),
				new String[] { "metering.tenants.internal.exempt=true",
						"metering.plans.exports-only.quotas[0].meter=exports.rows",
						"metering.plans.exports-only.quotas[0].limit=1", "metering.tenants.batch.plan=exports-only" });
		try (TestSchema schema = SampleApp.postgres();
				SampleApp app = new SampleApp(schema, new MutableClock(NOW), config)) {
			for (String tenant : List.of("internal", "batch")) {
				List<HttpResponse<String>> responses = app.burst("/api/ping", tenant, 50, 8);
				assertThat(responses).allSatisfy((r) -> {
					assertThat(r.statusCode()).isEqualTo(200);
					assertThat(r.headers().firstValue("RateLimit")).isEmpty();
				});
			}
			app.flush();
			// exempt usage is still recorded
			assertThat(ledgerCount(schema, "internal", "http.requests")).isEqualTo(50);
		}
	}

	@Test
	void quotaExceededExceptionBecomesTheSame429InSpringMvc() throws Exception {
		String[] config = new String[] { "metering.default-plan=starter",
				"metering.plans.starter.quotas[0].meter=exports.rows", "metering.plans.starter.quotas[0].limit=15",
				"metering.plans.starter.quotas[0].window=day" };
		try (TestSchema schema = SampleApp.postgres();
				SampleApp app = new SampleApp(schema, new MutableClock(NOW), config)) {
			assertThat(app.get("/api/test/exports", "acme").statusCode()).isEqualTo(200);
			HttpResponse<String> rejected = app.get("/api/test/exports", "acme");
			assertThat(rejected.statusCode()).isEqualTo(429);
			assertThat(rejected.headers().firstValue("Content-Type")).hasValueSatisfying(
					(type) -> assertThat(type).startsWith("application/problem+json"));
			assertThat(rejected.headers().firstValue("Retry-After")).hasValue(Long.toString(SECONDS_TO_TOMORROW));
			assertThat(single(rejected, "RateLimit-Policy").integer("q")).isEqualTo(15);
			assertThat(single(rejected, "RateLimit").integer("r")).isEqualTo(5);
			Map<String, Object> problem = JsonParserFactory.getJsonParser().parseMap(rejected.body());
			assertThat(problem)
				.containsEntry("tenant", "acme")
				.containsEntry("meter", "exports.rows")
				.containsEntry("reset", TOMORROW.toString())
				.containsEntry("violated-policies", List.of("starter-exports.rows-day"));
			assertThat(numbers(problem, "status", "limit", "used")).containsExactly(429L, 15L, 10L);
		}
	}

	private static List<Long> numbers(Map<String, Object> problem, String... members) {
		return java.util.Arrays.stream(members).map((m) -> ((Number) problem.get(m)).longValue()).toList();
	}

	private static List<Integer> statuses(SampleApp app) throws Exception {
		List<Integer> statuses = new java.util.ArrayList<>();
		for (String tenant : List.of("h", "d", "m")) {
			statuses.add(app.get("/api/ping", tenant).statusCode());
		}
		return statuses;
	}

	private static StructuredFields.Member single(HttpResponse<String> response, String field) {
		List<String> lines = response.headers().allValues(field);
		assertThat(lines).as(field).isNotEmpty();
		List<StructuredFields.Member> members = StructuredFields.parseList(String.join(", ", lines));
		assertThat(members).as(field).hasSize(1);
		return members.get(0);
	}

	private static long ledgerCount(TestSchema schema, String tenant, String meter) {
		Long count = schema.jdbc()
			.queryForObject("SELECT COUNT(*) FROM " + schema.tables().usageEvent() + " WHERE tenant_id = ? AND meter = ?",
					Long.class, tenant, meter);
		return (count != null) ? count : 0;
	}

}
