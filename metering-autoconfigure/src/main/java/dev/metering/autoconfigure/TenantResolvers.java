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

	static TenantResolver of(MeteringWebProperties web, @Nullable ClassLoader classLoader) {
		return switch (source(web, classLoader)) {
			case PRINCIPAL -> new PrincipalTenantResolver(web.getTenantClaim(), web.getTenantAuthorityPrefix());
			case HEADER -> new HeaderTenantResolver(web.getTenantHeader(), trustedProxies(web));
		};
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
