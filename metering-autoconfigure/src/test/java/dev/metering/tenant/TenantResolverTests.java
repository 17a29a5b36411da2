package dev.metering.tenant;

import java.util.List;

import org.junit.jupiter.api.Test;

import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.authentication.AbstractAuthenticationToken;
import org.springframework.security.core.authority.SimpleGrantedAuthority;
import org.springframework.security.oauth2.jwt.Jwt;

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

	@Test
	void aJwtNamesItsTenantByTheClaimAndWithoutItIsAnonymousNotItsName() {
		PrincipalTenantResolver resolver = new PrincipalTenantResolver("org");
		MockHttpServletRequest request = new MockHttpServletRequest();
		request.setUserPrincipal(token(jwt("alice", "acme"), "TENANT_globex"));
		assertThat(resolver.resolveTenant(request)).as("the claim wins over an authority").isEqualTo("acme");
		// A token without the claim, whose subject equals another tenant's id: anonymous.
		request.setUserPrincipal(token(jwt("globex", null), "ROLE_USER"));
		assertThat(request.getUserPrincipal().getName()).isEqualTo("globex");
		assertThat(resolver.resolveTenant(request)).isNull();
		// Without the claim, its one TENANT_ authority names the tenant.
		request.setUserPrincipal(token(jwt("globex", null), "TENANT_initech"));
		assertThat(resolver.resolveTenant(request)).isEqualTo("initech");
	}

	/** A bearer-token authentication as a resource server makes it: named by the subject. */
	private static AbstractAuthenticationToken token(Jwt jwt, String authority) {
		AbstractAuthenticationToken token = new AbstractAuthenticationToken(
				List.of(new SimpleGrantedAuthority(authority))) {

			@Override
			public Object getCredentials() {
				return jwt.getTokenValue();
			}

			@Override
			public Object getPrincipal() {
				return jwt;
			}

			@Override
			public String getName() {
				return jwt.getSubject();
			}

		};
		token.setAuthenticated(true);
		return token;
	}

	private static Jwt jwt(String subject, String org) {
		Jwt.Builder token = Jwt.withTokenValue("token").header("alg", "none").subject(subject);
		if (org != null) {
			token.claim("org", org);
		}
		return token.build();
	}

}
