package dev.metering.autoconfigure;

import java.io.IOException;

import dev.metering.tenant.TrustedProxies;
import jakarta.servlet.ServletException;
import org.apache.catalina.Container;
import org.apache.catalina.Valve;
import org.apache.catalina.authenticator.AuthenticatorBase;
import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.valves.ValveBase;

/**
 * Keeps the connection's peer address as a request attribute. Tomcat's {@code RemoteIpValve}
 * ({@code server.forward-headers-strategy=native}) replaces the remote address with what
 * {@code X-Forwarded-For} says, and by default believes it from any private or loopback address;
 * the peer address is the one no header changes.
 * <p>
 * The attribute is set only when the remote address is not the peer's already (a valve before
 * this one rewrote it), or when a valve after this one might still rewrite it: otherwise
 * {@link TrustedProxies#peerAddress} reads the peer from the innermost request's remote address.
 * A request attribute costs Tomcat a map entry and a copy of its listener array on every request.
 */
final class PeerAddressValve extends ValveBase {

	PeerAddressValve() {
		super(true);
	}

	@Override
	public void invoke(Request request, Response response) throws IOException, ServletException {
		String peer = request.getPeerAddr();
		if (peer == null || !peer.equals(request.getRemoteAddr()) || laterValveMayRewrite()) {
			request.setAttribute(TrustedProxies.PEER_ADDRESS_ATTRIBUTE, peer);
		}
		getNext().invoke(request, response);
	}

	/**
	 * Whether a valve between this one and the servlet could change the remote address: any but
	 * Tomcat's authenticators and the context's basic valve. A few hops, so asked per request
	 * rather than kept, which would miss a valve added later.
	 */
	private boolean laterValveMayRewrite() {
		Container container = getContainer();
		Valve basic = (container != null) ? container.getPipeline().getBasic() : null;
		for (Valve valve = getNext(); valve != null && valve != basic; valve = valve.getNext()) {
			if (!(valve instanceof AuthenticatorBase)) {
				return true;
			}
		}
		return basic == null;
	}

}
