package dev.metering.autoconfigure;

import java.util.UUID;

import dev.metering.autoconfigure.metrics.MeteringMetricsAutoConfiguration;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;

/**
 * Context runners with every auto-configuration of the kit on a fresh embedded H2 database, the
 * way Spring Boot's {@code AbstractSessionAutoConfigurationTests} shares its runner.
 */
abstract class AbstractMeteringAutoConfigurationTests {

	/** Every auto-configuration of the kit, in the order the imports file lists them. */
	static final AutoConfigurations KIT = AutoConfigurations.of(MeteringLedgerAutoConfiguration.class,
			MeteringRollupAutoConfiguration.class, MeteringQuotaAutoConfiguration.class,
			MeteringWebAutoConfiguration.class, MeteringMetricsAutoConfiguration.class,
			MeteringOperationAutoConfiguration.class);

	/** A database of this test's own (a context runner does not resolve random.* placeholders). */
	private final String database = "spring.datasource.url=jdbc:h2:mem:kit-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1";

	protected final WebApplicationContextRunner webRunner = new WebApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(DataSourceAutoConfiguration.class))
		.withConfiguration(KIT)
		.withPropertyValues(this.database, "metering.rollup.enabled=false");

	protected final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(DataSourceAutoConfiguration.class))
		.withConfiguration(KIT)
		.withPropertyValues(this.database, "metering.rollup.enabled=false");

	/** The properties of a quota of tenant 'acme'. */
	static String[] acmeQuota(String meter, int limit, String window) {
		String quota = "metering.tenants.acme.quotas[0].";
		return new String[] { quota + "meter=" + meter, quota + "limit=" + limit, quota + "window=" + window };
	}

	/** The properties of a plan 'free' with one quota, the default plan of every tenant. */
	static String[] freePlan(String meter, int limit, String window) {
		String quota = "metering.plans.free.quotas[0].";
		return new String[] { "metering.default-plan=free", quota + "meter=" + meter, quota + "limit=" + limit,
				quota + "window=" + window };
	}

}
