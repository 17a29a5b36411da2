package dev.metering.quota;

import java.net.URI;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;

import jakarta.servlet.FilterChain;

import dev.metering.event.HeldUsage;
import dev.metering.event.UsageEvent;
import dev.metering.event.UsageRecorder;
import dev.metering.operation.MeteredRequest;
import dev.metering.tenant.HeaderTenantResolver;
import dev.metering.tenant.TenantDirectory;
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

	/** Records as the kit's writer does: the event is accepted (counted as local) with what was held for it. */
	private final List<UsageEvent> recorded = new CopyOnWriteArrayList<>();

	private final UsageRecorder recorder = new UsageRecorder() {

		@Override
		public void record(UsageEvent event) {
			record(event, HeldUsage.NONE);
		}

		@Override
		public void record(UsageEvent event, HeldUsage held) {
			MeteringFilterEnforcementTests.this.quotas.local.accepted(event, held);
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

	@Test
	void theRequestsMeteringStateTravelsAsOneRequestAttribute() throws Exception {
		MeteringFilter filter = filter(false, null);
		List<String> seen = new ArrayList<>();
		AtomicReference<MeteredRequest> metered = new AtomicReference<>();
		AtomicReference<Boolean> heldInTheChain = new AtomicReference<>();
		filter.doFilter(request(), new MockHttpServletResponse(), (req, res) -> {
			Collections.list(req.getAttributeNames())
				.stream()
				.filter((name) -> name.startsWith("dev.metering.") && !name.endsWith(".FILTERED"))
				.forEach(seen::add);
			metered.set((MeteredRequest) req.getAttribute(MeteredRequest.ATTRIBUTE));
			heldInTheChain.set(metered.get().reservation().isHeld());
		});
		assertThat(seen).containsExactly("dev.metering.operation.MeteredRequest");
		assertThat(metered.get().tenant()).isEqualTo("acme");
		assertThat(metered.get().started()).isEqualTo(this.quotas.clock.instant());
		assertThat(metered.get().lineage(TenantDirectory.FLAT).scopes()).containsExactly("acme");
		// Reserved through the chain; taken over by the recorded event, which was counted once.
		assertThat(heldInTheChain.get()).isTrue();
		assertThat(metered.get().reservation().isHeld()).isFalse();
		assertThat(this.recorded).singleElement().satisfies((event) -> assertThat(event.occurredAt())
			.isEqualTo(metered.get().started()));
		// This check counts the recorded request and its own unit.
		assertThat(this.quotas.check("acme").used()).isEqualByComparingTo("2");
	}

	@Test
	void theRequestsReservationReachesTheRecorderAsAParameter() throws Exception {
		List<HeldUsage> held = new ArrayList<>();
		UsageRecorder recorder = new UsageRecorder() {

			@Override
			public void record(UsageEvent event) {
				throw new AssertionError("the request's event is recorded as built by the kit");
			}

			@Override
			public void recordBuiltByKit(UsageEvent event, HeldUsage usage) {
				held.add(usage);
				MeteringFilterEnforcementTests.this.quotas.local.accepted(event, usage);
			}

			@Override
			public void recordAll(Collection<UsageEvent> events) {
				throw new AssertionError();
			}

		};
		MeteringFilter filter = new MeteringFilter(recorder, new HeaderTenantResolver("X-Tenant-Id", TrustedProxies.ALL),
				settings(), this.quotas.clock, this.quotas.service,
				new QuotaEnforcementSettings(URI.create("https://example.com/quota"), false, null));
		AtomicReference<MeteredRequest> metered = new AtomicReference<>();
		filter.doFilter(request(), new MockHttpServletResponse(),
				(req, res) -> metered.set((MeteredRequest) req.getAttribute(MeteredRequest.ATTRIBUTE)));
		assertThat(held).containsExactly(metered.get().reservation());
		// This check counts the recorded request and its own unit.
		assertThat(this.quotas.check("acme").used()).isEqualByComparingTo("2");
	}

	private static FilterChain failingChain() {
		return (req, res) -> {
			throw new IllegalStateException("controller failed");
		};
	}

	private static MeteringFilter.MeteringFilterSettings settings() {
		return new MeteringFilter.MeteringFilterSettings("http.requests", List.of("/**"), List.of(),
				AnonymousPolicy.SKIP, "anonymous");
	}

	private MeteringFilter filter(boolean releaseOnFailure, String rejectedMeter) {
		return new MeteringFilter(this.recorder, new HeaderTenantResolver("X-Tenant-Id", TrustedProxies.ALL), settings(),
				this.quotas.clock, this.quotas.service, new QuotaEnforcementSettings(URI.create("https://example.com/quota"),
						releaseOnFailure, rejectedMeter));
	}

	private static MockHttpServletRequest request() {
		MockHttpServletRequest request = new MockHttpServletRequest("GET", "/api/ping");
		request.addHeader("X-Tenant-Id", "acme");
		return request;
	}

}
