package dev.metering.autoconfigure;

import java.util.ArrayList;
import java.util.List;

import dev.metering.tenant.TrustedProxies;
import org.apache.catalina.Context;
import org.apache.catalina.authenticator.AuthenticatorBase;
import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.core.StandardPipeline;
import org.apache.catalina.valves.ValveBase;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

/**
 * The peer address is kept as an attribute whenever the remote address is not the peer's, or a
 * later valve could still make it so; otherwise the remote address is the peer and no attribute is
 * set.
 */
class PeerAddressValveTests {

	private final Response response = mock(Response.class);

	@Test
	void aRemoteAddressRewrittenBeforeTheValveKeepsThePeerAsTheAttribute() throws Exception {
		Pipeline pipeline = new Pipeline(new Authenticator());
		Request request = request("10.0.0.7", "203.0.113.9");
		pipeline.valve.invoke(request, this.response);
		verify(request).setAttribute(TrustedProxies.PEER_ADDRESS_ATTRIBUTE, "10.0.0.7");
		assertThat(pipeline.servlet.invoked).containsExactly(request);
	}

	@Test
	void theRemoteAddressThatIsThePeersSetsNoAttribute() throws Exception {
		Pipeline pipeline = new Pipeline(new Authenticator());
		Request request = request("10.0.0.7", "10.0.0.7");
		pipeline.valve.invoke(request, this.response);
		verify(request, never()).setAttribute(eq(TrustedProxies.PEER_ADDRESS_ATTRIBUTE), any());
		assertThat(pipeline.servlet.invoked).containsExactly(request);
	}

	@Test
	void aLaterValveThatMightRewriteTheRemoteAddressGetsThePeerAsTheAttribute() throws Exception {
		Pipeline pipeline = new Pipeline(new Authenticator(), new Passing());
		Request request = request("10.0.0.7", "10.0.0.7");
		pipeline.valve.invoke(request, this.response);
		verify(request).setAttribute(TrustedProxies.PEER_ADDRESS_ATTRIBUTE, "10.0.0.7");
		assertThat(pipeline.servlet.invoked).containsExactly(request);
	}

	private static Request request(String peer, String remote) {
		Request request = mock(Request.class);
		when(request.getPeerAddr()).thenReturn(peer);
		when(request.getRemoteAddr()).thenReturn(remote);
		return request;
	}

	/** A context's pipeline: the kit's valve, the given valves after it, then the basic valve. */
	private static final class Pipeline {

		final PeerAddressValve valve = new PeerAddressValve();

		final Servlet servlet = new Servlet();

		Pipeline(ValveBase... after) {
			Context container = mock(Context.class);
			StandardPipeline pipeline = new StandardPipeline(container);
			when(container.getPipeline()).thenReturn(pipeline);
			pipeline.setBasic(this.servlet);
			pipeline.addValve(this.valve);
			for (ValveBase valve : after) {
				pipeline.addValve(valve);
			}
		}

	}

	/** Stands for the context's basic valve: records the requests that reached it. */
	private static final class Servlet extends ValveBase {

		final List<Request> invoked = new ArrayList<>();

		@Override
		public void invoke(Request request, Response response) {
			this.invoked.add(request);
		}

	}

	/** One of Tomcat's authenticators (which never change the remote address), passing every request on. */
	private static final class Authenticator extends AuthenticatorBase {

		@Override
		public void invoke(Request request, Response response) throws java.io.IOException, jakarta.servlet.ServletException {
			getNext().invoke(request, response);
		}

		@Override
		protected boolean doAuthenticate(Request request, jakarta.servlet.http.HttpServletResponse response) {
			return true;
		}

		@Override
		protected String getAuthMethod() {
			return "NONE";
		}

	}

	/** A valve the kit does not know: it might rewrite the remote address. */
	private static final class Passing extends ValveBase {

		@Override
		public void invoke(Request request, Response response) throws java.io.IOException, jakarta.servlet.ServletException {
			getNext().invoke(request, response);
		}

	}

}
