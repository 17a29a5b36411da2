package dev.metering.web;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import dev.metering.event.DefaultUsageRecorder;
import dev.metering.event.UsageEvent;
import dev.metering.event.UsageEventValidator;
import dev.metering.tenant.HeaderTenantResolver;
import dev.metering.tenant.TrustedProxies;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A tenant id the ledger cannot hold (longer than 128 characters, or not storable text) is
 * never served unmetered: the request is answered 400 problem+json naming the header, reaches
 * no controller, and the warning is logged at most once a minute however often it comes.
 */
@ExtendWith(OutputCaptureExtension.class)
class UnstorableTenantTests {

	private final List<UsageEvent> recorded = new ArrayList<>();

	private final MeteringFilter filter = new MeteringFilter(
			new DefaultUsageRecorder(UsageEventValidator.ledgerLimits(Clock.systemUTC()), this.recorded::add),
			new HeaderTenantResolver("X-Tenant-Id", TrustedProxies.ALL),
			new MeteringFilter.MeteringFilterSettings("http.requests", List.of("/**"), List.of(), AnonymousPolicy.SKIP,
					"anonymous"),
			Clock.systemUTC());

	@Test
	void aTenantIdTheLedgerCannotHoldIsRefusedNamingTheHeaderAndLoggedRarely(CapturedOutput output) throws Exception {
		AtomicInteger served = new AtomicInteger();
		for (String tenant : List.of("t".repeat(129), "a".repeat(5000), "bad\u0000id")) {
			for (int i = 0; i < 100; i++) {
				MockHttpServletRequest request = new MockHttpServletRequest("GET", "/api/ping");
				request.addHeader("X-Tenant-Id", tenant);
				MockHttpServletResponse response = new MockHttpServletResponse();
				this.filter.doFilter(request, response, (req, res) -> served.incrementAndGet());
				assertThat(response.getStatus()).isEqualTo(400);
				assertThat(response.getContentType()).startsWith("application/problem+json");
				assertThat(response.getContentAsString()).contains("\"field\":\"X-Tenant-Id\"")
					.doesNotContain(tenant)
					.hasSizeLessThan(1024);
			}
		}
		assertThat(served).hasValue(0);
		assertThat(this.recorded).isEmpty();
		assertThat(output.getAll().split("X-Tenant-Id", -1).length - 1).isLessThanOrEqualTo(1);
		// A tenant of 128 characters is served and metered as usual.
		MockHttpServletRequest request = new MockHttpServletRequest("GET", "/api/ping");
		request.addHeader("X-Tenant-Id", "t".repeat(128));
		MockHttpServletResponse response = new MockHttpServletResponse();
		this.filter.doFilter(request, response, (req, res) -> served.incrementAndGet());
		assertThat(response.getStatus()).isEqualTo(200);
		assertThat(served).hasValue(1);
		assertThat(this.recorded).singleElement().satisfies((event) -> assertThat(event.tenantId()).hasSize(128));
	}

}
