package dev.metering.autoconfigure;

import dev.metering.meter.InvalidMeterDefinitionException;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Explains a meter definition in {@code metering.meters} that cannot work (a bad JSON Pointer, a
 * unique-count without value, a reserved or duplicate name, a group-by on the request filter's
 * meter), naming the property.
 */
class InvalidMeterDefinitionFailureAnalyzer extends AbstractFailureAnalyzer<InvalidMeterDefinitionException> {

	@Override
	protected @Nullable FailureAnalysis analyze(Throwable rootFailure, InvalidMeterDefinitionException cause) {
		String description = "Invalid meter definition:\n\n    Property: " + cause.getProperty() + "\n    Value:    "
				+ cause.getValue() + "\n    Reason:   " + cause.getReason() + "\n";
		String action = "Update '" + cause.getProperty() + "' in your application's configuration. A meter has a "
				+ "name, an aggregation (sum, count, max, min, latest or unique-count), and JSON Pointers into the "
				+ "event's data for its value and group-by (docs/meters.md).";
		return new FailureAnalysis(description, action, cause);
	}

}
