package dev.metering.autoconfigure;

import java.util.ArrayList;
import java.util.List;

import dev.metering.tenant.PrincipalTenantResolver;
import dev.metering.web.AnonymousPolicy;
import dev.metering.web.MeteringFilter;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Metering of HTTP requests by the servlet filter, and where a request's tenant comes from,
 * under {@code metering.web}.
 */
@ConfigurationProperties("metering.web")
public class MeteringWebProperties {

	/**
	 * Whether every HTTP request is metered by the kit's servlet filter.
	 */
	private boolean enabled = true;

	/**
	 * The meter of one HTTP request (quantity 1).
	 */
	private String requestMeter = "http.requests";

	/**
	 * Path patterns of the requests to meter.
	 */
	private List<String> include = new ArrayList<>(List.of("/**"));

	/**
	 * Path patterns of requests never metered, even when included.
	 */
	private List<String> exclude = new ArrayList<>(List.of("/actuator/**", "/error"));

	/**
	 * Where the tenant of a request comes from: 'principal' (the authenticated principal's
	 * tenant-claim, or its one authority starting with tenant-authority-prefix) or 'header' (tenant-header, believed only from
	 * trusted-proxies). Unset: 'principal' when Spring Security is on the classpath, else
	 * 'header'.
	 */
	private @Nullable TenantSource tenantSource;

	/**
	 * The request header naming the tenant, when tenant-source is 'header'.
	 */
	private String tenantHeader = "X-Tenant-Id";

	/**
	 * The token claim naming the tenant, when tenant-source is 'principal'.
	 */
	private String tenantClaim = "tenant";

	/**
	 * Prefix of the granted authority naming the principal's tenant ('TENANT_acme' is tenant
	 * 'acme'), read when the principal has no tenant-claim. The principal's name is never taken
	 * as its tenant. Also what the usage API checks a caller's own tenant against.
	 */
	private String tenantAuthorityPrefix = PrincipalTenantResolver.DEFAULT_AUTHORITY_PREFIX;

	/**
	 * Client addresses whose tenant header is believed, as CIDR blocks or single addresses
	 * (IPv4 and IPv6), e.g. '10.0.0.0/8' or 'fd00::/8'. A header from any other address is
	 * ignored: the request is anonymous. Empty: no client is believed unless
	 * trust-all-clients is true.
	 */
	private List<String> trustedProxies = new ArrayList<>();

	/**
	 * Whether the tenant header is believed from every client. Any caller can then name any
	 * tenant, bill it or escape its own quota: only for local demos and services that no
	 * untrusted client can reach.
	 */
	private boolean trustAllClients;

	/**
	 * Order of the metering filter; the default runs it just after Spring Security's filter
	 * chain (-100), so the principal is known.
	 */
	private int filterOrder = MeteringFilter.DEFAULT_ORDER;

	private final Anonymous anonymous = new Anonymous();

	public boolean isEnabled() {
		return this.enabled;
	}

	public void setEnabled(boolean enabled) {
		this.enabled = enabled;
	}

	public String getRequestMeter() {
		return this.requestMeter;
	}

	public void setRequestMeter(String requestMeter) {
		this.requestMeter = requestMeter;
	}

	public List<String> getInclude() {
		return this.include;
	}

	public void setInclude(List<String> include) {
		this.include = include;
	}

	public List<String> getExclude() {
		return this.exclude;
	}

	public void setExclude(List<String> exclude) {
		this.exclude = exclude;
	}

	public @Nullable TenantSource getTenantSource() {
		return this.tenantSource;
	}

	public void setTenantSource(@Nullable TenantSource tenantSource) {
		this.tenantSource = tenantSource;
	}

	public String getTenantHeader() {
		return this.tenantHeader;
	}

	public void setTenantHeader(String tenantHeader) {
		this.tenantHeader = tenantHeader;
	}

	public String getTenantClaim() {
		return this.tenantClaim;
	}

	public void setTenantClaim(String tenantClaim) {
		this.tenantClaim = tenantClaim;
	}

	public String getTenantAuthorityPrefix() {
		return this.tenantAuthorityPrefix;
	}

	public void setTenantAuthorityPrefix(String tenantAuthorityPrefix) {
		this.tenantAuthorityPrefix = tenantAuthorityPrefix;
	}

	public List<String> getTrustedProxies() {
		return this.trustedProxies;
	}

	public void setTrustedProxies(List<String> trustedProxies) {
		this.trustedProxies = trustedProxies;
	}

	public boolean isTrustAllClients() {
		return this.trustAllClients;
	}

	public void setTrustAllClients(boolean trustAllClients) {
		this.trustAllClients = trustAllClients;
	}

	public int getFilterOrder() {
		return this.filterOrder;
	}

	public void setFilterOrder(int filterOrder) {
		this.filterOrder = filterOrder;
	}

	public Anonymous getAnonymous() {
		return this.anonymous;
	}

	/**
	 * Requests without a tenant.
	 */
	public static class Anonymous {

		/**
		 * What to do with a request that has no tenant: 'skip' it, or 'record' it under the
		 * anonymous tenant id.
		 */
		private AnonymousPolicy policy = AnonymousPolicy.SKIP;

		/**
		 * The tenant id anonymous requests are recorded under, when policy is 'record'.
		 */
		private String tenant = "anonymous";

		public AnonymousPolicy getPolicy() {
			return this.policy;
		}

		public void setPolicy(AnonymousPolicy policy) {
			this.policy = policy;
		}

		public String getTenant() {
			return this.tenant;
		}

		public void setTenant(String tenant) {
			this.tenant = tenant;
		}

	}

	/**
	 * Where the tenant of a request comes from.
	 */
	public enum TenantSource {

		/** A request header, believed only from trusted proxies. */
		HEADER,

		/** The authenticated principal: a token claim, else the principal's name. */
		PRINCIPAL

	}

}
