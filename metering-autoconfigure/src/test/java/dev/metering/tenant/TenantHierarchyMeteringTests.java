package dev.metering.tenant;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import javax.sql.DataSource;

import jakarta.servlet.Filter;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import dev.metering.admin.JdbcTenantHierarchyEditor;
import dev.metering.admin.MeteringAdmin;
import dev.metering.admin.TenantChange;
import dev.metering.autoconfigure.MeteringAdminAutoConfiguration;
import dev.metering.autoconfigure.MeteringBusAutoConfiguration;
import dev.metering.autoconfigure.MeteringLedgerAutoConfiguration;
import dev.metering.autoconfigure.MeteringOperationAutoConfiguration;
import dev.metering.autoconfigure.MeteringQuotaAutoConfiguration;
import dev.metering.autoconfigure.MeteringRollupAutoConfiguration;
import dev.metering.autoconfigure.MeteringTenantAutoConfiguration;
import dev.metering.autoconfigure.MeteringWebAutoConfiguration;
import dev.metering.event.UsageEvent;
import dev.metering.event.UsageRecorder;
import dev.metering.ledger.BufferedLedgerWriter;
import dev.metering.operation.Metered;
import dev.metering.quota.QuotaExceededException;
import dev.metering.quota.QuotaWarningEvent;
import dev.metering.rollup.RollupJob;
import dev.metering.rollup.RollupTruth;
import dev.metering.rollup.UsageReader;
import dev.metering.test.TestDatabase;
import dev.metering.test.TestSchema;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.assertj.AssertableWebApplicationContext;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.event.EventListener;
import org.springframework.jdbc.datasource.DelegatingDataSource;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * A three-level tree ({@code reseller-x} → {@code org-1} → {@code project-a}, {@code project-b})
 * on every database: requests, {@code @Metered} operations and application events of each level
 * are written with their billing attribution; rollups grouped by billing scope equal the ledger;
 * a re-parented tenant's past usage stays billed where it was recorded; quotas of every level
 * are enforced and named after their level.
 */
class TenantHierarchyMeteringTests {

	private static final Instant BEFORE = Instant.parse("2000-01-01T00:00:00Z");

	private static final Instant AFTER = Instant.parse("2100-01-01T00:00:00Z");

	private static WebApplicationContextRunner runner(TestSchema schema) {
		return new WebApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(MeteringTenantAutoConfiguration.class,
					MeteringLedgerAutoConfiguration.class, MeteringAdminAutoConfiguration.class,
					MeteringRollupAutoConfiguration.class, MeteringQuotaAutoConfiguration.class,
					MeteringWebAutoConfiguration.class, MeteringOperationAutoConfiguration.class,
					MeteringBusAutoConfiguration.class))
			.withBean(DataSource.class, () -> new DelegatingDataSource(schema.dataSource()))
			.withBean(Reports.class)
			.withBean(Warnings.class)
			.withPropertyValues("metering.jdbc.table-prefix=" + schema.prefix(), "metering.jdbc.initialize-schema=never",
					"metering.web.tenant-source=header", "metering.web.trusted-proxies=127.0.0.1",
					"metering.writer.flush-interval=10ms", "metering.rollup.initial-delay=1h",
					"metering.tenants.reseller-x.plan=reseller", "metering.tenants.org-1.parent=reseller-x",
					"metering.tenants.org-1.plan=business", "metering.tenants.project-a.parent=org-1",
					"metering.tenants.project-a.billing-attribution=org-1",
					"metering.tenants.project-a.quotas[0].meter=http.requests",
					"metering.tenants.project-a.quotas[0].limit=3", "metering.tenants.project-a.quotas[0].window=day",
					"metering.tenants.project-b.parent=org-1",
					"metering.plans.business.quotas[0].meter=http.requests",
					"metering.plans.business.quotas[0].limit=6", "metering.plans.business.quotas[0].window=day",
					"metering.plans.reseller.quotas[0].meter=http.requests",
					"metering.plans.reseller.quotas[0].limit=100", "metering.plans.reseller.quotas[0].window=day",
					"metering.plans.reseller.quotas[0].enforcement=soft",
					"metering.plans.reseller.quotas[0].soft-threshold=0.001");
	}

	@ParameterizedTest
	@EnumSource(TestDatabase.class)
	void everyLevelAndSourceIsBilledToItsAttributionAndRollupsEqualTheLedger(TestDatabase database) {
		try (TestSchema schema = database.newSchema()) {
			runner(schema).run((context) -> {
				for (String tenant : List.of("project-a", "project-b", "org-1", "reseller-x")) {
					assertThat(request(context, tenant).getStatus()).isEqualTo(200);
				}
				context.getBean(Reports.class).generate("project-a");
				context.getBean(Reports.class).generate("project-b");
				UsageRecorder recorder = context.getBean(UsageRecorder.class);
				recorder.record(UsageEvent.builder("project-a", "storage.bytes").quantity(new BigDecimal("2.5")).build());
				recorder.recordAll(List.of(UsageEvent.builder("project-b", "storage.bytes").build(),
						UsageEvent.builder("project-a", "storage.bytes").billingScopeId("reseller-x").build()));
				flush(context);

				assertThat(schema.jdbc()
					.queryForList("SELECT tenant_id, meter, source, billing_scope_id FROM " + schema.tables().usageEvent()
							+ " ORDER BY tenant_id, meter, source, billing_scope_id")
					.stream()
					.map((row) -> row.values().stream().map(String::valueOf).toList())
					.toList()).containsExactly(List.of("org-1", "http.requests", "http", "org-1"),
							List.of("project-a", "http.requests", "http", "org-1"),
							List.of("project-a", "reports.generated", "operation", "org-1"),
							List.of("project-a", "storage.bytes", "application", "org-1"),
							// An event that names its payer keeps it.
							List.of("project-a", "storage.bytes", "application", "reseller-x"),
							List.of("project-b", "http.requests", "http", "project-b"),
							List.of("project-b", "reports.generated", "operation", "project-b"),
							List.of("project-b", "storage.bytes", "application", "project-b"),
							List.of("reseller-x", "http.requests", "http", "reseller-x"));

				context.getBean(RollupJob.class).rollupNow();
				assertThat(RollupTruth.differences(schema)).isEmpty();
				assertThat(RollupTruth.billingScopeDifferences(schema)).isEmpty();
				assertThat(RollupTruth.ledgerByBillingScope(schema)).containsOnlyKeys("org-1/http.requests",
						"org-1/reports.generated", "org-1/storage.bytes", "project-b/http.requests",
						"project-b/reports.generated", "project-b/storage.bytes", "reseller-x/http.requests",
						"reseller-x/storage.bytes");
				UsageReader reader = context.getBean(UsageReader.class);
				assertThat(reader.billingScopeUsage("org-1", "http.requests", BEFORE, AFTER)).isEqualByComparingTo("2");
				assertThat(reader.billingScopeUsage("org-1", "storage.bytes", BEFORE, AFTER))
					.isEqualByComparingTo("2.5");
			});
		}
	}

	@ParameterizedTest
	@EnumSource(TestDatabase.class)
	void aReparentedTenantsPastUsageStaysBilledWhereItWasRecorded(TestDatabase database) {
		try (TestSchema schema = database.newSchema()) {
			runner(schema).withPropertyValues("metering.tenants.org-2.parent=reseller-x").run((context) -> {
				request(context, "project-a");
				request(context, "project-a");
				flush(context);

				// The editor of the runtime definitions: the move is a row of the tenant table.
				TenantHierarchyEditor editor = context.getBean(TenantHierarchyEditor.class);
				assertThat(editor).isInstanceOf(JdbcTenantHierarchyEditor.class);
				editor.define(TenantDefinition.of("project-a", "org-2").billedTo("org-2"));
				assertThat(schema.jdbc()
					.queryForMap("SELECT parent_id, billing_attribution FROM " + schema.prefix()
							+ "tenant WHERE tenant_id = 'project-a'")
					.values()).containsExactly("org-2", "org-2");
				request(context, "project-a");
				context.getBean(Reports.class).generate("project-a");
				flush(context);

				context.getBean(RollupJob.class).rollupNow();
				assertThat(RollupTruth.billingScopeDifferences(schema)).isEmpty();
				UsageReader reader = context.getBean(UsageReader.class);
				assertThat(reader.billingScopeUsage("org-1", "http.requests", BEFORE, AFTER)).isEqualByComparingTo("2");
				assertThat(reader.billingScopeUsage("org-2", "http.requests", BEFORE, AFTER)).isEqualByComparingTo("1");
				assertThat(reader.billingScopeUsage("org-2", "reports.generated", BEFORE, AFTER))
					.isEqualByComparingTo("1");
				assertThat(reader.tenantUsage("project-a", "http.requests", BEFORE, AFTER)).isEqualByComparingTo("3");
			});
		}
	}

	@ParameterizedTest
	@EnumSource(TestDatabase.class)
	void anAncestorsQuotaCountsItsWholeSubtreeFromTheLedger(TestDatabase database) {
		try (TestSchema schema = database.newSchema()) {
			runner(schema).run((context) -> {
				for (int i = 0; i < 3; i++) {
					assertThat(request(context, "project-a").getStatus()).isEqualTo(200);
				}
				flush(context);
				context.getBean(RollupJob.class).rollupNow();
			});
			// Another instance (or a restart) knows nothing locally: org-1's usage comes from the ledger.
			runner(schema).run((context) -> {
				assertThat(request(context, "org-1").getStatus()).isEqualTo(200);
				assertThat(request(context, "project-b").getStatus()).isEqualTo(200);
				assertThat(request(context, "project-b").getStatus()).isEqualTo(200);
				MockHttpServletResponse denied = request(context, "project-b");
				assertThat(denied.getStatus()).isEqualTo(429);
				assertThat(denied.getContentAsString())
					.contains("\"violated-policies\":[\"org-1/business-http.requests-day\"]");
				assertThat(denied.getHeader("RateLimit-Policy")).contains("\"org-1/business-http.requests-day\";q=6");
				assertThat(request(context, "project-a").getStatus()).isEqualTo(429);
				flush(context);
				assertThat(schema.eventCount()).isEqualTo(6);
			});
		}
	}

	@ParameterizedTest
	@EnumSource(TestDatabase.class)
	void aTenantRowsFieldsWinOverTheConfiguredOnes(TestDatabase database) {
		try (TestSchema schema = database.newSchema()) {
			String table = schema.prefix() + "tenant";
			Object now = schema.dialect().timestamp(Instant.now());
			schema.jdbc()
				.update("INSERT INTO " + table + " (tenant_id, parent_id, billing_attribution, plan, exempt, created_at, "
						+ "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)", "project-d", "org-1", "org-1", null, null, now, now);
			schema.jdbc()
				.update("INSERT INTO " + table + " (tenant_id, parent_id, billing_attribution, plan, exempt, created_at, "
						+ "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)", "project-b", null, null, null, true, now, now);
			runner(schema).run((context) -> {
				TenantDirectory directory = context.getBean(TenantDirectory.class);
				assertThat(directory.lineageOf("project-d").scopes()).containsExactly("project-d", "org-1", "reseller-x");
				assertThat(directory.billingScopeOf("project-d")).isEqualTo("org-1");
				assertThat(directory.subtreeOf("org-1")).containsExactlyInAnyOrder("org-1", "project-a", "project-b",
						"project-d");
				// The row sets only exempt: the configured parent stays, and the exempt tenant is never checked.
				assertThat(directory.lineageOf("project-b").scopes()).containsExactly("project-b", "org-1", "reseller-x");
				assertThat(directory.lineageOf("project-b").checkedScopes()).isEmpty();
				request(context, "project-d");
				flush(context);
				assertThat(schema.jdbc()
					.queryForObject("SELECT billing_scope_id FROM " + schema.tables().usageEvent(), String.class))
					.isEqualTo("org-1");
			});
		}
	}

	@ParameterizedTest
	@EnumSource(value = TestDatabase.class, names = "H2")
	void anExemptionSetThroughTheAdminApiReachesTheDirectoryAtOnce(TestDatabase database) {
		try (TestSchema schema = database.newSchema()) {
			runner(schema).run((context) -> {
				TenantDirectory directory = context.getBean(TenantDirectory.class);
				assertThat(directory.lineageOf("project-b").checkedScopes()).containsExactly("project-b", "org-1",
						"reseller-x");

				context.getBean(MeteringAdmin.class).putTenant("ops", "project-b", new TenantChange(null, true));

				assertThat(directory.lineageOf("project-b").checkedScopes()).isEmpty();
			});
		}
	}

	@ParameterizedTest
	@EnumSource(value = TestDatabase.class, names = "H2")
	void theTenantsOwnQuotaDeniesNamingItsLevelAndEveryLevelIsListed(TestDatabase database) {
		try (TestSchema schema = database.newSchema()) {
			runner(schema).run((context) -> {
				for (int i = 0; i < 3; i++) {
					assertThat(request(context, "project-a").getStatus()).isEqualTo(200);
				}
				MockHttpServletResponse denied = request(context, "project-a");
				assertThat(denied.getStatus()).isEqualTo(429);
				assertThat(denied.getContentAsString()).contains("\"violated-policies\":[\"project-a-http.requests-day\"]");
				assertThat(denied.getHeader("RateLimit-Policy")).contains("\"project-a-http.requests-day\";q=3");
				MockHttpServletResponse allowed = request(context, "project-b");
				assertThat(allowed.getStatus()).isEqualTo(200);
				assertThat(allowed.getHeader("RateLimit-Policy")).contains("\"org-1/business-http.requests-day\";q=6")
					.contains("\"reseller-x/reseller-http.requests-day\";q=100");
			});
		}
	}

	@ParameterizedTest
	@EnumSource(value = TestDatabase.class, names = "H2")
	void meteredOperationsOfTheProjectsShareTheOrganisationsQuota(TestDatabase database) {
		try (TestSchema schema = database.newSchema()) {
			runner(schema).withPropertyValues("metering.tenants.org-1.quotas[0].meter=reports.generated",
					"metering.tenants.org-1.quotas[0].limit=2", "metering.tenants.org-1.quotas[0].window=day")
				.run((context) -> {
					Reports reports = context.getBean(Reports.class);
					reports.generate("project-a");
					reports.generate("project-b");
					assertThatExceptionOfType(QuotaExceededException.class)
						.isThrownBy(() -> reports.generate("project-a"))
						.satisfies((ex) -> assertThat(ex.getDecision().violatedPolicies())
							.containsExactly("org-1-reports.generated-day"));
					flush(context);
					assertThat(schema.eventCount()).isEqualTo(2);
				});
		}
	}

	@ParameterizedTest
	@EnumSource(value = TestDatabase.class, names = "H2")
	void softWarningsArePublishedPerLevel(TestDatabase database) {
		try (TestSchema schema = database.newSchema()) {
			runner(schema).withPropertyValues("metering.plans.business.quotas[0].enforcement=soft",
					"metering.plans.business.quotas[0].soft-threshold=0.1").run((context) -> {
						// One request of org-1 passes the warning level of both its own and its parent's quota.
						request(context, "org-1");
						request(context, "reseller-x");
						assertThat(context.getBean(Warnings.class).events).extracting(QuotaWarningEvent::tenant)
							.containsExactlyInAnyOrder("org-1", "reseller-x");
						assertThat(context.getBean(Warnings.class).events)
							.extracting((event) -> event.policy().name())
							.contains("org-1/business-http.requests-day", "reseller-x/reseller-http.requests-day");
					});
		}
	}

	@ParameterizedTest
	@EnumSource(value = TestDatabase.class, names = "H2")
	void anExemptTenantIsRecordedButNeverBlockedAndAnExemptParentExemptsOnlyWhenConfigured(TestDatabase database) {
		try (TestSchema schema = database.newSchema()) {
			runner(schema).withPropertyValues("metering.tenants.project-a.exempt=true",
					"metering.tenants.org-1.exempt=true", "metering.tenants.org-2.parent=reseller-x",
					"metering.tenants.org-2.exempt=true", "metering.tenants.org-2.exempt-descendants=true",
					"metering.tenants.project-c.parent=org-2", "metering.tenants.project-c.plan=business",
					"metering.tenants.project-b.plan=business")
				.run((context) -> {
					for (int i = 0; i < 8; i++) {
						assertThat(request(context, "project-a").getStatus()).isEqualTo(200);
						assertThat(request(context, "org-1").getStatus()).isEqualTo(200);
						assertThat(request(context, "project-c").getStatus()).isEqualTo(200);
					}
					// org-1 is exempt, but project-b is not: it is limited by its own plan (business, 6).
					for (int i = 0; i < 6; i++) {
						assertThat(request(context, "project-b").getStatus()).isEqualTo(200);
					}
					assertThat(request(context, "project-b").getStatus()).isEqualTo(429);
					flush(context);
					assertThat(schema.eventCount()).isEqualTo(30);
				});
		}
	}

	private static MockHttpServletResponse request(AssertableWebApplicationContext context, String tenant)
			throws Exception {
		Filter filter = context.getBean(FilterRegistrationBean.class).getFilter();
		MockHttpServletRequest request = new MockHttpServletRequest("GET", "/api/ping");
		request.setRemoteAddr("127.0.0.1");
		request.addHeader("X-Tenant-Id", tenant);
		MockHttpServletResponse response = new MockHttpServletResponse();
		filter.doFilter(request, response, (req, res) -> {
		});
		return response;
	}

	private static void flush(AssertableWebApplicationContext context) {
		assertThat(context.getBean(BufferedLedgerWriter.class).flush(Duration.ofSeconds(10))).isTrue();
	}

	static class Reports {

		@Metered(meter = "reports.generated", tenant = "#tenant")
		public String generate(String tenant) {
			return "report";
		}

	}

	static class Warnings {

		final List<QuotaWarningEvent> events = new CopyOnWriteArrayList<>();

		@EventListener
		void on(QuotaWarningEvent event) {
			this.events.add(event);
		}

	}

}
