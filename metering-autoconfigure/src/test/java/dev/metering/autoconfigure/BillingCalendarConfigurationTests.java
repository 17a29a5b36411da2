package dev.metering.autoconfigure;

import java.time.Instant;
import java.time.ZoneId;

import dev.metering.quota.InvalidQuotaConfigurationException;
import dev.metering.tenant.BillingCalendar;
import dev.metering.tenant.TenantCalendars;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code metering.tenants.<id>.billing}: a tenant's time zone and anchor day give its calendar
 * (a tenant without one follows its payer's); a zone whose offset is not whole hours or an
 * anchor out of range stops the start-up naming the property.
 */
class BillingCalendarConfigurationTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(MeteringTenantAutoConfiguration.class));

	@Test
	void aTenantsCalendarComesFromItsBillingPropertiesAndItsChildrenFollowTheirPayer() {
		this.runner
			.withPropertyValues("metering.tenants.acme.billing.time-zone=Europe/Berlin",
					"metering.tenants.acme.billing.anchor-day=15", "metering.tenants.team.parent=acme",
					"metering.tenants.team.billing-attribution=acme", "metering.tenants.other.plan=free")
			.run((context) -> {
				TenantCalendars calendars = context.getBean(TenantCalendars.class);
				BillingCalendar acme = calendars.calendarOf("acme");
				assertThat(acme.zone()).isEqualTo(ZoneId.of("Europe/Berlin"));
				assertThat(acme.anchorDay()).isEqualTo(15);
				assertThat(acme.period(Instant.parse("2026-11-20T00:00:00Z")).start())
					.isEqualTo(Instant.parse("2026-11-14T23:00:00Z"));
				assertThat(calendars.calendarOf("team")).isEqualTo(acme);
				assertThat(calendars.calendarOf("other")).isSameAs(BillingCalendar.UTC);
				assertThat(calendars.calendarOf("unknown")).isSameAs(BillingCalendar.UTC);
			});
	}

	@Test
	void partHourZonesAndAnchorsOutOfRangeStopTheStartUpNamingTheProperty() {
		for (String zone : new String[] { "America/St_Johns", "Asia/Kathmandu" }) {
			this.runner.withPropertyValues("metering.tenants.acme.billing.time-zone=" + zone)
				.run((context) -> assertThat(context).getFailure()
					.rootCause()
					.isInstanceOf(InvalidQuotaConfigurationException.class)
					.hasMessageContaining("metering.tenants.acme.billing.time-zone")
					.hasMessageContaining(zone));
		}
		this.runner.withPropertyValues("metering.tenants.acme.billing.anchor-day=32")
			.run((context) -> assertThat(context).getFailure()
				.rootCause()
				.hasMessageContaining("metering.tenants.acme.billing.anchor-day"));
	}

}
