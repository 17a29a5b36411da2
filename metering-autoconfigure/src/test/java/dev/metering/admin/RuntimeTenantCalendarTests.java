package dev.metering.admin;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.function.BooleanSupplier;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariDataSource;
import dev.metering.autoconfigure.MeteringAdminAutoConfiguration;
import dev.metering.autoconfigure.MeteringBillingAutoConfiguration;
import dev.metering.autoconfigure.MeteringBusAutoConfiguration;
import dev.metering.autoconfigure.MeteringLedgerAutoConfiguration;
import dev.metering.autoconfigure.MeteringQuotaAutoConfiguration;
import dev.metering.autoconfigure.MeteringRollupAutoConfiguration;
import dev.metering.autoconfigure.MeteringTenantAutoConfiguration;
import dev.metering.billing.BillingPeriod;
import dev.metering.billing.BillingReport;
import dev.metering.billing.BillingReportService;
import dev.metering.quota.CachedQuotaDefinitions;
import dev.metering.quota.QuotaWindow;
import dev.metering.tenant.BillingCalendar;
import dev.metering.tenant.TenantCalendars;
import dev.metering.test.TestDatabase;
import dev.metering.test.TestSchema;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * A tenant's calendar and plan changes through the runtime definitions, on two instances
 * (application contexts on their own DataSources): a time zone and anchor day set on one reach
 * the other's calendars, quota windows and billing periods (over PostgreSQL's bus long before the
 * cache's time to live; elsewhere within it), audited; a part-hour zone or a bad anchor is refused
 * naming the field and changes nothing; a plan assigned from the 10th of a past month is billed
 * in two parts.
 */
class RuntimeTenantCalendarTests {

	private static final Instant NOW = Instant.parse("2026-12-05T10:00:00Z");

	private static ApplicationContextRunner runner(TestSchema schema, DataSource dataSource) {
		boolean bus = schema.database() == TestDatabase.POSTGRESQL;
		return new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(MeteringTenantAutoConfiguration.class,
					MeteringLedgerAutoConfiguration.class, MeteringRollupAutoConfiguration.class,
					MeteringAdminAutoConfiguration.class, MeteringQuotaAutoConfiguration.class,
					MeteringBusAutoConfiguration.class, MeteringBillingAutoConfiguration.class))
			.withBean(DataSource.class, () -> dataSource)
			.withBean(Clock.class, () -> Clock.fixed(NOW, ZoneOffset.UTC))
			.withPropertyValues("metering.jdbc.table-prefix=" + schema.prefix(), "metering.jdbc.initialize-schema=never",
					"metering.rollup.enabled=false", "metering.cache.definitions-ttl=" + (bus ? "1h" : "300ms"),
					"metering.default-plan=free", "metering.plans.free.quotas[0].meter=api.calls",
					"metering.plans.free.quotas[0].limit=100", "metering.plans.free.quotas[0].window=day",
					"metering.plans.pro.quotas[0].meter=api.calls", "metering.plans.pro.quotas[0].limit=1000",
					"metering.plans.pro.quotas[0].window=day", "metering.billing.plans.free.currency=EUR",
					"metering.billing.plans.free.base-fee=30", "metering.billing.plans.free.prices[0].meter=api.calls",
					"metering.billing.plans.free.prices[0].unit-price=0.10", "metering.billing.plans.pro.currency=EUR",
					"metering.billing.plans.pro.base-fee=90", "metering.billing.plans.pro.prices[0].meter=api.calls",
					"metering.billing.plans.pro.prices[0].unit-price=0.01");
	}

	@ParameterizedTest
	@EnumSource(TestDatabase.class)
	void aCalendarSetOnOneInstanceReachesTheOthersWindowsAndPeriods(TestDatabase database) throws Exception {
		try (TestSchema schema = database.newSchema(); HikariDataSource first = database.newDataSource(4);
				HikariDataSource second = database.newDataSource(4)) {
			runner(schema, first).run((one) -> runner(schema, second).run((two) -> {
				if (database == TestDatabase.POSTGRESQL) {
					await(() -> one.getBean(dev.metering.quota.bus.QuotaInvalidationBus.class).state().connected()
							&& two.getBean(dev.metering.quota.bus.QuotaInvalidationBus.class).state().connected());
				}
				TenantCalendars calendars = two.getBean(TenantCalendars.class);
				CachedQuotaDefinitions quotas = two.getBean(CachedQuotaDefinitions.class);
				assertThat(calendars.calendarOf("acme")).isSameAs(BillingCalendar.UTC);
				assertThat(quotas.quotasOf("acme").calendar()).isSameAs(BillingCalendar.UTC);

				MeteringAdmin admin = one.getBean(MeteringAdmin.class);
				admin.putTenant("ops", "acme",
						new TenantChange(null, null, null, null, null, "Europe/Berlin", 15, null));
				BillingCalendar berlin = BillingCalendar.of(ZoneId.of("Europe/Berlin"), 15);
				await(() -> calendars.calendarOf("acme").equals(berlin)
						&& quotas.quotasOf("acme").calendar().equals(berlin));
				assertThat(QuotaWindow.DAY.bounds(NOW, quotas.quotasOf("acme").calendar()).start())
					.isEqualTo(Instant.parse("2026-12-04T23:00:00Z"));
				assertThat(two.getBean(BillingReportService.class).periodOf("acme", NOW))
					.isEqualTo(new BillingPeriod(Instant.parse("2026-11-14T23:00:00Z"),
							Instant.parse("2026-12-14T23:00:00Z")));
				assertThat(admin.audit("tenant:acme", 10)).anySatisfy((entry) -> assertThat(entry.newValue())
					.contains("time-zone=Europe/Berlin")
					.contains("anchor-day=15"));

				// A part-hour zone or an anchor out of range: 400 naming the field, nothing written.
				assertThatExceptionOfType(InvalidDefinitionException.class)
					.isThrownBy(() -> admin.putTenant("ops", "acme",
							new TenantChange(null, null, null, null, null, "America/St_Johns", null, null)))
					.satisfies((ex) -> assertThat(ex.getField()).isEqualTo("time_zone"))
					.withMessageContaining("-03:30");
				assertThatExceptionOfType(InvalidDefinitionException.class)
					.isThrownBy(() -> admin.putTenant("ops", "acme",
							new TenantChange(null, null, null, null, null, null, 32, null)))
					.satisfies((ex) -> assertThat(ex.getField()).isEqualTo("anchor_day"));
				assertThat(one.getBean(TenantCalendars.class).calendarOf("acme")).isEqualTo(berlin);
				assertThat(admin.audit("tenant:acme", 10)).hasSize(1);

				// "" returns to the configured calendar (UTC here).
				admin.putTenant("ops", "acme", new TenantChange(null, null, null, null, null, "", 0, null));
				await(() -> calendars.calendarOf("acme").isUtc() && quotas.quotasOf("acme").calendar().isUtc());
			}));
		}
	}

	@ParameterizedTest
	@EnumSource(TestDatabase.class)
	void aPlanAssignedFromTheTenthBillsTheMonthInTwoParts(TestDatabase database) {
		try (TestSchema schema = database.newSchema(); HikariDataSource first = database.newDataSource(4)) {
			runner(schema, first).run((one) -> {
				MeteringAdmin admin = one.getBean(MeteringAdmin.class);
				assertThatExceptionOfType(InvalidDefinitionException.class)
					.isThrownBy(() -> admin.putTenant("ops", "acme", new TenantChange("pro", null, null, null, null, null,
							null, Instant.parse("2026-11-10T00:30:00Z"))))
					.satisfies((ex) -> assertThat(ex.getField()).isEqualTo("plan_effective_from"));
				assertThatExceptionOfType(InvalidDefinitionException.class)
					.isThrownBy(() -> admin.putTenant("ops", "acme", new TenantChange("pro", null, null, null, null, null,
							null, Instant.parse("2026-12-10T00:00:00Z"))))
					.satisfies((ex) -> assertThat(ex.getField()).isEqualTo("plan_effective_from"));
				admin.putTenant("ops", "acme", new TenantChange("pro", null, null, null, null, null, null,
						Instant.parse("2026-11-10T00:00:00Z")));

				BillingReportService reports = one.getBean(BillingReportService.class);
				BillingReport november = reports.report("acme", BillingPeriod.month(YearMonth.of(2026, 11)));
				assertThat(november.parts()).extracting(BillingReport.Part::plan).containsExactly("free", "pro");
				assertThat(november.parts()).extracting(BillingReport.Part::baseFee)
					.usingElementComparator(java.math.BigDecimal::compareTo)
					.containsExactly(new java.math.BigDecimal("9.00"), new java.math.BigDecimal("63.00"));
				assertThat(november.lines()).extracting((line) -> line.part().plan()).containsExactly("free", "pro");
				BillingReport october = reports.report("acme", BillingPeriod.month(YearMonth.of(2026, 10)));
				assertThat(october.plan()).isEqualTo("free");
				assertThat(october.parts()).isEmpty();
				assertThat(reports.report("acme", BillingPeriod.month(YearMonth.of(2026, 12))).plan()).isEqualTo("pro");
			});
		}
	}

	private static void await(BooleanSupplier condition) throws InterruptedException {
		long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
		while (!condition.getAsBoolean()) {
			assertThat(System.nanoTime()).as("not seen within 15 s").isLessThan(deadline);
			Thread.sleep(10);
		}
	}

}
