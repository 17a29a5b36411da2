package dev.metering.autoconfigure;

import dev.metering.quota.InvalidQuotaConfigurationException;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Explains a wrong quota setting at start-up, naming the property, its value and what is allowed.
 */
class InvalidQuotaConfigurationFailureAnalyzer extends AbstractFailureAnalyzer<InvalidQuotaConfigurationException> {

	@Override
	protected FailureAnalysis analyze(Throwable rootFailure, InvalidQuotaConfigurationException cause) {
		String description = "Invalid quota configuration:\n\n    Property: " + cause.getProperty() + "\n    Value:    "
				+ cause.getValue() + "\n    Reason:   " + cause.getReason() + "\n";
		String action = "Update '" + cause.getProperty() + "' in your application's configuration. Quotas have a meter, "
				+ "a limit (not negative), a window (hour, day or month), an enforcement (hard, soft or monitor) and "
				+ "optionally a soft-threshold in (0, 1]; plans named by tenants and default-plan must exist.";
		return new FailureAnalysis(description, action, cause);
	}

}
