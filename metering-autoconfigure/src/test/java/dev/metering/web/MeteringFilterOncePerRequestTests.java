package dev.metering.web;

import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import jakarta.servlet.DispatcherType;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.junit.jupiter.api.Test;

import dev.metering.event.DefaultUsageRecorder;
import dev.metering.event.UsageEvent;
import dev.metering.event.UsageEventValidator;
import dev.metering.operation.MeteredRequest;

import org.springframework.mock.web.MockFilterChain;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.web.context.request.async.DeferredResult;
import org.springframework.web.context.request.async.StandardServletAsyncWebRequest;
import org.springframework.web.context.request.async.WebAsyncManager;
import org.springframework.web.context.request.async.WebAsyncUtils;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The filter meters a request once, however often it is in the chain, without the request
 * attribute {@code OncePerRequestFilter} would set and remove on every request: the request's
 * {@link MeteredRequest} is the mark.
 */
class MeteringFilterOncePerRequestTests {

	private final List<UsageEvent> recorded = new CopyOnWriteArrayList<>();

	private final MeteringFilter filter = new MeteringFilter(
			new DefaultUsageRecorder(UsageEventValidator.standard(Clock.systemUTC(), Duration.ofDays(1),
					new BigDecimal("1000000000")), this.recorded::add),
			(request) -> request.getHeader("X-Tenant-Id"), new MeteringFilter.MeteringFilterSettings("api.requests",
					List.of("/**"), List.of("/health"), AnonymousPolicy.SKIP, "anonymous"),
			Clock.systemUTC());

	@Test
	void aFilterTwiceInTheChainMetersTheRequestOnce() throws Exception {
		List<Object> seenByServlet = new CopyOnWriteArrayList<>();
		MockHttpServletRequest request = new MockHttpServletRequest("GET", "/projects");
		request.addHeader("X-Tenant-Id", "acme");
		MockFilterChain chain = new MockFilterChain(servlet(seenByServlet), this.filter, this.filter);

		chain.doFilter(request, new MockHttpServletResponse());

		assertThat(this.recorded).singleElement().satisfies((event) -> assertThat(event.tenantId()).isEqualTo("acme"));
		// The servlet saw the request's state and no attribute of the filter's own besides it.
		assertThat(seenByServlet).singleElement().isInstanceOf(MeteredRequest.class);
	}

	@Test
	void eachRequestIsMeteredAndAPathNotIncludedIsNot() throws Exception {
		for (String path : List.of("/projects", "/projects/7", "/health")) {
			MockHttpServletRequest request = new MockHttpServletRequest("GET", path);
			request.addHeader("X-Tenant-Id", "acme");
			this.filter.doFilter(request, new MockHttpServletResponse(), new MockFilterChain());
		}
		assertThat(this.recorded).hasSize(2);
	}

	@Test
	void anAsyncDispatchCompletesTheRequestItsFirstDispatchStarted() throws Exception {
		MockHttpServletRequest request = new MockHttpServletRequest("GET", "/projects");
		request.addHeader("X-Tenant-Id", "acme");
		request.setAsyncSupported(true);
		MockHttpServletResponse response = new MockHttpServletResponse();
		MockFilterChain starting = new MockFilterChain(new HttpServlet() {
			@Override
			protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws ServletException {
				WebAsyncManager async = WebAsyncUtils.getAsyncManager(req);
				async.setAsyncWebRequest(new StandardServletAsyncWebRequest(req, resp));
				try {
					async.startDeferredResultProcessing(new DeferredResult<>());
				}
				catch (Exception ex) {
					throw new ServletException(ex);
				}
			}
		}, this.filter);

		starting.doFilter(request, response);
		assertThat(this.recorded).isEmpty();

		request.setDispatcherType(DispatcherType.ASYNC);
		request.setAsyncStarted(false);
		new MockFilterChain(servlet(new CopyOnWriteArrayList<>()), this.filter).doFilter(request, response);
		assertThat(this.recorded).hasSize(1);
	}

	private static HttpServlet servlet(List<Object> seen) {
		return new HttpServlet() {
			@Override
			protected void doGet(HttpServletRequest request, HttpServletResponse response) {
				request.getAttributeNames().asIterator().forEachRemaining((name) -> seen.add(request.getAttribute(name)));
			}
		};
	}

}
