package dev.metering.tenant;

import java.util.List;

import org.junit.jupiter.api.Test;

import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.core.authority.SimpleGrantedAuthority;

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
	void principalResolverNeverTakesThePrincipalNameForATenant() {
		PrincipalTenantResolver resolver = new PrincipalTenantResolver("tenant");
		MockHttpServletRequest request = new MockHttpServletRequest();
		assertThat(resolver.resolveTenant(request)).isNull();
		// A user may choose a name equal to another tenant's id.
		request.setUserPrincipal(() -> "acme");
		assertThat(resolver.resolveTenant(request)).isNull();
		request.setUserPrincipal(UsernamePasswordAuthenticationToken.authenticated("acme", null,
				List.of(new SimpleGrantedAuthority("ROLE_USER"))));
		assertThat(resolver.resolveTenant(request)).isNull();
	}

	@Test
	void principalResolverReadsTheOneTenantAuthority() {
		PrincipalTenantResolver resolver = new PrincipalTenantResolver("tenant", "ORG_");
		MockHttpServletRequest request = new MockHttpServletRequest();
		request.setUserPrincipal(UsernamePasswordAuthenticationToken.authenticated("alice", null,
				List.of(new SimpleGrantedAuthority("ROLE_USER"), new SimpleGrantedAuthority("ORG_acme"))));
		assertThat(resolver.resolveTenant(request)).isEqualTo("acme");
		// Two tenants: which one the request is for cannot be told.
		request.setUserPrincipal(UsernamePasswordAuthenticationToken.authenticated("alice", null,
				List.of(new SimpleGrantedAuthority("ORG_acme"), new SimpleGrantedAuthority("ORG_globex"))));
		assertThat(resolver.resolveTenant(request)).isNull();
		// Not authenticated (yet): no tenant.
		request.setUserPrincipal(UsernamePasswordAuthenticationToken.unauthenticated("alice", null));
		assertThat(resolver.resolveTenant(request)).isNull();
	}

}
