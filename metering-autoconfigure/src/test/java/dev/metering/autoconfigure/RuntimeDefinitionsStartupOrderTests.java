package dev.metering.autoconfigure;

import java.util.List;

import dev.metering.admin.JdbcRuntimeDefinitions;
import dev.metering.meter.MeterDefinition;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The runtime definitions are read while the application starts (the layered meter and quota
 * definitions, the admin web routes, the console): on a new database they must be created after
 * the kit's schema script has run, or the first read finds no table and start-up logs that the
 * definitions could not be read.
 */
class RuntimeDefinitionsStartupOrderTests extends AbstractMeteringAutoConfigurationTests {

	@Test
	void aBeanReadingTheRuntimeDefinitionsAtStartUpFindsTheTablesOfANewDatabase() {
		this.runner.withConfiguration(AutoConfigurations.of(MeteringAdminAutoConfiguration.class))
			.withPropertyValues("metering.jdbc.initialize-schema=always")
			.withUserConfiguration(ReadsAtStartUp.class)
			.run((context) -> {
				assertThat(context).hasNotFailed();
				assertThat(context.getBean("meterDefinitionsReadAtStartUp")).isEqualTo(List.of());
				assertThat(context.getBeanFactory().getBeanDefinition("meteringRuntimeDefinitions").getDependsOn())
					.contains("meteringSchemaInitializer");
			});
	}

	@Configuration(proxyBeanMethods = false)
	static class ReadsAtStartUp {

		@Bean
		List<MeterDefinition> meterDefinitionsReadAtStartUp(JdbcRuntimeDefinitions definitions) {
			return definitions.meterDefinitions();
		}

	}

}
