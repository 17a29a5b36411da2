package dev.metering.autoconfigure;

import java.util.List;

import dev.metering.autoconfigure.MeteringWebProperties.TenantSource;
import dev.metering.tenant.HeaderTenantResolver;
import dev.metering.tenant.PrincipalTenantResolver;
import dev.metering.tenant.TenantResolver;
import dev.metering.tenant.TrustedProxies;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.cloud.CloudPlatform;
import org.springframework.core.env.Environment;
import org.springframework.util.ClassUtils;

/**
 * The kit's {@link TenantResolver} from {@code metering.web}: the authenticated principal by
 * default when Spring Security is present (a header can be sent by anyone), else the header,
 * believed only from trusted proxies.
 */
final class TenantResolvers {

	private static final Log logger = LogFactory.getLog(TenantResolvers.class);

	private static final String SPRING_SECURITY = "org.springframework.security.core.Authentication";

	private TenantResolvers() {
	}

	static final String TOMCAT_CONTEXT_CUSTOMIZER = "org.springframework.boot.tomcat.TomcatContextCustomizer";

	static final String TOMCAT_VALVE = "org.apache.catalina.valves.ValveBase";

	static TenantResolver of(MeteringWebProperties web, @Nullable ClassLoader classLoader, Environment environment) {
		return switch (source(web, classLoader)) {
			case PRINCIPAL -> new PrincipalTenantResolver(web.getTenantClaim(), web.getTenantAuthorityPrefix());
			case HEADER -> {
				TrustedProxies proxies = trustedProxies(web);
				if (!web.getTrustedProxies().isEmpty() && !web.isTrustAllClients()) {
					checkPeerAddressIsKnown(environment, classLoader);
				}
				yield new HeaderTenantResolver(web.getTenantHeader(), proxies);
			}
		};
	}

	/**
	 * Whether a tenant resolver may ask {@link TrustedProxies#peerAddress}: any resolver but the
	 * kit's own ones that never do (exactly those classes: a subclass may).
	 * @param resolver the application's resolver, {@code null} when there is none
	 * @return {@code false} for the principal resolver and a header resolver trusting every client
	 */
	static boolean readsPeerAddress(@Nullable TenantResolver resolver) {
		if (resolver == null) {
			return false;
		}
		if (resolver.getClass() == PrincipalTenantResolver.class) {
			return false;
		}
		return !(resolver.getClass() == HeaderTenantResolver.class && !((HeaderTenantResolver) resolver).readsPeerAddress());
	}

	/**
	 * With the server's own forwarded-header handling, the remote address is what a client's
	 * header says; only on Tomcat does the kit keep the connection's peer address. Elsewhere
	 * trusted proxies could be impersonated, so the application does not start.
	 */
	private static void checkPeerAddressIsKnown(Environment environment, @Nullable ClassLoader classLoader) {
		String strategy = environment.getProperty("server.forward-headers-strategy");
		CloudPlatform platform = CloudPlatform.getActive(environment);
		boolean nativeHeaders = "native".equalsIgnoreCase(strategy)
				|| (strategy == null && platform != null && platform.isUsingForwardHeaders());
		boolean tomcat = ClassUtils.isPresent(TOMCAT_CONTEXT_CUSTOMIZER, classLoader)
				&& ClassUtils.isPresent(TOMCAT_VALVE, classLoader);
		if (nativeHeaders && !tomcat) {
			throw new InvalidConfigurationPropertyValueException("server.forward-headers-strategy",
					(strategy != null) ? strategy : "native (" + platform + ")",
					"the server applies X-Forwarded-For to the remote address before the kit sees it, so a client "
							+ "could pose as one of metering.web.trusted-proxies; the kit reads the peer address "
							+ "only on Tomcat. Use 'framework' or 'none', or resolve tenants from the principal");
		}
	}

	static TenantSource source(MeteringWebProperties web, @Nullable ClassLoader classLoader) {
		if (web.getTenantSource() != null) {
			return web.getTenantSource();
		}
		return ClassUtils.isPresent(SPRING_SECURITY, classLoader) ? TenantSource.PRINCIPAL : TenantSource.HEADER;
	}

	private static TrustedProxies trustedProxies(MeteringWebProperties web) {
		if (web.isTrustAllClients()) {
			return TrustedProxies.ALL;
		}
		List<String> cidrs = web.getTrustedProxies();
		if (cidrs.isEmpty()) {
			logger.warn("The tenant comes from the " + web.getTenantHeader() + " header, but no client is trusted to "
					+ "send it: every request is anonymous. Set metering.web.trusted-proxies to your gateway's "
					+ "addresses, or use metering.web.tenant-source=principal.");
			return TrustedProxies.NONE;
		}
		for (int i = 0; i < cidrs.size(); i++) {
			try {
				TrustedProxies.of(List.of(cidrs.get(i)));
			}
			catch (IllegalArgumentException ex) {
				throw new InvalidConfigurationPropertyValueException("metering.web.trusted-proxies[" + i + "]",
						cidrs.get(i), ex.getMessage() + "; use a CIDR block such as 10.0.0.0/8 or fd00::/8");
			}
		}
		return TrustedProxies.of(cidrs);
	}

}
