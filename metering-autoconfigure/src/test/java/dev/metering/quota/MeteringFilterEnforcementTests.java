package dev.metering.quota;

import java.net.URI;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;

import jakarta.servlet.FilterChain;

import dev.metering.event.UsageEvent;
import dev.metering.event.UsageRecorder;
import dev.metering.tenant.HeaderTenantResolver;
import dev.metering.tenant.TrustedProxies;
import dev.metering.web.AnonymousPolicy;
import dev.metering.web.MeteringFilter;
import dev.metering.web.QuotaEnforcementSettings;
import org.junit.jupiter.api.Test;

import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;

import static dev.metering.quota.QuotaFixture.policy;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

class MeteringFilterEnforcementTests {

	private final QuotaFixture quotas = new QuotaFixture(List.of(policy(2, QuotaWindow.DAY, Enforcement.HARD, null)),
			Map.of());

	/** Records as the kit's writer does: the event is accepted (counted as local) on this thread. */
	private final List<UsageEvent> recorded = new CopyOnWriteArrayList<>();

	private final UsageRecorder recorder = new UsageRecorder() {

		@Override
		public void record(UsageEvent event) {
			MeteringFilterEnforcementTests.this.quotas.local.accepted(event);
			MeteringFilterEnforcementTests.this.recorded.add(event);
		}

		@Override
		public void recordAll(Collection<UsageEvent> events) {
			events.forEach(this::record);
		}

	};

	@Test
	void headersAreSetBeforeTheChainRuns() throws Exception {
		MeteringFilter filter = filter(false, null);
		AtomicReference<String> seen = new AtomicReference<>();
		MockHttpServletResponse response = new MockHttpServletResponse();
		filter.doFilter(request(), response, (req, res) -> seen.set(response.getHeader("RateLimit")));
		assertThat(seen.get()).isEqualTo("\"free-http.requests-day\";r=1;t=49500");
		assertThat(this.recorded).hasSize(1);
	}

	@Test
	void aDeniedRequestNeverReachesTheChainAndIsNotBilled() throws Exception {
		MeteringFilter filter = filter(false, "http.rejected");
		for (int i = 0; i < 2; i++) {
			filter.doFilter(request(), new MockHttpServletResponse(), (req, res) -> {
			});
		}
		MockHttpServletResponse response = new MockHttpServletResponse();
		filter.doFilter(request(), response, (req, res) -> {
			throw new AssertionError("the chain must not run");
		});
		assertThat(response.getStatus()).isEqualTo(429);
		assertThat(response.getContentType()).isEqualTo("application/problem+json");
		assertThat(response.getHeader("Retry-After")).isEqualTo("49500");
		assertThat(response.getContentAsString()).contains("\"violated-policies\":[\"free-http.requests-day\"]")
			.contains("\"limit\":2")
			.contains("\"used\":2");
		assertThat(this.recorded).extracting(UsageEvent::meter)
			.containsExactly("http.requests", "http.requests", "http.rejected");
	}

	@Test
	void aFailedRequestIsRecordedAndCountsByDefault() throws Exception {
		MeteringFilter filter = filter(false, null);
		assertThatIllegalStateException().isThrownBy(() -> filter.doFilter(request(), new MockHttpServletResponse(),
				failingChain()));
		assertThat(this.recorded).hasSize(1);
		assertThat(this.quotas.check("acme").used()).isEqualByComparingTo("2");
	}

	@Test
	void aFailedRequestGivesItsQuotaBackWhenConfigured() throws Exception {
		MeteringFilter filter = filter(true, null);
		assertThatIllegalStateException().isThrownBy(() -> filter.doFilter(request(), new MockHttpServletResponse(),
				failingChain()));
		MockHttpServletResponse serverError = new MockHttpServletResponse();
		filter.doFilter(request(), serverError, (req, res) -> serverError.setStatus(503));
		assertThat(this.recorded).isEmpty();
		assertThat(this.quotas.check("acme").used()).isEqualByComparingTo("1");
	}

	private static FilterChain failingChain() {
		return (req, res) -> {
			throw new IllegalStateException("controller failed");
		};
	}

	private MeteringFilter filter(boolean releaseOnFailure, String rejectedMeter) {
		MeteringFilter.MeteringFilterSettings settings = new MeteringFilter.MeteringFilterSettings("http.requests",
				List.of("/**"), List.of(), AnonymousPolicy.SKIP, "anonymous");
		return new MeteringFilter(this.recorder, new HeaderTenantResolver("X-Tenant-Id", TrustedProxies.ALL), settings,
				this.quotas.clock, this.quotas.service, new QuotaEnforcementSettings(URI.create("https://example.com/quota"),
						releaseOnFailure, rejectedMeter));
	}

	private static MockHttpServletRequest request() {
		MockHttpServletRequest request = new MockHttpServletRequest("GET", "/api/ping");
		request.addHeader("X-Tenant-Id", "acme");
		return request;
	}

}
