package dev.metering.event;

import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Who pays for a recorded event: the tenant's billing attribution by default, and the billing
 * scope the event was built with when it names one, even the tenant itself.
 */
class BillingScopeAttributionTests {

	private final List<UsageEvent> recorded = new ArrayList<>();

	private final DefaultUsageRecorder recorder = new DefaultUsageRecorder(
			new UsageEventValidator(Clock.systemUTC(), Duration.ofDays(35), new BigDecimal("1000000000000")),
			this.recorded::add, (tenant) -> tenant.equals("project-a") ? "org-1" : tenant);

	@Test
	void anEventWithoutABillingScopeIsBilledAsItsTenantsAttributionSays() {
		this.recorder.record(UsageEvent.builder("project-a", "api.calls").build());
		assertThat(this.recorded).singleElement()
			.satisfies((event) -> assertThat(event.billingScopeId()).isEqualTo("org-1"));
	}

	@Test
	void anEventBuiltWithItsOwnBillingScopeKeepsItEvenWhenItIsTheTenant() {
		String tenant = "project-a";
		this.recorder.record(UsageEvent.builder(tenant, "api.calls").billingScopeId(tenant).build());
		this.recorder.record(UsageEvent.builder(tenant, "api.calls").billingScopeId("project-a").build());
		this.recorder.recordAll(List.of(UsageEvent.builder(tenant, "api.calls").billingScopeId(tenant).build()));
		this.recorder.record(UsageEvent.builder(tenant, "api.calls").billingScopeId("reseller-x").build());
		assertThat(this.recorded).extracting(UsageEvent::billingScopeId)
			.containsExactly("project-a", "project-a", "project-a", "reseller-x");
	}

}
