package dev.metering.autoconfigure;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collections;
import java.util.List;

import jakarta.servlet.DispatcherType;

import dev.metering.autoconfigure.metrics.MeteringMetricsAutoConfiguration;
import dev.metering.event.UsageEvent;
import dev.metering.event.UsageRecorder;
import dev.metering.ledger.BufferedLedgerWriter;
import dev.metering.ledger.MeteringSchemaInitializer;
import dev.metering.ledger.UsageEventStore;
import dev.metering.tenant.HeaderTenantResolver;
import dev.metering.tenant.PrincipalTenantResolver;
import dev.metering.tenant.TenantResolver;
import dev.metering.web.MeteringFilter;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.core.io.ClassPathResource;
import org.springframework.jdbc.core.JdbcTemplate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The kit's auto-configuration: what it creates, when it backs off, and that user beans win.
 */
class MeteringAutoConfigurationTests {

	private static final String IMPORTS = "META-INF/spring/org.springframework.boot.autoconfigure.AutoConfiguration.imports";

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withPropertyValues("spring.datasource.url=jdbc:h2:mem:autoconfig-${random.uuid}")
		.withConfiguration(AutoConfigurations.of(DataSourceAutoConfiguration.class,
				MeteringLedgerAutoConfiguration.class, MeteringWebAutoConfiguration.class,
				MeteringMetricsAutoConfiguration.class));

	private final WebApplicationContextRunner webRunner = new WebApplicationContextRunner()
		.withPropertyValues("spring.datasource.url=jdbc:h2:mem:autoconfig-${random.uuid}")
		.withConfiguration(AutoConfigurations.of(DataSourceAutoConfiguration.class,
				MeteringLedgerAutoConfiguration.class, MeteringWebAutoConfiguration.class));

	@Test
	void everyClassNamedInTheImportsFileExistsAndIsAFinalAutoConfiguration() throws Exception {
		List<String> names;
		try (BufferedReader reader = new BufferedReader(
				new InputStreamReader(new ClassPathResource(IMPORTS).getInputStream(), StandardCharsets.UTF_8))) {
			names = reader.lines().map(String::trim).filter((l) -> !l.isEmpty() && !l.startsWith("#")).toList();
		}
		assertThat(names).isNotEmpty();
		for (String name : names) {
			Class<?> type = Class.forName(name);
			assertThat(type).isFinal();
			assertThat(type.isAnnotationPresent(org.springframework.boot.autoconfigure.AutoConfiguration.class))
				.as(name)
				.isTrue();
		}
	}

	@Test
	void withADataSourceTheLedgerIsConfiguredAndItsTablesCreated() {
		this.runner.run((context) -> {
			assertThat(context).hasSingleBean(UsageRecorder.class)
				.hasSingleBean(BufferedLedgerWriter.class)
				.hasSingleBean(UsageEventStore.class)
				.hasSingleBean(MeteringSchemaInitializer.class);
			JdbcTemplate jdbc = new JdbcTemplate(context.getBean(javax.sql.DataSource.class));
			assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM metering_usage_event", Long.class)).isZero();
			assertThat(context).doesNotHaveBean(FilterRegistrationBean.class);
		});
	}

	@Test
	void recordedEventsReachTheLedgerUnderAConfiguredPrefix() {
		this.runner.withPropertyValues("metering.jdbc.table-prefix=acme_meter_").run((context) -> {
			context.getBean(UsageRecorder.class).record(UsageEvent.builder("acme", "http.requests").build());
			assertThat(context.getBean(BufferedLedgerWriter.class).flush(Duration.ofSeconds(10))).isTrue();
			JdbcTemplate jdbc = new JdbcTemplate(context.getBean(javax.sql.DataSource.class));
			assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM acme_meter_usage_event", Long.class)).isOne();
		});
	}

	@Test
	void closingTheContextWritesEveryBufferedEvent() {
		String url = "jdbc:h2:mem:close-" + System.nanoTime() + ";DB_CLOSE_DELAY=-1";
		this.runner
			.withPropertyValues("spring.datasource.url=" + url, "metering.writer.flush-interval=1h",
					"metering.writer.batch-size=100000")
			.run((context) -> {
				UsageRecorder recorder = context.getBean(UsageRecorder.class);
				for (int i = 0; i < 5_000; i++) {
					recorder.record(UsageEvent.builder("acme", "http.requests").build());
				}
				// Still waiting for its batch to fill: nothing is written yet.
				assertThat(context.getBean(BufferedLedgerWriter.class).buffered()).isEqualTo(5_000);
			});
		JdbcTemplate jdbc = new JdbcTemplate(new org.springframework.jdbc.datasource.DriverManagerDataSource(url, "sa", ""));
		assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM metering_usage_event", Long.class)).isEqualTo(5_000);
	}

	@Test
	void backsOffWhenDisabled() {
		this.webRunner.withPropertyValues("metering.enabled=false").run((context) -> {
			assertThat(context).hasNotFailed();
			assertThat(context).doesNotHaveBean(UsageRecorder.class)
				.doesNotHaveBean(BufferedLedgerWriter.class)
				.doesNotHaveBean(MeteringSchemaInitializer.class)
				.doesNotHaveBean(FilterRegistrationBean.class);
		});
	}

	@Test
	void backsOffWithoutADataSource() {
		new WebApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(MeteringLedgerAutoConfiguration.class,
					MeteringWebAutoConfiguration.class, MeteringMetricsAutoConfiguration.class))
			.run((context) -> {
				assertThat(context).hasNotFailed();
				assertThat(context).doesNotHaveBean(UsageRecorder.class)
					.doesNotHaveBean(BufferedLedgerWriter.class)
					.doesNotHaveBean(FilterRegistrationBean.class);
			});
	}

	@Test
	void schemaIsNotTouchedWhenInitializationIsNever() {
		this.runner.withPropertyValues("metering.jdbc.initialize-schema=never")
			.run((context) -> assertThat(context).doesNotHaveBean(MeteringSchemaInitializer.class));
	}

	@Test
	void userBeansReplaceTheKits() {
		UsageRecorder recorder = new UsageRecorder() {
			@Override
			public void record(UsageEvent event) {
			}

			@Override
			public void recordAll(java.util.Collection<UsageEvent> events) {
			}
		};
		UsageEventStore store = (events, recordedAt) -> new dev.metering.ledger.InsertResult(events.size(), 0);
		TenantResolver resolver = (request) -> "fixed";
		this.webRunner.withBean(UsageRecorder.class, () -> recorder)
			.withBean(UsageEventStore.class, () -> store)
			.withBean(TenantResolver.class, () -> resolver)
			.run((context) -> {
				assertThat(context.getBean(UsageRecorder.class)).isSameAs(recorder);
				assertThat(context.getBean(UsageEventStore.class)).isSameAs(store);
				assertThat(context.getBean(TenantResolver.class)).isSameAs(resolver);
				assertThat(filterOf(context).getFilter()).isNotNull();
			});
	}

	@Test
	void userFilterRegistrationReplacesTheKits() {
		FilterRegistrationBean<MeteringFilter> own = new FilterRegistrationBean<>();
		this.webRunner
			.withBean(MeteringWebAutoConfiguration.FILTER_REGISTRATION_BEAN_NAME, FilterRegistrationBean.class,
					() -> own)
			.run((context) -> assertThat(context.getBean(MeteringWebAutoConfiguration.FILTER_REGISTRATION_BEAN_NAME))
				.isSameAs(own));
	}

	@Test
	void filterRunsAfterSpringSecurityForRequestAndAsyncDispatches() {
		this.webRunner.run((context) -> {
			FilterRegistrationBean<?> registration = filterOf(context);
			assertThat(registration.getFilter()).isInstanceOf(MeteringFilter.class);
			assertThat(registration.getOrder()).isEqualTo(-90).isGreaterThan(-100);
			assertThat(registration).extracting("dispatcherTypes")
				.asInstanceOf(org.assertj.core.api.InstanceOfAssertFactories.collection(DispatcherType.class))
				.containsExactlyInAnyOrder(DispatcherType.REQUEST, DispatcherType.ASYNC);
		});
	}

	@Test
	void tenantSourceChoosesTheResolver() {
		this.webRunner.withPropertyValues("metering.web.tenant-source=principal")
			.run((context) -> assertThat(context.getBean(TenantResolver.class))
				.isInstanceOf(PrincipalTenantResolver.class));
		this.webRunner.withPropertyValues("metering.web.tenant-source=header")
			.run((context) -> assertThat(context.getBean(TenantResolver.class))
				.isInstanceOf(HeaderTenantResolver.class));
	}

	@Test
	void webMeteringCanBeTurnedOffAlone() {
		this.webRunner.withPropertyValues("metering.web.enabled=false").run((context) -> {
			assertThat(context).hasSingleBean(UsageRecorder.class);
			assertThat(context).doesNotHaveBean(FilterRegistrationBean.class);
		});
	}

	@Test
	void writerMetersAreBoundWithoutTenantTags() {
		this.runner
			.withConfiguration(AutoConfigurations.of(MetricsAutoConfiguration.class,
					CompositeMeterRegistryAutoConfiguration.class, SimpleMetricsExportAutoConfiguration.class))
			.run((context) -> {
				context.getBean(UsageRecorder.class).record(UsageEvent.builder("acme", "http.requests").build());
				assertThat(context.getBean(BufferedLedgerWriter.class).flush(Duration.ofSeconds(10))).isTrue();
				MeterRegistry registry = context.getBean(MeterRegistry.class);
				assertThat(registry.get("metering.events.recorded").functionCounter().count()).isEqualTo(1);
				assertThat(registry.get("metering.events.written").functionCounter().count()).isEqualTo(1);
				assertThat(registry.get("metering.writer.buffer.size").gauge().value()).isZero();
				assertThat(registry.get("metering.writer.batch").functionTimer().count()).isEqualTo(1);
				registry.getMeters()
					.stream()
					.filter((meter) -> meter.getId().getName().startsWith("metering."))
					.forEach((meter) -> assertThat(meter.getId().getTags()).isEqualTo(Collections.emptyList()));
			});
	}

	@Test
	void invalidWriterSettingsFailStartUpNamingTheProperty() {
		this.runner.withPropertyValues("metering.writer.batch-size=0")
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.hasMessageContaining("metering.writer.batch-size"));
	}

	private static FilterRegistrationBean<?> filterOf(org.springframework.context.ApplicationContext context) {
		return context.getBean(MeteringWebAutoConfiguration.FILTER_REGISTRATION_BEAN_NAME,
				FilterRegistrationBean.class);
	}

}
