package dev.metering.autoconfigure;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import com.github.benmanes.caffeine.cache.Caffeine;
import dev.metering.event.UsageEvent;
import dev.metering.event.UsageRecorder;
import dev.metering.ledger.BufferedLedgerWriter;
import dev.metering.quota.QuotaEnforcementService;
import dev.metering.tenant.HeaderTenantResolver;
import dev.metering.tenant.PrincipalTenantResolver;
import dev.metering.tenant.TenantResolver;
import dev.metering.web.MeteredHandlerInterceptor;
import dev.metering.web.MeteringFilter;
import org.junit.jupiter.api.Test;

import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.ApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.mock.web.MockFilterChain;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.security.core.Authentication;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The conditions a user meets: a library missing from the classpath, or an own
 * {@link UsageRecorder} without a DataSource. Each feature backs off or degrades as README says.
 */
class MeteringConditionsTests extends AbstractMeteringAutoConfigurationTests {

	@Test
	void withoutCaffeineQuotasBackOffAndRequestsAreStillRecorded() {
		this.webRunner.withClassLoader(new FilteredClassLoader(Caffeine.class))
			.withPropertyValues(freePlan("http.requests", 0, "day"))
			.withPropertyValues("metering.web.tenant-source=header", "metering.web.trust-all-clients=true")
			.run((context) -> {
				assertThat(context).hasNotFailed().doesNotHaveBean(QuotaEnforcementService.class);
				// A limit of 0 would reject at once: without Caffeine nothing is enforced, all is recorded.
				MockHttpServletResponse response = request(context, "acme", "127.0.0.1");
				assertThat(response.getStatus()).isEqualTo(200);
				assertThat(ledgerRows(context, "acme")).isOne();
			});
	}

	@Test
	void withoutMicrometerNoMetersAreBoundAndTheLedgerWorks() {
		this.runner.withClassLoader(new FilteredClassLoader("io.micrometer.core")).run((context) -> {
			assertThat(context).hasNotFailed().doesNotHaveBean("meteringLedgerWriterMetrics");
			context.getBean(UsageRecorder.class).record(UsageEvent.builder("acme", "exports").build());
			assertThat(context.getBean(BufferedLedgerWriter.class).flush(Duration.ofSeconds(10))).isTrue();
			assertThat(ledgerRows(context, "acme")).isOne();
		});
	}

	@Test
	void withoutSpringMvcTheFilterAndInterceptorBackOffAndRecordingWorks() {
		this.webRunner.withClassLoader(new FilteredClassLoader("org.springframework.web.servlet"))
			.withPropertyValues(freePlan("http.requests", 5, "day"))
			.run((context) -> {
				assertThat(context).hasNotFailed()
					.hasSingleBean(UsageRecorder.class)
					.hasSingleBean(QuotaEnforcementService.class)
					.doesNotHaveBean(FilterRegistrationBean.class)
					.doesNotHaveBean(MeteredHandlerInterceptor.class);
			});
	}

	@Test
	void withoutPgjdbcTheKitStartsAndWritesWithPlainInserts() {
		this.runner.withClassLoader(new FilteredClassLoader("org.postgresql")).run((context) -> {
			assertThat(context).hasNotFailed();
			context.getBean(UsageRecorder.class).record(UsageEvent.builder("acme", "exports").build());
			assertThat(context.getBean(BufferedLedgerWriter.class).flush(Duration.ofSeconds(10))).isTrue();
			assertThat(ledgerRows(context, "acme")).isOne();
		});
	}

	@Test
	void anOwnUsageRecorderWithoutADataSourceGetsAWorkingFilter() {
		List<UsageEvent> recorded = new CopyOnWriteArrayList<>();
		UsageRecorder own = new UsageRecorder() {

			@Override
			public void record(UsageEvent event) {
				recorded.add(event);
			}

			@Override
			public void recordAll(java.util.Collection<UsageEvent> events) {
				recorded.addAll(events);
			}

		};
		new WebApplicationContextRunner().withConfiguration(KIT)
			.withBean(UsageRecorder.class, () -> own)
			.withPropertyValues("metering.web.tenant-source=header", "metering.web.trusted-proxies=127.0.0.1")
			.run((context) -> {
				assertThat(context).hasNotFailed().doesNotHaveBean(QuotaEnforcementService.class);
				assertThat(request(context, "acme", "127.0.0.1").getStatus()).isEqualTo(200);
				assertThat(recorded).singleElement().satisfies((event) -> {
					assertThat(event.tenantId()).isEqualTo("acme");
					assertThat(event.meter()).isEqualTo("http.requests");
				});
			});
	}

	@Test
	void withSpringSecurityTheTenantIsThePrincipalByDefault() {
		this.webRunner.run((context) -> assertThat(context.getBean(TenantResolver.class))
			.isInstanceOf(PrincipalTenantResolver.class));
	}

	@Test
	void withoutSpringSecurityTheTenantIsTheHeaderByDefault() {
		this.webRunner.withClassLoader(new FilteredClassLoader(Authentication.class))
			.run((context) -> assertThat(context.getBean(TenantResolver.class))
				.isInstanceOf(HeaderTenantResolver.class));
	}

	static MockHttpServletResponse request(ApplicationContext context, String tenant, String remoteAddress)
			throws Exception {
		MeteringFilter filter = (MeteringFilter) context
			.getBean(MeteringWebAutoConfiguration.FILTER_REGISTRATION_BEAN_NAME, FilterRegistrationBean.class)
			.getFilter();
		MockHttpServletRequest request = new MockHttpServletRequest("GET", "/api/ping");
		request.setRemoteAddr(remoteAddress);
		request.addHeader("X-Tenant-Id", tenant);
		MockHttpServletResponse response = new MockHttpServletResponse();
		filter.doFilter(request, response, new MockFilterChain());
		return response;
	}

	static long ledgerRows(ApplicationContext context, String tenant) {
		if (context.getBeanProvider(BufferedLedgerWriter.class).getIfAvailable() != null) {
			assertThat(context.getBean(BufferedLedgerWriter.class).flush(Duration.ofSeconds(10))).isTrue();
		}
		JdbcTemplate jdbc = new JdbcTemplate(context.getBean(javax.sql.DataSource.class));
		return jdbc.queryForObject("SELECT COUNT(*) FROM metering_usage_event WHERE tenant_id = ?", Long.class,
				tenant);
	}

}
