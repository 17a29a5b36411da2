package dev.metering.tenant;

import java.security.Principal;

import org.junit.jupiter.api.Test;

import org.springframework.mock.web.MockHttpServletRequest;

import static org.assertj.core.api.Assertions.assertThat;

class TenantResolverTests {

	@Test
	void headerResolverReadsTheConfiguredHeaderAndTreatsBlankAsNone() {
		HeaderTenantResolver resolver = new HeaderTenantResolver("X-Org", TrustedProxies.ALL);
		MockHttpServletRequest request = new MockHttpServletRequest();
		assertThat(resolver.resolveTenant(request)).isNull();
		request.addHeader("X-Org", "  ");
		assertThat(resolver.resolveTenant(request)).isNull();
		MockHttpServletRequest named = new MockHttpServletRequest();
		named.addHeader("X-Org", " acme ");
		assertThat(resolver.resolveTenant(named)).isEqualTo("acme");
	}

	@Test
	void principalResolverUsesThePrincipalNameWithoutClaims() {
		PrincipalTenantResolver resolver = new PrincipalTenantResolver("tenant");
		MockHttpServletRequest request = new MockHttpServletRequest();
		assertThat(resolver.resolveTenant(request)).isNull();
		Principal principal = () -> "acme";
		request.setUserPrincipal(principal);
		assertThat(resolver.resolveTenant(request)).isEqualTo("acme");
	}

}
