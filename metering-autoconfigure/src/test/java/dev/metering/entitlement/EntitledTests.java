package dev.metering.entitlement;

import java.util.concurrent.atomic.AtomicInteger;

import jakarta.servlet.Filter;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.http.MediaType;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.setup.MockMvcBuilders;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.context.WebApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

/**
 * {@code @Entitled} on a controller method and on a service bean: a tenant whose plan (or own
 * override) lacks the feature is refused with the 403 problem before the method runs, and
 * before a controller's arguments are bound; {@link EntitlementService} answers the values.
 */
@SpringBootTest(classes = EntitledTests.TestApplication.class,
		properties = { "spring.datasource.url=jdbc:h2:mem:entitled;DB_CLOSE_DELAY=-1",
				"metering.web.tenant-source=header", "metering.web.trusted-proxies=127.0.0.1",
				"metering.rollup.enabled=false", "metering.plans.free.features.sso=false",
				"metering.plans.pro.features.sso=true", "metering.plans.pro.features.seats=20",
				"metering.plans.pro.features.support=priority", "metering.tenants.acme.plan=pro",
				"metering.tenants.globex.plan=free", "metering.tenants.initech.plan=free",
				"metering.tenants.initech.features.sso=true", "metering.tenants.hooli.plan=pro",
				"metering.tenants.hooli.features.sso=false" })
class EntitledTests {

	@Autowired
	private WebApplicationContext context;

	@Autowired
	private SsoController controller;

	@Autowired
	private SsoService service;

	@Autowired
	private EntitlementService entitlements;

	private MockMvc mvc;

	@BeforeEach
	void setUp() {
		Filter filter = this.context.getBean("meteringFilterRegistration", FilterRegistrationBean.class).getFilter();
		this.mvc = MockMvcBuilders.webAppContextSetup(this.context).addFilters(filter).build();
		this.controller.calls().set(0);
		this.service.calls().set(0);
	}

	@Test
	void aControllerMethodIsRefusedWithTheProblemBeforeItsArgumentsAreBound() throws Exception {
		// No 'seats' parameter: binding would answer 400; the 403 comes first.
		this.mvc.perform(get("/sso").header("X-Tenant-Id", "globex"))
			.andExpect(status().isForbidden())
			.andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON))
			.andExpect(jsonPath("$.type").value(FeatureNotEntitledException.DEFAULT_TYPE.toString()))
			.andExpect(jsonPath("$.status").value(403))
			.andExpect(jsonPath("$.feature").value("sso"))
			.andExpect(jsonPath("$.plan").value("free"))
			.andExpect(jsonPath("$.tenant").value("globex"));
		this.mvc.perform(get("/sso").param("seats", "3").header("X-Tenant-Id", "hooli"))
			.andExpect(status().isForbidden())
			.andExpect(jsonPath("$.plan").value("pro"));
		this.mvc.perform(get("/sso").param("seats", "3")).andExpect(status().isForbidden());
		assertThat(this.controller.calls()).hasValue(0);

		this.mvc.perform(get("/sso").param("seats", "3").header("X-Tenant-Id", "acme")).andExpect(status().isOk());
		this.mvc.perform(get("/sso").param("seats", "3").header("X-Tenant-Id", "initech"))
			.andExpect(status().isOk());
		assertThat(this.controller.calls()).hasValue(2);
	}

	@Test
	void aBeanMethodIsRefusedBeforeItRuns() {
		assertThatExceptionOfType(FeatureNotEntitledException.class).isThrownBy(() -> this.service.login("globex"))
			.satisfies((ex) -> {
				assertThat(ex.getStatusCode().value()).isEqualTo(403);
				assertThat(ex.getFeature()).isEqualTo("sso");
				assertThat(ex.getPlan()).isEqualTo("free");
				assertThat(ex.getBody().getType()).isEqualTo(FeatureNotEntitledException.DEFAULT_TYPE);
			});
		assertThatExceptionOfType(FeatureNotEntitledException.class).isThrownBy(() -> this.service.login("nobody"))
			.satisfies((ex) -> assertThat(ex.getPlan()).isNull());
		assertThat(this.service.calls()).hasValue(0);

		this.service.login("acme");
		this.service.login("initech");
		assertThat(this.service.calls()).hasValue(2);
	}

	@Test
	void theServiceAnswersPlanValuesWithTheTenantsOverrides() {
		assertThat(this.entitlements.featuresOf("acme")).containsEntry("sso", "true")
			.containsEntry("seats", "20")
			.containsEntry("support", "priority");
		assertThat(this.entitlements.valueOf("acme", "seats")).contains("20");
		assertThat(this.entitlements.isEntitled("acme", "support")).isTrue();
		assertThat(this.entitlements.isEntitled("hooli", "sso")).isFalse();
		assertThat(this.entitlements.isEntitled("hooli", "seats")).isTrue();
		assertThat(this.entitlements.isEntitled("initech", "sso")).isTrue();
		assertThat(this.entitlements.isEntitled("globex", "seats")).isFalse();
		assertThat(this.entitlements.valueOf("nobody", "sso")).isEmpty();
	}

	@SpringBootConfiguration
	@EnableAutoConfiguration
	static class TestApplication {

		@Bean
		SsoController ssoController() {
			return new SsoController();
		}

		@Bean
		SsoService ssoService() {
			return new SsoService();
		}

	}

	@RestController
	static class SsoController {

		private final AtomicInteger calls = new AtomicInteger();

		public AtomicInteger calls() {
			return this.calls;
		}

		@Entitled("sso")
		@GetMapping("/sso")
		String sso(@RequestParam int seats) {
			this.calls.incrementAndGet();
			return "ok " + seats;
		}

	}

	static class SsoService {

		private final AtomicInteger calls = new AtomicInteger();

		public AtomicInteger calls() {
			return this.calls;
		}

		@Entitled(value = "sso", tenant = "#tenant")
		public String login(String tenant) {
			this.calls.incrementAndGet();
			return "logged in";
		}

	}

}
