package dev.metering.console;

import java.math.BigDecimal;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.sql.DataSource;

import dev.metering.autoconfigure.MeteringAdminAutoConfiguration;
import dev.metering.autoconfigure.MeteringBillingAutoConfiguration;
import dev.metering.autoconfigure.MeteringBusAutoConfiguration;
import dev.metering.autoconfigure.MeteringConsoleAutoConfiguration;
import dev.metering.autoconfigure.MeteringGrantAutoConfiguration;
import dev.metering.autoconfigure.MeteringLedgerAutoConfiguration;
import dev.metering.autoconfigure.MeteringQuotaAutoConfiguration;
import dev.metering.autoconfigure.MeteringRollupAutoConfiguration;
import dev.metering.autoconfigure.MeteringTenantAutoConfiguration;
import dev.metering.billing.BillingPeriod;
import dev.metering.billing.Granularity;
import dev.metering.billing.Invoice;
import dev.metering.billing.InvoiceCloser;
import dev.metering.billing.UsageSummary;
import dev.metering.billing.UsageSummaryService;
import dev.metering.event.UsageEvent;
import dev.metering.grant.Grant;
import dev.metering.grant.GrantService;
import dev.metering.grant.NewGrant;
import dev.metering.ledger.JdbcUsageEventStore;
import dev.metering.rollup.RollupJob;
import dev.metering.rollup.RollupSettings;
import dev.metering.test.TestDatabase;
import dev.metering.test.TestSchema;
import jakarta.servlet.http.Cookie;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.http.converter.autoconfigure.HttpMessageConvertersAutoConfiguration;
import org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.webmvc.autoconfigure.WebMvcAutoConfiguration;
import org.springframework.http.MediaType;
import org.springframework.jdbc.datasource.DelegatingDataSource;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.core.authority.SimpleGrantedAuthority;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.MvcResult;
import org.springframework.test.web.servlet.setup.MockMvcBuilders;
import org.springframework.web.context.WebApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.header;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

/**
 * The console through its auto-configuration on real databases: the page's chart and gauges
 * carry the rollups' figures, the login form sets a Secure, HttpOnly, SameSite cookie, a form
 * without its CSRF token or with bad input changes nothing, Spring Security's admin authority
 * and tenant principals get the admin API's and usage API's rules, and the console is off (404)
 * until enabled and never open without a key or Spring Security.
 */
class ConsoleRoutesTests {

	private static final String KEY = "console-admin-key-0123456789";

	private static final String BASE = ConsoleSettings.PATH;

	private static final Pattern BAR = Pattern.compile("data-start=\"([^\"]+)\" data-value=\"([^\"]+)\"");

	@ParameterizedTest
	@EnumSource(TestDatabase.class)
	void theTenantPageShowsTheRollupsFigures(TestDatabase database) {
		try (TestSchema schema = database.newSchema()) {
			runner(schema).run((context) -> {
				Instant now = Instant.now();
				Instant monthStart = BillingPeriod.monthOf(now).from();
				List<UsageEvent> events = new ArrayList<>();
				for (int i = 0; i < 40; i++) {
					Instant at = monthStart.plus(i % 5, ChronoUnit.HOURS).plusSeconds(i);
					events.add(UsageEvent.builder("acme", "api.calls")
						.quantity(BigDecimal.valueOf(i + 1))
						.occurredAt(at.isAfter(now) ? now : at)
						.userId("user-" + (i % 3))
						.build());
				}
				new JdbcUsageEventStore(schema.dataSource(), schema::dialect, schema.tables()).insert(events, now);
				new RollupJob(schema.dataSource(), schema::dialect, schema.tables(), RollupSettings.defaults(),
						Clock.systemUTC())
					.rollupNow();
				MockMvc mvc = mvc(context);
				String page = mvc.perform(get(BASE + "/tenants/acme?granularity=hour").header(ConsoleAccess.KEY_HEADER, KEY))
					.andExpect(status().isOk())
					.andExpect(header().string("Content-Security-Policy",
							org.hamcrest.Matchers.containsString("default-src 'none'")))
					.andReturn()
					.getResponse()
					.getContentAsString();
				UsageSummary summary = context.getBean(UsageSummaryService.class)
					.summary("acme", "api.calls", BillingPeriod.monthOf(now), Granularity.HOUR);
				Map<String, BigDecimal> expected = new LinkedHashMap<>();
				summary.buckets().forEach((b) -> expected.put(b.start().toString(), b.quantity().stripTrailingZeros()));
				assertThat(bars(page)).isEqualTo(expected);
				assertThat(summary.total()).isEqualByComparingTo(BigDecimal.valueOf(40 * 41 / 2));
				assertThat(page).contains("data-meter=\"api.calls\" data-window=\"day\"", "data-limit=\"1000\"")
					.contains("user-0", "user-1", "user-2");
			});
		}
	}

	@ParameterizedTest
	@EnumSource(TestDatabase.class)
	void theTenantPageShowsBalancesOfUnitsAndMoneyAndWhatMoneyGrantsPaid(TestDatabase database) {
		try (TestSchema schema = database.newSchema()) {
			runner(schema).withConfiguration(AutoConfigurations.of(MeteringGrantAutoConfiguration.class))
				.withPropertyValues("metering.billing.plans.free.currency=EUR", "metering.billing.plans.free.base-fee=9",
						"metering.billing.plans.free.prices[0].meter=api.calls",
						"metering.billing.plans.free.prices[0].unit-price=0.10")
				.run((context) -> {
					Instant now = Instant.now();
					BillingPeriod closed = BillingPeriod.monthOf(now.minus(70, ChronoUnit.DAYS));
					BillingPeriod current = BillingPeriod.monthOf(now);
					JdbcUsageEventStore store = new JdbcUsageEventStore(schema.dataSource(), schema::dialect,
							schema.tables());
					// The closed month: 20 calls, 2.00, paid by the money grant; the base fee stays due.
					store.insert(List.of(UsageEvent.builder("acme", "api.calls").quantity(20)
						.occurredAt(closed.from().plusSeconds(60)).build()), now);
					GrantService grants = context.getBean(GrantService.class);
					Grant money = grants.create("ops", new NewGrant("acme", null, new BigDecimal("3.00"), 1,
							closed.from(), null, null, null, null, "EUR", List.of()));
					Grant units = grants.create("ops", new NewGrant("acme", "api.calls", BigDecimal.TEN, 1,
							current.from(), null, "welcome"));
					List<Invoice> invoices = context.getBean(InvoiceCloser.class).closeDue();
					Invoice paid = invoices.stream().filter((i) -> i.period().equals(closed)).findFirst().orElseThrow();
					// The months after it that closed too bill the base fee only: no money credit.
					List<Invoice> unpaid = invoices.stream().filter((i) -> i != paid).toList();
					// This month: 30 calls, 10 covered by the units, 20 at 0.10; the 1.00 left pays part of it.
					store.insert(List.of(UsageEvent.builder("acme", "api.calls").quantity(30).occurredAt(now).build()),
							now);
					String page = mvc(context).perform(get(BASE + "/tenants/acme").header(ConsoleAccess.KEY_HEADER, KEY))
						.andExpect(status().isOk())
						.andReturn()
						.getResponse()
						.getContentAsString();
					assertThat(page).contains("Grants and prepaid credits", "data-meter=\"api.calls\"><td>api.calls",
							"data-currency=\"EUR\"><td>EUR</td><td>money</td><td>0.00 EUR",
							"data-grant=\"" + units.id() + "\"", "data-grant=\"" + money.id() + "\"",
							"<td>3.00 EUR</td><td>3.00 EUR</td><td>0.00 EUR</td><td>depleted</td>");
					assertThat(page).contains("<th scope=\"col\">Paid by money grants</th>",
							"<td>1.00 EUR</td></tr>", "class=\"money-credits\">-1.00 EUR",
							"class=\"amount-due\">10.00 EUR");
					assertThat(page).contains("data-invoice=\"" + paid.number() + "\"",
							"<td>11.00 EUR</td><td>-2.00 EUR</td><td class=\"amount-due\">9.00 EUR</td>");
					for (Invoice invoice : unpaid) {
						assertThat(page).contains("data-invoice=\"" + invoice.number() + "\"",
								"<td>9.00 EUR</td><td>none</td><td class=\"amount-due\">9.00 EUR</td>");
					}
				});
		}
	}

	@Test
	void theTenantPageListsTheFinalizedInvoicesUnderTheBillPreview() {
		try (TestSchema schema = TestDatabase.H2.newSchema()) {
			runner(schema).withPropertyValues("metering.billing.plans.free.currency=EUR",
					"metering.billing.plans.free.base-fee=9").run((context) -> {
				// A month that closed (35 days after its end) before now.
				BillingPeriod closed = BillingPeriod.monthOf(Instant.now().minus(70, ChronoUnit.DAYS));
				new JdbcUsageEventStore(schema.dataSource(), schema::dialect, schema.tables()).insert(
						List.of(UsageEvent.builder("acme", "api.calls").occurredAt(closed.from().plusSeconds(60)).build()),
						Instant.now());
				List<Invoice> invoices = context.getBean(InvoiceCloser.class).closeDue();
				assertThat(invoices).extracting(Invoice::billingScope).contains("acme");
				String page = mvc(context).perform(get(BASE + "/tenants/acme").header(ConsoleAccess.KEY_HEADER, KEY))
					.andExpect(status().isOk())
					.andReturn()
					.getResponse()
					.getContentAsString();
				assertThat(page).contains("Finalized invoices", invoices.get(invoices.size() - 1).number(), "9.00 EUR");
			});
		}
	}

	@Test
	void theLoginFormSetsAProtectedCookieAndEveryFormNeedsItsToken() throws Exception {
		try (TestSchema schema = TestDatabase.H2.newSchema()) {
			runner(schema).withClassLoader(new FilteredClassLoader("org.springframework.security")).run((context) -> {
				MockMvc mvc = mvc(context);
				mvc.perform(get(BASE)).andExpect(status().isSeeOther()).andExpect(header().string("Location", BASE + "/login"));
				MvcResult form = mvc.perform(get(BASE + "/login")).andExpect(status().isOk()).andReturn();
				Cookie login = form.getResponse().getCookie(ConsoleAccess.LOGIN_COOKIE);
				String loginToken = csrf(form.getResponse().getContentAsString());
				mvc.perform(post(BASE + "/login").param("key", KEY).param("csrf", loginToken))
					.andExpect(status().isForbidden());
				mvc.perform(post(BASE + "/login").cookie(login).param("key", "wrong").param("csrf", loginToken))
					.andExpect(status().isUnauthorized());
				MvcResult loggedIn = mvc.perform(post(BASE + "/login").cookie(login).param("key", KEY).param("csrf", loginToken))
					.andExpect(status().isSeeOther())
					.andReturn();
				String setCookie = loggedIn.getResponse()
					.getHeaders("Set-Cookie")
					.stream()
					.filter((c) -> c.startsWith(ConsoleAccess.SESSION_COOKIE + "="))
					.findFirst()
					.orElseThrow();
				assertThat(setCookie).contains("Path=" + BASE, "Secure", "HttpOnly", "SameSite=Strict", "Max-Age=1800");
				Cookie session = loggedIn.getResponse().getCookie(ConsoleAccess.SESSION_COOKIE);
				String page = mvc.perform(get(BASE + "/tenants/acme").cookie(session))
					.andExpect(status().isOk())
					.andReturn()
					.getResponse()
					.getContentAsString();
				String token = csrf(page);
				List<Map<String, Object>> before = quotaRows(schema);
				mvc.perform(post(BASE + "/tenants/acme/quota").cookie(session)
					.param("meter", "api.calls").param("window", "day").param("limit", "5"))
					.andExpect(status().isForbidden());
				mvc.perform(post(BASE + "/tenants/acme/quota").cookie(session).param("csrf", token + "x")
					.param("meter", "api.calls").param("window", "day").param("limit", "5"))
					.andExpect(status().isForbidden());
				assertThat(quotaRows(schema)).isEqualTo(before);
				mvc.perform(post(BASE + "/tenants/acme/quota").cookie(session).param("csrf", token)
					.param("meter", "api.calls").param("window", "day").param("limit", "5"))
					.andExpect(status().isSeeOther());
				assertThat(quotaRows(schema)).hasSize(1);
				assertThat(mvc.perform(get(BASE + "/tenants/acme").cookie(session)).andReturn().getResponse()
					.getContentAsString()).contains("data-limit=\"5\"", "put-tenant-quota", "limit=5");
				// The tenant view: its own tenant only, no operator page.
				MvcResult viewAs = mvc.perform(post(BASE + "/tenants/acme/view-as").cookie(session).param("csrf", token))
					.andExpect(status().isSeeOther())
					.andReturn();
				Cookie tenantView = viewAs.getResponse().getCookie(ConsoleAccess.SESSION_COOKIE);
				mvc.perform(get(BASE + "/tenants/acme").cookie(tenantView)).andExpect(status().isOk());
				mvc.perform(get(BASE + "/tenants/globex").cookie(tenantView)).andExpect(status().isForbidden());
				mvc.perform(get(BASE + "/audit").cookie(tenantView)).andExpect(status().isForbidden());
				mvc.perform(get(BASE).cookie(tenantView)).andExpect(header().string("Location", BASE + "/tenants/acme"));
				mvc.perform(get(BASE + "/tenants/acme").cookie(new Cookie(ConsoleAccess.SESSION_COOKIE,
						session.getValue().replace('.', 'x')))).andExpect(status().isUnauthorized());
			});
		}
	}

	@ParameterizedTest
	@CsvSource(delimiter = '|', value = {
			"meter=api.calls&window=day&limit=many | limit",
			"meter=api.calls&window=day&limit=-5 | limit",
			"meter=api.calls&window=week&limit=5 | window",
			"meter=api.calls&window=day&limit=5&enforcement=block | enforcement",
			"meter=api.calls&window=day&limit=5&soft_threshold=2 | soft_threshold",
			"meter=api.calls&window=day&limit=5&soft_threshold=lots | soft_threshold",
			"meter=Api Calls&window=day&limit=5 | meter" })
	void badInputIsA400NamingTheFieldAndChangesNothing(String form, String field) throws Exception {
		try (TestSchema schema = TestDatabase.H2.newSchema()) {
			runner(schema).run((context) -> {
				List<Map<String, Object>> before = quotaRows(schema);
				var request = post(BASE + "/tenants/acme/quota").header(ConsoleAccess.KEY_HEADER, KEY);
				for (String pair : form.split("&")) {
					String[] parts = pair.split("=", 2);
					request.param(parts[0], parts[1]);
				}
				mvc(context).perform(request)
					.andExpect(status().isBadRequest())
					.andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON))
					.andExpect(jsonPath("$.field").value(field));
				assertThat(quotaRows(schema)).isEqualTo(before);
			});
		}
	}

	@ParameterizedTest
	@CsvSource(delimiter = '|', value = { "granularity=week | granularity", "period=2026-13 | period",
			"meter=Not A Meter | meter" })
	void aBadPageParameterIsA400NamingIt(String query, String field) {
		try (TestSchema schema = TestDatabase.H2.newSchema()) {
			runner(schema).run((context) -> {
				String[] parts = query.split("=", 2);
				String html = mvc(context)
					.perform(get(BASE + "/tenants/acme").param(parts[0], parts[1]).header(ConsoleAccess.KEY_HEADER, KEY))
					.andExpect(status().isBadRequest())
					.andExpect(jsonPath("$.field").value(field))
					.andReturn()
					.getResponse()
					.getContentAsString();
				assertThat(html).doesNotContain("<html");
			});
		}
	}

	@Test
	void withSpringSecurityTheAdminAuthorityIsAnOperatorAndATenantPrincipalSeesItsOwnTenant() {
		try (TestSchema schema = TestDatabase.H2.newSchema()) {
			runner(schema).withPropertyValues("metering.admin.web.api-key=").run((context) -> {
				MockMvc mvc = mvc(context);
				mvc.perform(get(BASE + "/login")).andExpect(status().isNotFound());
				mvc.perform(get(BASE)).andExpect(status().isUnauthorized());
				mvc.perform(get(BASE).principal(principal("alice", "METERING_ADMIN"))).andExpect(status().isOk());
				mvc.perform(get(BASE + "/tenants/globex").principal(principal("alice", "METERING_ADMIN")))
					.andExpect(status().isOk());
				// Spring Security's CSRF filter checks its own token first: every form carries it too.
				String page = mvc.perform(get(BASE + "/tenants/acme").principal(principal("alice", "METERING_ADMIN"))
					.requestAttr(ConsoleAccess.SECURITY_CSRF_ATTRIBUTE, new SecurityToken()))
					.andReturn()
					.getResponse()
					.getContentAsString();
				assertThat(page).contains("<input type=\"hidden\" name=\"_csrf\" value=\"security-token\">");
				mvc.perform(post(BASE + "/tenants/acme/quota").principal(principal("alice", "METERING_ADMIN"))
					.param("csrf", csrf(page)).param("meter", "api.calls").param("window", "day").param("limit", "7"))
					.andExpect(status().isSeeOther());
				mvc.perform(post(BASE + "/tenants/acme/quota").principal(principal("eve", "METERING_ADMIN"))
					.param("csrf", csrf(page)).param("meter", "api.calls").param("window", "day").param("limit", "8"))
					.andExpect(status().isForbidden());
				assertThat(quotaRows(schema)).hasSize(1).first().satisfies(
						(row) -> assertThat(new BigDecimal(row.get("quota_limit").toString())).isEqualByComparingTo("7"));
				schema.jdbc().update("DELETE FROM " + schema.prefix() + "tenant_quota");
				var acme = principal("bob", "TENANT_acme");
				mvc.perform(get(BASE).principal(acme)).andExpect(header().string("Location", BASE + "/tenants/acme"));
				mvc.perform(get(BASE + "/tenants/acme").principal(acme)).andExpect(status().isOk());
				mvc.perform(get(BASE + "/tenants/globex").principal(acme)).andExpect(status().isForbidden());
				mvc.perform(get(BASE + "/audit").principal(acme)).andExpect(status().isForbidden());
				mvc.perform(post(BASE + "/tenants/acme/quota").principal(acme).param("meter", "api.calls")
					.param("window", "day").param("limit", "5")).andExpect(status().isForbidden());
				mvc.perform(get(BASE).principal(principal("mallory", "ROLE_USER"))).andExpect(status().isForbidden());
				assertThat(quotaRows(schema)).isEmpty();
			});
		}
	}

	@Test
	void theConsoleIsOffByDefaultAndNeverOpen() {
		try (TestSchema schema = TestDatabase.H2.newSchema()) {
			runner(schema).withPropertyValues("metering.console.enabled=false").run((context) -> {
				assertThat(context).doesNotHaveBean(ConsoleController.class);
				mvc(context).perform(get(BASE).header(ConsoleAccess.KEY_HEADER, KEY)).andExpect(status().isNotFound());
				mvc(context).perform(get(BASE + "/assets/console.css")).andExpect(status().isNotFound());
			});
			runner(schema).withClassLoader(new FilteredClassLoader("org.springframework.security"))
				.withPropertyValues("metering.admin.web.api-key=")
				.run((context) -> assertThat(context).hasFailed()
					.getFailure()
					.rootCause()
					.hasMessageContaining("metering.admin.web.api-key"));
			runner(schema).withPropertyValues("metering.admin.web.api-key=short")
				.run((context) -> assertThat(context).hasFailed());
			runner(schema).withPropertyValues("metering.console.meters=Not A Meter")
				.run((context) -> assertThat(context).hasFailed()
					.getFailure()
					.rootCause()
					.hasMessageContaining("metering.console.meters"));
			runner(schema).run((context) -> mvc(context).perform(get(BASE + "/assets/console.css"))
				.andExpect(status().isOk())
				.andExpect(content().contentTypeCompatibleWith("text/css")));
		}
	}

	private static WebApplicationContextRunner runner(TestSchema schema) {
		return new WebApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(MeteringTenantAutoConfiguration.class,
					MeteringLedgerAutoConfiguration.class, MeteringRollupAutoConfiguration.class,
					MeteringAdminAutoConfiguration.class, MeteringQuotaAutoConfiguration.class,
					MeteringBusAutoConfiguration.class, MeteringBillingAutoConfiguration.class,
					MeteringConsoleAutoConfiguration.class, JacksonAutoConfiguration.class,
					HttpMessageConvertersAutoConfiguration.class, WebMvcAutoConfiguration.class))
			.withBean(DataSource.class, () -> new DelegatingDataSource(schema.dataSource()))
			.withPropertyValues("metering.jdbc.table-prefix=" + schema.prefix(), "metering.jdbc.initialize-schema=never",
					"metering.jdbc.platform=" + schema.database().platform(), "metering.rollup.enabled=false",
					"metering.default-plan=free", "metering.plans.free.quotas[0].meter=api.calls",
					"metering.plans.free.quotas[0].limit=1000", "metering.plans.free.quotas[0].window=day",
					"metering.console.enabled=true", "metering.admin.web.api-key=" + KEY);
	}

	/** Stands for Spring Security's token, whose classes are not public either. */
	private static final class SecurityToken {

		public String getParameterName() {
			return "_csrf";
		}

		public String getToken() {
			return "security-token";
		}

	}

	private static MockMvc mvc(WebApplicationContext context) {
		return MockMvcBuilders.webAppContextSetup(context).build();
	}

	private static UsernamePasswordAuthenticationToken principal(String name, String authority) {
		return UsernamePasswordAuthenticationToken.authenticated(name, null, List.of(new SimpleGrantedAuthority(authority)));
	}

	private static String csrf(String html) {
		Matcher matcher = Pattern.compile("name=\"csrf\" value=\"([^\"]+)\"").matcher(html);
		assertThat(matcher.find()).as("a CSRF field").isTrue();
		return matcher.group(1);
	}

	private static Map<String, BigDecimal> bars(String html) {
		Map<String, BigDecimal> bars = new LinkedHashMap<>();
		Matcher matcher = BAR.matcher(html);
		while (matcher.find()) {
			bars.merge(matcher.group(1), new BigDecimal(matcher.group(2)), BigDecimal::add);
		}
		bars.replaceAll((start, value) -> value.stripTrailingZeros());
		return bars;
	}

	private static List<Map<String, Object>> quotaRows(TestSchema schema) {
		return schema.jdbc().queryForList("SELECT * FROM " + schema.prefix() + "tenant_quota");
	}

}
