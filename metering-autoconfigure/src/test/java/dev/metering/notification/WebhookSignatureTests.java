package dev.metering.notification;

import java.util.Set;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * The signature is the Standard Webhooks one: the specification's own example, and secrets
 * not in its {@code whsec_} form refused.
 */
class WebhookSignatureTests {

	@Test
	void theSpecificationsExampleSignsAsItSays() {
		assertThat(WebhookSignature.sign("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_p5jXN8AQM9LWM0D4loKWxJek",
				1614265330L, "{\"test\": 2432232314}"))
			.isEqualTo("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
	}

	@Test
	void anEndpointNeedsASecretInTheWhsecFormAndKnownEvents() {
		java.net.URI url = java.net.URI.create("http://127.0.0.1/hooks");
		assertThatIllegalArgumentException().isThrownBy(() -> new WebhookEndpoint(url, "secret", Set.of()));
		assertThatIllegalArgumentException().isThrownBy(() -> new WebhookEndpoint(url, "whsec_!!!", Set.of()));
		assertThatIllegalArgumentException().isThrownBy(() -> new WebhookEndpoint(url, "whsec_AAAA", Set.of()));
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new WebhookEndpoint(url, "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", Set.of("quota.nope")));
		assertThatIllegalArgumentException().isThrownBy(() -> new WebhookEndpoint(java.net.URI.create("ftp://x/"),
				"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", Set.of()));
		WebhookEndpoint endpoint = new WebhookEndpoint(url, "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
				Set.of("quota.exceeded"));
		assertThat(endpoint.receives(NotificationType.QUOTA_EXCEEDED)).isTrue();
		assertThat(endpoint.receives(NotificationType.QUOTA_THRESHOLD_REACHED)).isFalse();
		assertThat(endpoint.toString()).doesNotContain("whsec_");
	}

	@Test
	void thresholdsArePercentagesOrAmounts() {
		assertThat(Threshold.parse("80%").usageAt(java.math.BigDecimal.valueOf(1000))).isEqualByComparingTo("800");
		assertThat(Threshold.parse(" 250 ").usageAt(java.math.BigDecimal.valueOf(1000))).isEqualByComparingTo("250");
		assertThat(Threshold.parse("33.3%").usageAt(java.math.BigDecimal.TEN)).isEqualByComparingTo("3.33");
		assertThatIllegalArgumentException().isThrownBy(() -> Threshold.parse("0%"));
		assertThatIllegalArgumentException().isThrownBy(() -> Threshold.parse("lots"));
	}

}
