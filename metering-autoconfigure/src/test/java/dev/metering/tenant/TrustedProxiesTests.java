package dev.metering.tenant;

import java.util.List;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.mock.web.MockHttpServletRequest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class TrustedProxiesTests {

	private final TrustedProxies proxies = TrustedProxies
		.of(List.of("10.0.0.0/8", "192.168.1.7", "172.16.0.0/12", "fd00::/8", "::1", "2001:db8:aa::/47"));

	@ParameterizedTest
	@CsvSource({ "10.0.0.1, true", "10.255.255.255, true", "11.0.0.0, false", "9.255.255.255, false",
			"192.168.1.7, true", "192.168.1.8, false", "172.31.255.1, true", "172.32.0.1, false", "fd12:3456::1, true",
			"fe00::1, false", "::1, true", "::2, false", "2001:db8:ab:ffff::1, true", "2001:db8:ac::1, false",
			"::ffff:10.1.2.3, true", "gateway.internal, false" })
	void matchesAddressesInsideTheBlocksOnly(String address, boolean trusted) {
		assertThat(this.proxies.isTrusted(address)).as(address).isEqualTo(trusted);
	}

	@ParameterizedTest
	@ValueSource(strings = { "10.0.0.0/33", "fd00::/129", "10.0.0.0/x", "gateway.internal", "", "10.0.0.0/-1" })
	void rejectsWhatIsNoCidrBlock(String cidr) {
		assertThatIllegalArgumentException().isThrownBy(() -> TrustedProxies.of(List.of(cidr)));
	}

	@ParameterizedTest
	@CsvSource({ "127.0.0.1, acme", "203.0.113.9, " })
	void theHeaderResolverBelievesTheHeaderFromTrustedProxiesOnly(String remoteAddress, String expected) {
		TrustedProxies loopback = TrustedProxies.of(List.of("127.0.0.1"));
		HeaderTenantResolver resolver = new HeaderTenantResolver("X-Tenant-Id", loopback);
		MockHttpServletRequest request = new MockHttpServletRequest();
		request.setRemoteAddr(remoteAddress);
		request.addHeader("X-Tenant-Id", "acme");
		assertThat(resolver.resolveTenant(request)).isEqualTo(expected);
		assertThat(new HeaderTenantResolver("X-Tenant-Id", TrustedProxies.NONE).resolveTenant(request)).isNull();
		assertThat(new HeaderTenantResolver("X-Tenant-Id", TrustedProxies.ALL).resolveTenant(request))
			.isEqualTo("acme");
	}

}
