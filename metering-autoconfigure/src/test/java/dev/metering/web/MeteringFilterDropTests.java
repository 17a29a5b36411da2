package dev.metering.web;

import java.time.Clock;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import dev.metering.event.DefaultUsageRecorder;
import dev.metering.event.UsageEventValidator;
import org.junit.jupiter.api.Test;

import org.springframework.mock.web.MockFilterChain;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A request whose event the writer cannot take (buffer full) is still served: the drop is the
 * writer's to count and show in health, never an error on a request that already succeeded.
 */
class MeteringFilterDropTests {

	@Test
	void aRequestWhoseEventIsDroppedIsStillServed() throws Exception {
		AtomicInteger offered = new AtomicInteger();
		DefaultUsageRecorder recorder = new DefaultUsageRecorder(new UsageEventValidator(Clock.systemUTC(),
				java.time.Duration.ofDays(1), new java.math.BigDecimal("1000000000")), (event) -> {
			offered.incrementAndGet();
			return false;
		});
		MeteringFilter filter = new MeteringFilter(recorder, (request) -> "acme", new MeteringFilter.MeteringFilterSettings("api.requests", List.of("/**"), List.of(),
				AnonymousPolicy.SKIP, "anonymous"),
				Clock.systemUTC());
		MockHttpServletRequest request = new MockHttpServletRequest("GET", "/projects");
		MockHttpServletResponse response = new MockHttpServletResponse();

		filter.doFilter(request, response, new MockFilterChain());

		assertThat(offered).hasValue(1);
		assertThat(response.getStatus()).isEqualTo(200);
	}

}
