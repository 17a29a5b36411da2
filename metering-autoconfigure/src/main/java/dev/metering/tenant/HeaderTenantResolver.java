package dev.metering.tenant;

import jakarta.servlet.http.HttpServletRequest;
import org.jspecify.annotations.Nullable;

/**
 * The tenant named by a request header ({@code metering.web.tenant-header}, default
 * {@code X-Tenant-Id}), believed only from {@link TrustedProxies trusted proxies}: any client can
 * send the header, so from an address outside them the request has no tenant (anonymous). The
 * address checked is the connection's peer ({@link TrustedProxies#peerAddress}), never one a
 * forwarded header claims. Use it behind a gateway that authenticates the caller and sets the
 * header itself.
 */
public class HeaderTenantResolver implements TenantResolver {

	private final String headerName;

	private final TrustedProxies trustedProxies;

	/**
	 * Creates a resolver.
	 * @param headerName the header naming the tenant
	 * @param trustedProxies the client addresses whose header is believed
	 */
	public HeaderTenantResolver(String headerName, TrustedProxies trustedProxies) {
		this.headerName = headerName;
		this.trustedProxies = trustedProxies;
	}

	/**
	 * The header naming the tenant.
	 * @return the header name
	 */
	public String headerName() {
		return this.headerName;
	}

	/**
	 * Whether the resolver asks for the client's address: not when every client is trusted.
	 * @return {@code false} when the header is believed from any address
	 */
	public boolean readsPeerAddress() {
		return !this.trustedProxies.trustsAll();
	}

	@Override
	public @Nullable String resolveTenant(HttpServletRequest request) {
		String tenant = request.getHeader(this.headerName);
		// The client's address is asked for only when it decides something.
		if (tenant == null || tenant.isBlank()
				|| (!this.trustedProxies.trustsAll() && !this.trustedProxies.isTrusted(TrustedProxies.peerAddress(request)))) {
			return null;
		}
		return tenant.trim();
	}

}
