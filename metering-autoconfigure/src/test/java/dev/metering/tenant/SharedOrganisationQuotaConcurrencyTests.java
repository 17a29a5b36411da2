package dev.metering.tenant;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import javax.sql.DataSource;

import jakarta.servlet.Filter;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import dev.metering.autoconfigure.MeteringLedgerAutoConfiguration;
import dev.metering.autoconfigure.MeteringQuotaAutoConfiguration;
import dev.metering.autoconfigure.MeteringRollupAutoConfiguration;
import dev.metering.autoconfigure.MeteringTenantAutoConfiguration;
import dev.metering.autoconfigure.MeteringWebAutoConfiguration;
import dev.metering.ledger.BufferedLedgerWriter;
import dev.metering.test.TestDatabase;
import dev.metering.test.TestSchema;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.jdbc.datasource.DelegatingDataSource;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An organisation's hard quota of 100 requests a day, shared by its three projects, under 48
 * concurrent clients: exactly 100 requests pass in total, and the ledger holds exactly those 100
 * rows, each billed to its project's attribution.
 */
class SharedOrganisationQuotaConcurrencyTests {

	private static final Map<String, String> PAYER = Map.of("project-a", "org-1", "project-b", "project-b",
			"project-c", "org-1");

	private static final int CLIENTS = 48;

	private static final int REQUESTS_PER_CLIENT = 5;

	@ParameterizedTest
	@EnumSource(TestDatabase.class)
	void exactlyTheOrganisationsQuotaPassesAcrossItsProjects(TestDatabase database) {
		try (TestSchema schema = database.newSchema()) {
			new WebApplicationContextRunner()
				.withConfiguration(AutoConfigurations.of(MeteringTenantAutoConfiguration.class,
						MeteringLedgerAutoConfiguration.class, MeteringRollupAutoConfiguration.class,
						MeteringQuotaAutoConfiguration.class, MeteringWebAutoConfiguration.class))
				.withBean(DataSource.class, () -> new DelegatingDataSource(schema.dataSource()))
				.withPropertyValues("metering.jdbc.table-prefix=" + schema.prefix(),
						"metering.jdbc.initialize-schema=never", "metering.web.tenant-source=header",
						"metering.web.trusted-proxies=127.0.0.1", "metering.writer.flush-interval=10ms",
						"metering.quota.lease.request-timeout=60s",
						"metering.rollup.initial-delay=1h", "metering.tenants.org-1.quotas[0].meter=http.requests",
						"metering.tenants.org-1.quotas[0].limit=100", "metering.tenants.org-1.quotas[0].window=day",
						"metering.tenants.project-a.parent=org-1", "metering.tenants.project-a.billing-attribution=org-1",
						"metering.tenants.project-b.parent=org-1", "metering.tenants.project-c.parent=org-1",
						"metering.tenants.project-c.billing-attribution=org-1")
				.run((context) -> {
					Filter filter = context.getBean(FilterRegistrationBean.class).getFilter();
					Map<String, AtomicInteger> passed = new ConcurrentHashMap<>();
					AtomicInteger denied = new AtomicInteger();
					List<String> projects = List.of("project-a", "project-b", "project-c");
					ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);
					CountDownLatch start = new CountDownLatch(1);
					List<Future<?>> done = new ArrayList<>();
					for (int c = 0; c < CLIENTS; c++) {
						String tenant = projects.get(c % projects.size());
						done.add(clients.submit(() -> {
							start.await();
							for (int i = 0; i < REQUESTS_PER_CLIENT; i++) {
								int status = request(filter, tenant);
								if (status == 200) {
									passed.computeIfAbsent(tenant, (t) -> new AtomicInteger()).incrementAndGet();
								}
								else {
									assertThat(status).isEqualTo(429);
									denied.incrementAndGet();
								}
							}
							return null;
						}));
					}
					start.countDown();
					for (Future<?> client : done) {
						client.get(60, TimeUnit.SECONDS);
					}
					clients.shutdown();
					assertThat(context.getBean(BufferedLedgerWriter.class).flush(Duration.ofSeconds(30))).isTrue();

					int total = passed.values().stream().mapToInt(AtomicInteger::get).sum();
					assertThat(total).isEqualTo(100);
					assertThat(denied).hasValue(CLIENTS * REQUESTS_PER_CLIENT - 100);
					assertThat(schema.eventCount()).isEqualTo(100);
					for (String project : projects) {
						int rows = passed.getOrDefault(project, new AtomicInteger()).get();
						assertThat(schema.jdbc()
							.queryForObject("SELECT COUNT(*) FROM " + schema.tables().usageEvent()
									+ " WHERE tenant_id = ? AND billing_scope_id = ?", Long.class, project,
									PAYER.get(project)))
							.as("rows of %s billed to %s", project, PAYER.get(project))
							.isEqualTo(rows);
					}
				});
		}
	}

	private static int request(Filter filter, String tenant) throws Exception {
		MockHttpServletRequest request = new MockHttpServletRequest("GET", "/api/ping");
		request.setRemoteAddr("127.0.0.1");
		request.addHeader("X-Tenant-Id", tenant);
		MockHttpServletResponse response = new MockHttpServletResponse();
		filter.doFilter(request, response, (req, res) -> {
		});
		return response.getStatus();
	}

}
