package dev.metering.autoconfigure;

import java.io.InputStream;
import java.net.URL;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import javax.sql.DataSource;

import dev.metering.admin.AuditEntry;
import dev.metering.admin.JdbcTenantHierarchyEditor;
import dev.metering.admin.MeteringAdmin;
import dev.metering.event.UsageEvent;
import dev.metering.event.UsageRecorder;
import dev.metering.event.UsageEventSink;
import dev.metering.tenant.InMemoryTenantDefinitions;
import dev.metering.tenant.TenantDefinition;
import dev.metering.tenant.TenantDirectory;
import dev.metering.tenant.TenantHierarchyEditor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.diagnostics.FailureAnalyzer;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.core.io.InputStreamResource;
import org.springframework.core.io.support.PropertiesLoaderUtils;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.core.context.SecurityContextHolder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.Mockito.mock;

/**
 * The hierarchy from {@code metering.tenants}: the directory and editor beans, the recorder
 * writing billing scopes, and start-up failures naming the property of a wrong hierarchy.
 */
class MeteringTenantAutoConfigurationTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(DataSourceAutoConfiguration.class,
				MeteringTenantAutoConfiguration.class, MeteringLedgerAutoConfiguration.class))
		.withPropertyValues("spring.datasource.url=jdbc:h2:mem:tenant-autoconfig;DB_CLOSE_DELAY=-1",
				"metering.jdbc.table-prefix=tenant_autoconfig_", "metering.tenants.org-1.plan=business",
				"metering.tenants.org-2.plan=business", "metering.tenants.project-a.parent=org-1",
				"metering.tenants.project-a.billing-attribution=org-1", "metering.tenants.project-b.parent=org-1");

	@Test
	void theDirectoryResolvesLineagesFromTheProperties() {
		this.runner.run((context) -> {
			TenantDirectory directory = context.getBean(TenantDirectory.class);
			assertThat(directory.lineageOf("project-a").scopes()).containsExactly("project-a", "org-1");
			assertThat(directory.billingScopeOf("project-a")).isEqualTo("org-1");
			assertThat(directory.billingScopeOf("project-b")).isEqualTo("project-b");
			assertThat(context.getBean(TenantHierarchyEditor.class).definitionOf("project-b"))
				.contains(TenantDefinition.of("project-b", "org-1"));
		});
	}

	@Test
	void theEditorWritesTheTenantTableWithTheRuntimeDefinitionsAndBacksOffForTheApplications() {
		this.runner.run((context) -> assertThat(context.getBean(TenantHierarchyEditor.class))
			.isInstanceOf(InMemoryTenantDefinitions.class));
		ApplicationContextRunner withTable = this.runner
			.withConfiguration(AutoConfigurations.of(MeteringAdminAutoConfiguration.class))
			.withPropertyValues("metering.jdbc.table-prefix=tenant_autoconfig_editor_",
					"metering.plans.business.quotas[0].meter=api.calls", "metering.plans.business.quotas[0].limit=10",
					"metering.plans.business.quotas[0].window=day");
		withTable.run((context) -> {
			assertThat(context.getBean(TenantHierarchyEditor.class)).isInstanceOf(JdbcTenantHierarchyEditor.class);
			context.getBean(TenantHierarchyEditor.class).define(TenantDefinition.of("project-c", "org-2"));
			assertThat(context.getBean(TenantDirectory.class).lineageOf("project-c").scopes())
				.containsExactly("project-c", "org-2");
			assertThat(context.getBean(DataSource.class).getConnection().createStatement()
				.executeQuery("SELECT COUNT(*) FROM tenant_autoconfig_editor_tenant WHERE parent_id = 'org-2'"))
				.satisfies((rs) -> {
					assertThat(rs.next()).isTrue();
					assertThat(rs.getInt(1)).isEqualTo(1);
				});
		});
		TenantHierarchyEditor own = mock(TenantHierarchyEditor.class);
		withTable.withBean(TenantHierarchyEditor.class, () -> own)
			.run((context) -> assertThat(context).doesNotHaveBean(JdbcTenantHierarchyEditor.class));
		withTable.withPropertyValues("metering.admin.enabled=false")
			.run((context) -> assertThat(context.getBean(TenantHierarchyEditor.class))
				.isInstanceOf(InMemoryTenantDefinitions.class));
	}

	@Test
	void theEditorsAuditActorIsTheAuthenticatedPrincipalElseApplication() {
		this.runner.withConfiguration(AutoConfigurations.of(MeteringAdminAutoConfiguration.class))
			.withPropertyValues("metering.jdbc.table-prefix=tenant_autoconfig_actor_",
					"metering.plans.business.quotas[0].meter=api.calls", "metering.plans.business.quotas[0].limit=10",
					"metering.plans.business.quotas[0].window=day")
			.run((context) -> {
				TenantHierarchyEditor editor = context.getBean(TenantHierarchyEditor.class);
				MeteringAdmin admin = context.getBean(MeteringAdmin.class);
				editor.define(TenantDefinition.of("project-c", "org-2"));
				assertThat(admin.audit("tenant:project-c", 10)).extracting(AuditEntry::actor)
					.containsExactly("application");
				SecurityContextHolder.getContext()
					.setAuthentication(UsernamePasswordAuthenticationToken.authenticated("carol", null, List.of()));
				try {
					editor.reparent("project-c", "org-1");
				}
				finally {
					SecurityContextHolder.clearContext();
				}
				assertThat(admin.audit("tenant:project-c", 10)).extracting(AuditEntry::actor)
					.containsExactly("carol", "application");
			});
	}

	@Test
	void theRecorderWritesTheBillingScopeOfTheDirectoryAtRecordTime() {
		List<UsageEvent> offered = new ArrayList<>();
		this.runner.withBean(UsageEventSink.class, () -> offered::add).run((context) -> {
			UsageRecorder recorder = context.getBean(UsageRecorder.class);
			recorder.record(UsageEvent.builder("project-a", "api.calls").build());
			context.getBean(TenantHierarchyEditor.class).define(TenantDefinition.of("project-a", "org-2"));
			assertThat(context.getBean(TenantDirectory.class).billingScopeOf("project-a")).isEqualTo("project-a");
			recorder.record(UsageEvent.builder("project-a", "api.calls").build());

			assertThat(offered).extracting(UsageEvent::billingScopeId).containsExactly("org-1", "project-a");
		});
	}

	@ParameterizedTest
	@CsvSource(delimiter = '|', value = {
			"metering.tenants.project-a.parent=org-9 | metering.tenants.project-a.parent | no such tenant",
			"metering.tenants.org-1.parent=project-a | metering.tenants.org-1.parent "
					+ "| a cycle: org-1 -> project-a -> org-1",
			"metering.tenants.project-b.billing-attribution=org-2 | metering.tenants.project-b.billing-attribution "
					+ "| not in the tenant's lineage",
			"metering.hierarchy.max-depth=1 | metering.tenants.project-a.parent | more than 1 levels" })
	void aWrongHierarchyStopsStartUpNamingTheProperty(String setting, String property, String reason) {
		this.runner.withPropertyValues(setting).run((context) -> {
			assertThat(context).hasFailed();
			FailureAnalysis analysis = new InvalidTenantHierarchyFailureAnalyzer().analyze(context.getStartupFailure());
			assertThat(analysis).isNotNull();
			assertThat(analysis.getDescription()).contains("Property: " + property).contains(reason);
			assertThat(analysis.getAction()).contains(property);
		});
	}

	@Test
	void aPayerOutsideTheLineageStartsWhenAllowed() {
		this.runner
			.withPropertyValues("metering.tenants.project-b.billing-attribution=org-2",
					"metering.hierarchy.allow-billing-outside-lineage=true")
			.run((context) -> assertThat(context.getBean(TenantDirectory.class).billingScopeOf("project-b"))
				.isEqualTo("org-2"));
	}

	@Test
	void theFailureAnalyzerIsRegistered() throws Exception {
		List<String> analyzers = new ArrayList<>();
		for (URL url : Collections.list(getClass().getClassLoader().getResources("META-INF/spring.factories"))) {
			try (InputStream in = url.openStream()) {
				String names = PropertiesLoaderUtils.loadProperties(new InputStreamResource(in))
					.getProperty(FailureAnalyzer.class.getName(), "");
				analyzers.addAll(List.of(names.split(",")));
			}
		}
		assertThat(analyzers).contains(InvalidTenantHierarchyFailureAnalyzer.class.getName());
	}

	@Test
	void backsOffWhenMeteringIsDisabled() {
		this.runner.withPropertyValues("metering.enabled=false")
			.run((context) -> assertThat(context).doesNotHaveBean(TenantDirectory.class));
	}

}
