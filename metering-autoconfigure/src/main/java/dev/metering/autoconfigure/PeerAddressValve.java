package dev.metering.autoconfigure;

import java.io.IOException;

import dev.metering.tenant.TrustedProxies;
import jakarta.servlet.ServletException;
import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.valves.ValveBase;

/**
 * Keeps the connection's peer address as a request attribute. Tomcat's {@code RemoteIpValve}
 * ({@code server.forward-headers-strategy=native}) replaces the remote address with what
 * {@code X-Forwarded-For} says, and by default believes it from any private or loopback address;
 * the peer address is the one no header changes.
 */
final class PeerAddressValve extends ValveBase {

	PeerAddressValve() {
		super(true);
	}

	@Override
	public void invoke(Request request, Response response) throws IOException, ServletException {
		request.setAttribute(TrustedProxies.PEER_ADDRESS_ATTRIBUTE, request.getPeerAddr());
		getNext().invoke(request, response);
	}

}
