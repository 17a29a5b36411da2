package dev.metering.autoconfigure;

import java.util.Arrays;

import org.apache.catalina.core.StandardContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.assertj.AssertableWebApplicationContext;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.tomcat.TomcatContextCustomizer;

import dev.metering.tenant.TenantResolver;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A tenant header is believed only from trusted proxies: a forged header from anywhere else is
 * never recorded or enforced as the tenant it names.
 */
@ExtendWith(OutputCaptureExtension.class)
class TenantHeaderTrustTests extends AbstractMeteringAutoConfigurationTests {

	@Test
	void aForgedHeaderFromAnUntrustedAddressIsNeitherEnforcedNorRecordedAsThatTenant() {
		this.webRunner.withPropertyValues(acmeQuota("http.requests", 0, "day"))
			.withPropertyValues("metering.web.tenant-source=header", "metering.web.trusted-proxies=10.0.0.0/8,fd00::/8",
					"metering.web.anonymous.policy=record")
			.run((context) -> {
				// From the gateway the header is believed: acme's limit of 0 rejects it.
				assertThat(MeteringConditionsTests.request(context, "acme", "10.20.30.40").getStatus()).isEqualTo(429);
				assertThat(MeteringConditionsTests.request(context, "acme", "fd00::17").getStatus()).isEqualTo(429);
				// From anywhere else the request is anonymous: not rejected as acme, not billed to it.
				assertThat(MeteringConditionsTests.request(context, "acme", "203.0.113.9").getStatus()).isEqualTo(200);
				assertThat(MeteringConditionsTests.request(context, "acme", "2001:db8::1").getStatus()).isEqualTo(200);
				assertThat(MeteringConditionsTests.request(context, "acme", "11.0.0.1").getStatus()).isEqualTo(200);
				assertThat(MeteringConditionsTests.ledgerRows(context, "acme")).isZero();
				assertThat(MeteringConditionsTests.ledgerRows(context, "anonymous")).isEqualTo(3);
			});
	}

	@Test
	void withNoTrustedProxyEveryHeaderIsIgnoredAndStartUpWarns(CapturedOutput output) {
		this.webRunner.withPropertyValues(acmeQuota("http.requests", 0, "day"))
			.withPropertyValues("metering.web.tenant-source=header")
			.run((context) -> {
				assertThat(output).contains("The tenant comes from the X-Tenant-Id header, but no client is trusted")
					.contains("metering.web.trusted-proxies");
				assertThat(MeteringConditionsTests.request(context, "acme", "127.0.0.1").getStatus()).isEqualTo(200);
				assertThat(MeteringConditionsTests.ledgerRows(context, "acme")).isZero();
			});
	}

	@Test
	void aTrustedProxyListStartsWithoutThatWarning(CapturedOutput output) {
		this.webRunner.withPropertyValues("metering.web.tenant-source=header", "metering.web.trusted-proxies=10.0.0.0/8")
			.run((context) -> assertThat(output).doesNotContain("no client is trusted"));
	}

	@Test
	void trustAllClientsBelievesEveryHeader() {
		this.webRunner.withPropertyValues(acmeQuota("http.requests", 0, "day"))
			.withPropertyValues("metering.web.tenant-source=header", "metering.web.trust-all-clients=true")
			.run((context) -> assertThat(MeteringConditionsTests.request(context, "acme", "203.0.113.9").getStatus())
				.isEqualTo(429));
	}

	@Test
	void thePeerAddressValveIsAddedOnlyWhenTheResolverMayAskForThePeerAddress() {
		// Trusted proxies: the header resolver reads the peer address, so the valve keeps it.
		this.webRunner.withPropertyValues("metering.web.tenant-source=header", "metering.web.trusted-proxies=10.0.0.0/8")
			.run((context) -> assertThat(peerAddressValves(context)).isOne());
		// Every client trusted, or the principal: nothing asks, so no valve runs on every request.
		this.webRunner.withPropertyValues("metering.web.tenant-source=header", "metering.web.trust-all-clients=true")
			.run((context) -> assertThat(peerAddressValves(context)).isZero());
		this.webRunner.withPropertyValues("metering.web.tenant-source=principal")
			.run((context) -> assertThat(peerAddressValves(context)).isZero());
		// The application's own resolver may call TrustedProxies.peerAddress: the valve stays.
		this.webRunner.withPropertyValues("metering.web.tenant-source=header", "metering.web.trust-all-clients=true")
			.withBean(TenantResolver.class, () -> (request) -> "acme")
			.run((context) -> assertThat(peerAddressValves(context)).isOne());
	}

	private static long peerAddressValves(AssertableWebApplicationContext context) {
		StandardContext tomcat = new StandardContext();
		context.getBean("meteringPeerAddressCustomizer", TomcatContextCustomizer.class).customize(tomcat);
		return Arrays.stream(tomcat.getPipeline().getValves()).filter(PeerAddressValve.class::isInstance).count();
	}

	@Test
	void aTrustedProxyThatIsNoAddressStopsStartUpNamingTheProperty() {
		this.webRunner
			.withPropertyValues("metering.web.tenant-source=header",
					"metering.web.trusted-proxies=10.0.0.0/8,gateway.internal")
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.isInstanceOf(InvalidConfigurationPropertyValueException.class)
				.hasMessageContaining("metering.web.trusted-proxies[1]")
				.hasMessageContaining("gateway.internal"));
	}

	@Test
	void withTheServersOwnForwardedHeadersAndNoWayToReadThePeerAddressStartUpStops() {
		this.webRunner.withClassLoader(new FilteredClassLoader(TomcatContextCustomizer.class))
			.withPropertyValues("metering.web.tenant-source=header", "metering.web.trusted-proxies=10.0.0.0/8",
					"server.forward-headers-strategy=native")
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.isInstanceOf(InvalidConfigurationPropertyValueException.class)
				.hasMessageContaining("server.forward-headers-strategy"));
		// Spring's ForwardedHeaderFilter only wraps the request: the peer address is still known.
		this.webRunner.withClassLoader(new FilteredClassLoader(TomcatContextCustomizer.class))
			.withPropertyValues("metering.web.tenant-source=header", "metering.web.trusted-proxies=10.0.0.0/8",
					"server.forward-headers-strategy=framework")
			.run((context) -> assertThat(context).hasNotFailed());
		this.webRunner
			.withPropertyValues("metering.web.tenant-source=header", "metering.web.trusted-proxies=10.0.0.0/8",
					"server.forward-headers-strategy=native")
			.run((context) -> assertThat(context).hasNotFailed().hasBean("meteringPeerAddressCustomizer"));
	}

}
