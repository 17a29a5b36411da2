package dev.metering.autoconfigure;

import java.time.YearMonth;

import dev.metering.admin.MeteringAdmin;
import dev.metering.admin.TenantChange;
import dev.metering.billing.BillingException;
import dev.metering.billing.BillingPeriod;
import dev.metering.billing.BillingReport;
import dev.metering.billing.BillingReportService;
import dev.metering.billing.TenantPlans;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * A plan assigned at runtime through {@link MeteringAdmin} is the plan billing prices with, as it
 * is the plan quotas are enforced with; without the runtime definitions the yml plan stays in force.
 */
class BillingPlanInForceTests {

	private static final BillingPeriod NOVEMBER = BillingPeriod.month(YearMonth.of(2026, 11));

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(DataSourceAutoConfiguration.class,
				MeteringLedgerAutoConfiguration.class, MeteringRollupAutoConfiguration.class,
				MeteringAdminAutoConfiguration.class, MeteringQuotaAutoConfiguration.class,
				MeteringBillingAutoConfiguration.class))
		.withPropertyValues("spring.datasource.url=jdbc:h2:mem:plan-in-force;DB_CLOSE_DELAY=-1",
				"metering.jdbc.table-prefix=plan_in_force_", "metering.rollup.enabled=false",
				"metering.plans.free.quotas[0].meter=api.calls", "metering.plans.free.quotas[0].limit=100",
				"metering.plans.pro.quotas[0].meter=api.calls", "metering.plans.pro.quotas[0].limit=100000",
				"metering.tenants.acme.plan=free", "metering.billing.plans.free.currency=EUR",
				"metering.billing.plans.free.base-fee=1", "metering.billing.plans.pro.currency=EUR",
				"metering.billing.plans.pro.base-fee=49");

	@Test
	void aPlanAssignedAtRuntimeIsThePlanTheReportPricesWith() {
		this.runner.run((context) -> {
			assertThat(context).hasSingleBean(MeteringAdmin.class);
			BillingReportService reports = context.getBean(BillingReportService.class);
			MeteringAdmin admin = context.getBean(MeteringAdmin.class);
			assertThat(reports.report("acme", NOVEMBER).plan()).isEqualTo("free");

			// A plan change bills from its effective instant on: from November's start, the whole month.
			admin.putTenant("sales", "acme",
					new TenantChange("pro", null, null, null, null, null, null, NOVEMBER.from()));
			BillingReport report = reports.report("acme", NOVEMBER);
			assertThat(report.plan()).isEqualTo("pro");
			assertThat(report.baseFee()).isEqualByComparingTo("49");

			admin.deleteTenant("sales", "acme");
			assertThat(reports.report("acme", NOVEMBER).plan()).isEqualTo("free");
		});
	}

	@Test
	void aTenantCreatedAtRuntimeIsKnownToBilling() {
		this.runner.withPropertyValues("metering.jdbc.table-prefix=plan_in_force_new_").run((context) -> {
			BillingReportService reports = context.getBean(BillingReportService.class);
			assertThatExceptionOfType(BillingException.class).isThrownBy(() -> reports.report("newco", NOVEMBER));
			context.getBean(MeteringAdmin.class)
				.putTenant("sales", "newco", new TenantChange("pro", null, null, null, null, null, null, NOVEMBER.from()));
			assertThat(context.getBean(TenantPlans.class).isKnown("newco")).isTrue();
			assertThat(reports.report("newco", NOVEMBER).plan()).isEqualTo("pro");
		});
	}

	@Test
	void withoutTheRuntimeDefinitionsTheConfiguredPlanIsInForce() {
		this.runner.withPropertyValues("metering.admin.enabled=false").run((context) -> {
			assertThat(context).doesNotHaveBean(MeteringAdmin.class);
			assertThat(context.getBean(TenantPlans.class)).isInstanceOf(PropertiesTenantPlans.class);
			assertThat(context.getBean(BillingReportService.class).report("acme", NOVEMBER).plan()).isEqualTo("free");
		});
	}

}
