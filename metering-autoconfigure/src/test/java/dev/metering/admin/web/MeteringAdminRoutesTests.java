package dev.metering.admin.web;

import java.util.List;

import javax.sql.DataSource;

import dev.metering.autoconfigure.MeteringAdminAutoConfiguration;
import dev.metering.autoconfigure.MeteringAdminWebAutoConfiguration;
import dev.metering.autoconfigure.MeteringBusAutoConfiguration;
import dev.metering.autoconfigure.MeteringLedgerAutoConfiguration;
import dev.metering.autoconfigure.MeteringQuotaAutoConfiguration;
import dev.metering.autoconfigure.MeteringRollupAutoConfiguration;
import dev.metering.autoconfigure.MeteringTenantAutoConfiguration;
import dev.metering.quota.QuotaEnforcementService;
import dev.metering.tenant.TenantDirectory;
import dev.metering.test.TestDatabase;
import dev.metering.test.TestSchema;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.http.converter.autoconfigure.HttpMessageConvertersAutoConfiguration;
import org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.webmvc.autoconfigure.WebMvcAutoConfiguration;
import org.springframework.http.HttpMethod;
import org.springframework.http.MediaType;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DelegatingDataSource;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.core.authority.SimpleGrantedAuthority;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.request.MockHttpServletRequestBuilder;
import org.springframework.test.web.servlet.setup.MockMvcBuilders;
import org.springframework.web.context.WebApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.request;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.header;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

/**
 * The admin REST API through the auto-configuration: every endpoint with valid input; every kind
 * of bad input, missing credentials and a missing authority get a problem and change no table.
 */
class MeteringAdminRoutesTests {

	private static final String KEY = "local-admin-key-0123456789";

	private static final String BASE = "/metering/admin";

	@AfterEach
	void clearSecurity() {
		SecurityContextHolder.clearContext();
	}

	@Test
	void everyEndpointWorksWithValidInput() {
		try (TestSchema schema = TestDatabase.H2.newSchema()) {
			runner(schema).run((context) -> {
				MockMvc mvc = mvc(context);
				mvc.perform(key(HttpMethod.POST, "/plans", "{\"name\":\"pro\",\"description\":\"Pro\"}"))
					.andExpect(status().isCreated())
					.andExpect(header().string("Location", BASE + "/plans/pro/quotas"));
				mvc.perform(key(HttpMethod.PUT, "/plans/pro/quotas",
						"{\"meter\":\"api.calls\",\"window\":\"day\",\"limit\":1000,\"enforcement\":\"soft\",\"soft_threshold\":0.8}"))
					.andExpect(status().isOk())
					.andExpect(jsonPath("$[0].limit").value(1000))
					.andExpect(jsonPath("$[0].soft_threshold").value(0.8));
				mvc.perform(key(HttpMethod.GET, "/plans/pro/quotas", null))
					.andExpect(status().isOk())
					.andExpect(jsonPath("$[0].enforcement").value("soft"));
				mvc.perform(key(HttpMethod.PUT, "/tenants/acme", "{\"plan\":\"pro\"}"))
					.andExpect(status().isOk())
					.andExpect(jsonPath("$.plan").value("pro"))
					.andExpect(jsonPath("$.plan_origin").value("database"));
				mvc.perform(key(HttpMethod.PUT, "/tenants/acme/quotas",
						"{\"meter\":\"api.calls\",\"window\":\"day\",\"limit\":0}"))
					.andExpect(status().isOk())
					.andExpect(jsonPath("$.quotas[0].limit").value(0))
					.andExpect(jsonPath("$.quotas[0].level").value("tenant"));
				assertThat(context.getBean(QuotaEnforcementService.class).check("acme", "api.calls", 1).outcome())
					.hasToString("DENY");
				mvc.perform(key(HttpMethod.GET, "/tenants/acme/quotas", null))
					.andExpect(status().isOk())
					.andExpect(jsonPath("$.quotas[0].origin").value("database"));
				mvc.perform(key(HttpMethod.DELETE, "/tenants/acme/quotas/api.calls/day", null))
					.andExpect(status().isNoContent());
				mvc.perform(key(HttpMethod.DELETE, "/plans/pro/quotas/api.calls/day", null))
					.andExpect(status().isNoContent());
				mvc.perform(key(HttpMethod.DELETE, "/tenants/acme", null)).andExpect(status().isNoContent());
				mvc.perform(key(HttpMethod.DELETE, "/plans/pro", null)).andExpect(status().isNoContent());
				mvc.perform(key(HttpMethod.GET, "/audit?target=tenant:acme&limit=2", null))
					.andExpect(status().isOk())
					.andExpect(jsonPath("$.length()").value(2))
					.andExpect(jsonPath("$[0].action").value("delete-tenant"))
					.andExpect(jsonPath("$[0].actor").value("api-key"));
				assertThat(rows(schema.jdbc(), schema.prefix() + "quota_audit")).isEqualTo(8);
			});
		}
	}

	@ParameterizedTest
	@CsvSource(delimiter = '|', value = {
			"PUT | /tenants/acme/quotas | {\"meter\":\"api.calls\",\"window\":\"week\",\"limit\":1} | 400 | window",
			"PUT | /tenants/acme/quotas | {\"meter\":\"api.calls\",\"window\":\"day\",\"limit\":1,\"enforcement\":\"block\"} | 400 | enforcement",
			"PUT | /tenants/acme/quotas | {\"meter\":\"api.calls\",\"window\":\"day\",\"limit\":-5} | 400 | limit",
			"PUT | /tenants/acme/quotas | {\"meter\":\"api.calls\",\"window\":\"day\",\"limit\":\"many\"} | 400 | limit",
			"PUT | /tenants/acme/quotas | {\"meter\":\"api.calls\",\"window\":\"day\",\"limit\":1,\"soft_threshold\":2} | 400 | soft_threshold",
			"PUT | /tenants/acme/quotas | {\"meter\":\"Api Calls\",\"window\":\"day\",\"limit\":1} | 400 | meter",
			"PUT | /tenants/acme/quotas | {\"meter\":\"api.calls\",\"window\":\"day\",\"limit\":1,\"colour\":\"red\"} | 400 | colour",
			"PUT | /tenants/acme/quotas | {\"meter\":\"api.calls\", | 400 | body",
			"PUT | /tenants/acme/quotas | [1,2] | 400 | body",
			"PUT | /tenants/acme | {\"plan\":\"platinum\"} | 404 | ",
			"PUT | /tenants/acme | {\"exempt\":\"yes\"} | 400 | exempt",
			"PUT | /tenants/acme | {\"time_zone\":\"Asia/Kathmandu\"} | 400 | time_zone",
			"PUT | /tenants/acme | {\"time_zone\":\"Mars/Olympus\"} | 400 | time_zone",
			"PUT | /tenants/acme | {\"anchor_day\":32} | 400 | anchor_day",
			"PUT | /tenants/acme | {\"plan\":\"pro\",\"plan_effective_from\":\"2999-01-01T00:00:00Z\"} | 400 | plan_effective_from",
			"PUT | /tenants/acme | {\"plan\":\"pro\",\"plan_effective_from\":\"soon\"} | 400 | plan_effective_from",
			"PUT | /plans/platinum/quotas | {\"meter\":\"api.calls\",\"window\":\"day\",\"limit\":1} | 404 | ",
			"POST | /plans | {\"name\":\"free\"} | 409 | ",
			"POST | /plans | {\"name\":\"Not A Name\"} | 400 | plan",
			"DELETE | /plans/free | | 404 | ",
			"DELETE | /tenants/globex | | 404 | ",
			"DELETE | /tenants/acme/quotas/api.calls/week | | 400 | window",
			"GET | /audit?limit=0 | | 400 | limit",
			"PUT | /tenants/project-b | {\"parent\":\"org-9\"} | 400 | parent",
			"PUT | /tenants/org-1 | {\"parent\":\"project-a\"} | 400 | parent",
			"PUT | /tenants/project-b | {\"parent\":\"org-1\",\"billing_attribution\":\"acme\"} | 400 | billing_attribution",
			"PUT | /tenants/project-b | {\"parent\":\" \"} | 400 | parent",
			"PUT | /tenants/project-b | {\"parent\":5} | 400 | parent",
			"PUT | /tenants/project-b | {\"exempt_descendants\":\"yes\"} | 400 | exempt_descendants",
			"PUT | /tenants/project-a | {\"parent\":\"project-a\"} | 400 | parent" })
	void badInputIsAProblemNamingTheFieldAndChangesNothing(String method, String path, String body, int status,
			String field) {
		try (TestSchema schema = TestDatabase.H2.newSchema()) {
			runner(schema).run((context) -> {
				MockMvc mvc = mvc(context);
				List<String> before = allRows(schema);
				var result = mvc.perform(key(HttpMethod.valueOf(method), path, body))
					.andExpect(status().is(status))
					.andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON))
					.andExpect(jsonPath("$.status").value(status));
				if (field != null) {
					result.andExpect(jsonPath("$.field").value(field));
				}
				assertThat(allRows(schema)).isEqualTo(before);
			});
		}
	}

	@Test
	void aTenantsPlaceInTheHierarchyIsSetAndDeleted() {
		try (TestSchema schema = TestDatabase.H2.newSchema()) {
			runner(schema).run((context) -> {
				MockMvc mvc = mvc(context);
				mvc.perform(key(HttpMethod.PUT, "/tenants/project-b",
						"{\"parent\":\"org-1\",\"billing_attribution\":\"org-1\",\"exempt_descendants\":true}"))
					.andExpect(status().isOk());
				assertThat(schema.jdbc()
					.queryForMap("SELECT parent_id, billing_attribution, exempt_descendants FROM " + schema.prefix()
							+ "tenant WHERE tenant_id = 'project-b'")
					.values()).extracting(String::valueOf).containsExactly("org-1", "org-1", "true");
				TenantDirectory directory = context.getBean(TenantDirectory.class);
				assertThat(directory.lineageOf("project-b").scopes()).containsExactly("project-b", "org-1");
				assertThat(directory.billingScopeOf("project-b")).isEqualTo("org-1");
				// "" makes a configured child a root.
				mvc.perform(key(HttpMethod.PUT, "/tenants/project-a", "{\"parent\":\"\"}")).andExpect(status().isOk());
				assertThat(directory.lineageOf("project-a").scopes()).containsExactly("project-a");
				mvc.perform(key(HttpMethod.DELETE, "/tenants/project-a", null)).andExpect(status().isNoContent());
				assertThat(directory.lineageOf("project-a").scopes()).containsExactly("project-a", "org-1");
				mvc.perform(key(HttpMethod.GET, "/audit?target=tenant:project-b", null))
					.andExpect(jsonPath("$[0].new_value")
						.value("plan=null exempt=null parent=org-1 billing-attribution=org-1 exempt-descendants=true"));
			});
		}
	}

	@Test
	void anOversizedBodyIs413AndChangesNothing() {
		try (TestSchema schema = TestDatabase.H2.newSchema()) {
			runner(schema).withPropertyValues("metering.admin.web.max-body-size=1KB").run((context) -> {
				List<String> before = allRows(schema);
				String big = "{\"meter\":\"api.calls\",\"window\":\"day\",\"limit\":1,\"enforcement\":\"" + "x".repeat(2000)
						+ "\"}";
				mvc(context).perform(key(HttpMethod.PUT, "/tenants/acme/quotas", big))
					.andExpect(status().isPayloadTooLarge())
					.andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON));
				assertThat(allRows(schema)).isEqualTo(before);
			});
		}
	}

	@Test
	void callersWithoutCredentialsOrTheAuthorityAreRefusedAndChangeNothing() {
		try (TestSchema schema = TestDatabase.H2.newSchema()) {
			runner(schema).run((context) -> {
				MockMvc mvc = mvc(context);
				String quota = "{\"meter\":\"api.calls\",\"window\":\"day\",\"limit\":1}";
				List<String> before = allRows(schema);
				mvc.perform(plain(HttpMethod.PUT, "/tenants/acme/quotas", quota))
					.andExpect(status().isUnauthorized())
					.andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON));
				mvc.perform(plain(HttpMethod.PUT, "/tenants/acme/quotas", quota)
					.header(AdminApiSettings.API_KEY_HEADER, "wrong-key-wrong-key")).andExpect(status().isUnauthorized());
				authenticate("mallory", "ROLE_USER");
				mvc.perform(plain(HttpMethod.PUT, "/tenants/acme/quotas", quota))
					.andExpect(status().isForbidden())
					.andExpect(jsonPath("$.detail").value("The admin API needs the authority METERING_ADMIN"));
				mvc.perform(plain(HttpMethod.GET, "/tenants/acme/quotas", null)).andExpect(status().isForbidden());
				assertThat(allRows(schema)).isEqualTo(before);

				authenticate("alice", "METERING_ADMIN");
				mvc.perform(plain(HttpMethod.PUT, "/tenants/acme/quotas", quota)).andExpect(status().isOk());
				mvc.perform(plain(HttpMethod.GET, "/audit", null)).andExpect(jsonPath("$[0].actor").value("alice"));
			});
		}
	}

	@Test
	void withoutSpringSecurityAnApiKeyIsRequiredToStart() {
		try (TestSchema schema = TestDatabase.H2.newSchema()) {
			runner(schema).withClassLoader(new FilteredClassLoader("org.springframework.security"))
				.withPropertyValues("metering.admin.web.api-key=")
				.run((context) -> assertThat(context).hasFailed()
					.getFailure()
					.rootCause()
					.hasMessageContaining("metering.admin.web.api-key"));
			runner(schema).withPropertyValues("metering.admin.web.enabled=false")
				.run((context) -> assertThat(context).doesNotHaveBean(MeteringAdminController.class));
			runner(schema).withPropertyValues("metering.admin.web.api-key=short")
				.run((context) -> assertThat(context).hasFailed());
		}
	}

	private static WebApplicationContextRunner runner(TestSchema schema) {
		return new WebApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(MeteringTenantAutoConfiguration.class,
					MeteringLedgerAutoConfiguration.class,
					MeteringRollupAutoConfiguration.class, MeteringAdminAutoConfiguration.class,
					MeteringQuotaAutoConfiguration.class, MeteringBusAutoConfiguration.class,
					MeteringAdminWebAutoConfiguration.class, JacksonAutoConfiguration.class,
					HttpMessageConvertersAutoConfiguration.class, WebMvcAutoConfiguration.class))
			.withBean(DataSource.class, () -> new DelegatingDataSource(schema.dataSource()))
			.withPropertyValues("metering.jdbc.table-prefix=" + schema.prefix(), "metering.jdbc.initialize-schema=never",
					"metering.jdbc.platform=h2", "metering.rollup.enabled=false", "metering.default-plan=free",
					"metering.plans.free.quotas[0].meter=api.calls", "metering.plans.free.quotas[0].limit=100",
					"metering.plans.free.quotas[0].window=day", "metering.admin.web.enabled=true",
					"metering.admin.web.api-key=" + KEY, "metering.tenants.org-1.plan=free",
					"metering.tenants.org-2.plan=free", "metering.tenants.project-a.parent=org-1",
					"metering.tenants.project-c.parent=org-2");
	}

	private static MockMvc mvc(WebApplicationContext context) {
		return MockMvcBuilders.webAppContextSetup(context).build();
	}

	private static MockHttpServletRequestBuilder key(HttpMethod method, String path, String body) {
		return plain(method, path, body).header(AdminApiSettings.API_KEY_HEADER, KEY);
	}

	private static MockHttpServletRequestBuilder plain(HttpMethod method, String path, String body) {
		MockHttpServletRequestBuilder request = request(method, BASE + path);
		return (body != null) ? request.contentType(MediaType.APPLICATION_JSON).content(body) : request;
	}

	private static void authenticate(String name, String authority) {
		SecurityContextHolder.getContext()
			.setAuthentication(UsernamePasswordAuthenticationToken.authenticated(name, null,
					List.of(new SimpleGrantedAuthority(authority))));
	}

	private static int rows(JdbcTemplate jdbc, String table) {
		Integer count = jdbc.queryForObject("SELECT COUNT(*) FROM " + table, Integer.class);
		return (count != null) ? count : 0;
	}

	private static List<String> allRows(TestSchema schema) {
		return new java.util.ArrayList<>(List.of("plan", "plan_quota", "tenant", "tenant_quota", "quota_audit")
			.stream()
			.flatMap((table) -> schema.jdbc()
				.queryForList("SELECT * FROM " + schema.prefix() + table)
				.stream()
				.map((row) -> table + row))
			.sorted()
			.toList());
	}

}
