package dev.metering.autoconfigure;

import java.math.RoundingMode;

import dev.metering.api.ApiAccess;
import dev.metering.api.ApiKeyAccess;
import dev.metering.api.TenantPrincipalAccess;
import dev.metering.api.UsageApiController;
import dev.metering.billing.BillingReportService;
import dev.metering.billing.InvalidBillingConfigurationException;
import dev.metering.billing.PlanPricingSource;
import dev.metering.billing.PricingModel;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The billing and API auto-configurations: billing on by default, the API off until enabled,
 * an API without key refused at start-up unless in local mode, wrong prices and a close shorter
 * than the late window refused naming the property, and user beans winning.
 */
class MeteringApiAutoConfigurationTests {

	private final WebApplicationContextRunner runner = new WebApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(DataSourceAutoConfiguration.class,
				MeteringLedgerAutoConfiguration.class, MeteringRollupAutoConfiguration.class,
				MeteringQuotaAutoConfiguration.class, MeteringWebAutoConfiguration.class,
				MeteringBillingAutoConfiguration.class, MeteringApiAutoConfiguration.class))
		.withPropertyValues("spring.datasource.url=jdbc:h2:mem:api-autoconfig;DB_CLOSE_DELAY=-1",
				"metering.jdbc.table-prefix=api_autoconfig_", "metering.rollup.enabled=false",
				"metering.billing.plans.pro.currency=EUR", "metering.billing.plans.pro.prices[0].meter=api.calls",
				"metering.billing.plans.pro.prices[0].model=package",
				"metering.billing.plans.pro.prices[0].unit-price=5",
				"metering.billing.plans.pro.prices[0].package-size=1000");

	@Test
	void billingIsOnAndTheApiOffByDefault() {
		this.runner.run((context) -> {
			assertThat(context).hasSingleBean(BillingReportService.class).doesNotHaveBean(UsageApiController.class);
			assertThat(context.getBean(PlanPricingSource.class).pricingOf("pro")).get()
				.satisfies((pro) -> assertThat(pro.prices().get(0).model()).isEqualTo(PricingModel.PACKAGE));
			assertThat(context.getBean(BillingReportService.class).getRounding()).isEqualTo(RoundingMode.HALF_UP);
		});
	}

	@Test
	void anApiWithoutKeyDoesNotStart() {
		this.runner.withPropertyValues("metering.api.enabled=true")
			.withClassLoader(new FilteredClassLoader("org.springframework.security"))
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.isInstanceOf(InvalidBillingConfigurationException.class)
				.hasMessageContaining("metering.api.api-key"));
	}

	@Test
	void theApiKeyOrLocalModeLetsItStart() {
		this.runner.withPropertyValues("metering.api.enabled=true", "metering.api.api-key=k")
			.withClassLoader(new FilteredClassLoader("org.springframework.security"))
			.run((context) -> {
				assertThat(context).hasSingleBean(UsageApiController.class);
				assertThat(context.getBean(ApiAccess.class)).isInstanceOf(ApiKeyAccess.class);
			});
		// With Spring Security the caller's tenant decides, key or not ('auto').
		this.runner.withPropertyValues("metering.api.enabled=true", "metering.api.api-key=k")
			.run((context) -> assertThat(context.getBean(ApiAccess.class)).isInstanceOf(TenantPrincipalAccess.class));
		this.runner.withPropertyValues("metering.api.enabled=true", "metering.api.auth=local")
			.run((context) -> assertThat(context).hasSingleBean(UsageApiController.class));
		this.runner.withPropertyValues("metering.api.enabled=true", "metering.api.auth=principal")
			.run((context) -> assertThat(context.getBean(ApiAccess.class)).isInstanceOf(TenantPrincipalAccess.class));
	}

	@Test
	void aUserAccessRuleWins() {
		this.runner.withPropertyValues("metering.api.enabled=true")
			.withBean(ApiAccess.class, ApiAccess::anyone)
			.run((context) -> assertThat(context).hasNotFailed().hasSingleBean(ApiAccess.class));
	}

	@Test
	void aWrongPriceStopsStartUpNamingTheProperty() {
		this.runner.withPropertyValues("metering.billing.plans.pro.prices[0].package-size=0")
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.hasMessageContaining("metering.billing.plans.pro.prices[0]")
				.hasMessageContaining("package-size"));
		this.runner.withPropertyValues("metering.billing.plans.free.base-fee=0")
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.hasMessageContaining("metering.billing.plans.free.currency"));
		this.runner
			.withPropertyValues("metering.billing.plans.pro.prices[1].meter=Bad Meter",
					"metering.billing.plans.pro.prices[1].unit-price=1")
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.hasMessageContaining("metering.billing.plans.pro.prices[1].meter"));
	}

	@Test
	void aCloseShorterThanTheLateWindowStopsStartUp() {
		this.runner.withPropertyValues("metering.billing.close-after=7d", "metering.ledger.late-window=35d")
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.hasMessageContaining("metering.billing.close-after"));
		this.runner.withPropertyValues("metering.billing.close-after=40d")
			.run((context) -> assertThat(context).hasNotFailed());
	}

}
