package dev.metering.autoconfigure;

import java.io.InputStream;
import java.lang.reflect.Field;
import java.net.URL;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import com.github.benmanes.caffeine.cache.Cache;
import dev.metering.internal.cache.FallbackCache;
import dev.metering.quota.CachedQuotaDefinitions;
import dev.metering.quota.InvalidQuotaConfigurationException;
import dev.metering.quota.LedgerReadings;
import dev.metering.quota.LocalUsage;
import dev.metering.quota.QuotaDecision;
import dev.metering.quota.QuotaEnforcementService;
import dev.metering.web.QuotaExceededExceptionHandler;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.diagnostics.FailureAnalyzer;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.core.io.InputStreamResource;
import org.springframework.core.io.support.PropertiesLoaderUtils;
import org.springframework.test.util.ReflectionTestUtils;

import static org.assertj.core.api.Assertions.assertThat;

class MeteringQuotaAutoConfigurationTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(DataSourceAutoConfiguration.class,
				MeteringLedgerAutoConfiguration.class, MeteringRollupAutoConfiguration.class,
				MeteringQuotaAutoConfiguration.class))
		.withPropertyValues("spring.datasource.url=jdbc:h2:mem:quota-autoconfig;DB_CLOSE_DELAY=-1",
				"metering.jdbc.table-prefix=quota_autoconfig_", "metering.default-plan=free",
				"metering.plans.free.quotas[0].meter=http.requests", "metering.plans.free.quotas[0].limit=2",
				"metering.plans.free.quotas[0].window=day");

	@Test
	void configuresEnforcementFromTheProperties() {
		this.runner.run((context) -> {
			assertThat(context).hasSingleBean(QuotaEnforcementService.class).hasSingleBean(LocalUsage.class);
			QuotaEnforcementService quotas = context.getBean(QuotaEnforcementService.class);
			assertThat(quotas.check("acme", "http.requests", 1).outcome()).isEqualTo(QuotaDecision.Outcome.ALLOW);
			assertThat(quotas.check("acme", "http.requests", 1).outcome()).isEqualTo(QuotaDecision.Outcome.ALLOW);
			QuotaDecision denied = quotas.check("acme", "http.requests", 1);
			assertThat(denied.violatedPolicies()).containsExactly("free-http.requests-day");
		});
	}

	@Test
	void backsOffWhenQuotasAreDisabled() {
		this.runner.withPropertyValues("metering.quota.enabled=false")
			.run((context) -> assertThat(context).doesNotHaveBean(QuotaEnforcementService.class));
	}

	@Test
	void webConfigurationAddsTheExceptionHandler() {
		new WebApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(DataSourceAutoConfiguration.class,
					MeteringLedgerAutoConfiguration.class, MeteringRollupAutoConfiguration.class,
					MeteringQuotaAutoConfiguration.class,
					MeteringWebAutoConfiguration.class))
			.withPropertyValues("spring.datasource.url=jdbc:h2:mem:quota-autoconfig-web;DB_CLOSE_DELAY=-1")
			.run((context) -> assertThat(context).hasSingleBean(QuotaExceededExceptionHandler.class));
	}

	@ParameterizedTest
	@CsvSource(delimiter = '|', value = {
			"metering.plans.free.quotas[0].window=week | metering.plans.free.quotas[0].window | hour, day or month",
			"metering.plans.free.quotas[0].enforcement=block | metering.plans.free.quotas[0].enforcement | hard, soft or monitor",
			"metering.plans.free.quotas[0].limit=-1 | metering.plans.free.quotas[0].limit | must not be negative",
			"metering.plans.free.quotas[0].soft-threshold=1.5 | metering.plans.free.quotas[0].soft-threshold | at most 1",
			"metering.plans.free.quotas[0].soft-threshold=0 | metering.plans.free.quotas[0].soft-threshold | greater than 0",
			"metering.plans.free.quotas[0].meter=HTTP Requests | metering.plans.free.quotas[0].meter | meter name",
			"metering.default-plan=gold | metering.default-plan | no such plan",
			"metering.tenants.acme.plan=gold | metering.tenants.acme.plan | no such plan",
			"metering.tenants.acme.quotas[0].meter=x | metering.tenants.acme.quotas[0].limit | limit is required",
			"metering.quota.on-unknown-usage=maybe | metering.quota.on-unknown-usage | allow or deny",
			"metering.quota.problem-type=not a uri | metering.quota.problem-type | must be a URI",
			"metering.quota.lease.maintenance-interval=11s | metering.quota.lease.maintenance-interval | at most a third of metering.quota.lease.expiry",
			"metering.quota.lease.maintenance-interval=0s | metering.quota.lease.maintenance-interval | must be positive",
			"metering.quota.lease.linger=1s | metering.quota.lease.linger | between 0 and 100ms",
			"metering.quota.lease.linger=-1ms | metering.quota.lease.linger | between 0 and 100ms" })
	void aWrongSettingStopsStartUpNamingTheProperty(String setting, String property, String reason) {
		this.runner.withPropertyValues(setting).run((context) -> {
			assertThat(context).hasFailed();
			FailureAnalysis analysis = new InvalidQuotaConfigurationFailureAnalyzer()
				.analyze(context.getStartupFailure());
			assertThat(analysis).isNotNull();
			assertThat(analysis.getDescription()).contains("Property: " + property).contains(reason);
			assertThat(analysis.getAction()).contains(property);
		});
	}

	@Test
	void theDefinitionsCacheHasItsOwnSize() {
		this.runner
			.withPropertyValues("metering.cache.maximum-usage-entries=7",
					"metering.cache.maximum-definition-entries=3")
			.run((context) -> {
				assertThat(maximumSize(context.getBean(CachedQuotaDefinitions.class))).isEqualTo(3);
				assertThat(maximumSize(context.getBean(LedgerReadings.class))).isEqualTo(7);
			});
		this.runner.run((context) -> assertThat(maximumSize(context.getBean(CachedQuotaDefinitions.class)))
			.isEqualTo(new MeteringCacheProperties().getMaximumDefinitionEntries()));
	}

	@Test
	void aWrongEnumOutsideQuotasNamesThePropertyAndTheAllowedValues() {
		this.runner.withPropertyValues("metering.writer.overflow=wait").run((context) -> {
			FailureAnalysis analysis = new InvalidQuotaConfigurationFailureAnalyzer()
				.analyze(context.getStartupFailure());
			assertThat(analysis).isNotNull();
			assertThat(analysis.getDescription()).contains("Invalid metering configuration")
				.contains("Property: metering.writer.overflow")
				.contains("Value:    wait")
				.contains("use block or drop");
		});
	}

	/** The bound of a Caffeine cache held by a kit component: no other way to see it from outside. */
	private static long maximumSize(Object holder) {
		for (Field field : holder.getClass().getDeclaredFields()) {
			if (Cache.class.isAssignableFrom(field.getType())) {
				Cache<?, ?> cache = (Cache<?, ?>) ReflectionTestUtils.getField(holder, field.getName());
				return cache.policy().eviction().orElseThrow().getMaximum();
			}
			if (field.getType() == FallbackCache.class) {
				return maximumSize(ReflectionTestUtils.getField(holder, field.getName()));
			}
		}
		throw new AssertionError("no Caffeine cache in " + holder.getClass());
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
		assertThat(analyzers).contains(InvalidQuotaConfigurationFailureAnalyzer.class.getName());
		assertThat(new InvalidQuotaConfigurationException("a", "b", "c")).hasMessageContaining("a=b");
	}

}
