package dev.metering.autoconfigure;

import java.net.URI;

import dev.metering.entitlement.FeatureNotEntitledException;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Entitlements ({@code metering.entitlement}); the features themselves are under
 * {@code metering.plans.<plan>.features} and {@code metering.tenants.<tenant>.features}.
 */
@ConfigurationProperties("metering.entitlement")
public class MeteringEntitlementProperties {

	/**
	 * Whether '@Entitled' is checked and 'EntitlementService' is available.
	 */
	private boolean enabled = true;

	/**
	 * The 'type' of the 403 problem of a feature not entitled.
	 */
	private URI problemType = FeatureNotEntitledException.DEFAULT_TYPE;

	public boolean isEnabled() {
		return this.enabled;
	}

	public void setEnabled(boolean enabled) {
		this.enabled = enabled;
	}

	public URI getProblemType() {
		return this.problemType;
	}

	public void setProblemType(URI problemType) {
		this.problemType = problemType;
	}

}
