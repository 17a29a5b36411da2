package dev.metering.autoconfigure;

import java.net.URI;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

import dev.metering.quota.Enforcement;
import dev.metering.quota.InvalidQuotaConfigurationException;
import dev.metering.quota.OnUnknownUsage;
import dev.metering.quota.QuotaWindow;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.source.ConfigurationProperty;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.diagnostics.FailureAnalyzer;
import org.springframework.core.Ordered;

/**
 * Explains a wrong quota or metering setting at start-up, naming the property, its value and
 * what is allowed: both the kit's own checks ({@link InvalidQuotaConfigurationException}) and a
 * {@code metering.*} value that fails binding to an enum or URI. Ordered before Spring Boot's
 * own bind failure analyzer, which would list the enum's constants in upper case.
 */
class InvalidQuotaConfigurationFailureAnalyzer implements FailureAnalyzer, Ordered {

	private static final List<Class<?>> QUOTA_TYPES = List.of(QuotaWindow.class, Enforcement.class,
			OnUnknownUsage.class, URI.class);

	@Override
	public @Nullable FailureAnalysis analyze(Throwable failure) {
		InvalidQuotaConfigurationException invalid = findCause(failure, InvalidQuotaConfigurationException.class);
		if (invalid != null) {
			return quotaAnalysis(invalid, failure);
		}
		BindException bind = findCause(failure, BindException.class);
		return (bind != null) ? bindAnalysis(bind) : null;
	}

	@Override
	public int getOrder() {
		return Ordered.HIGHEST_PRECEDENCE;
	}

	/**
	 * What values a setting of the given type allows.
	 * @param type an enum or {@link URI}
	 * @return the reason a wrong value is wrong
	 */
	static String reasonFor(Class<?> type) {
		if (type == QuotaWindow.class) {
			return "use hour, day or month (UTC calendar periods)";
		}
		if (type == URI.class) {
			return "must be a URI";
		}
		List<String> values = Arrays.stream(type.getEnumConstants())
			.map((constant) -> ((Enum<?>) constant).name().toLowerCase(Locale.ROOT).replace('_', '-'))
			.toList();
		String last = values.get(values.size() - 1);
		return "use " + String.join(", ", values.subList(0, values.size() - 1)) + " or " + last;
	}

	private @Nullable FailureAnalysis bindAnalysis(BindException bind) {
		String property = bind.getName().toString();
		Class<?> type = bind.getTarget().getType().resolve();
		if (!property.startsWith("metering.") || type == null || !(type.isEnum() || type == URI.class)) {
			return null;
		}
		ConfigurationProperty bound = bind.getProperty();
		Object value = (bound != null) ? bound.getValue() : null;
		InvalidQuotaConfigurationException invalid = new InvalidQuotaConfigurationException(property, value,
				reasonFor(type));
		if (QUOTA_TYPES.contains(type)) {
			return quotaAnalysis(invalid, bind);
		}
		String description = "Invalid metering configuration:\n\n" + details(invalid);
		return new FailureAnalysis(description, "Update '" + property + "' in your application's configuration.",
				bind);
	}

	private FailureAnalysis quotaAnalysis(InvalidQuotaConfigurationException cause, Throwable failure) {
		String description = "Invalid quota configuration:\n\n" + details(cause);
		String action = "Update '" + cause.getProperty() + "' in your application's configuration. Quotas have a "
				+ "meter, a limit (not negative), a window (hour, day or month), an enforcement (hard, soft or "
				+ "monitor) and optionally a soft-threshold in (0, 1]; plans named by tenants and default-plan must "
				+ "exist.";
		return new FailureAnalysis(description, action, failure);
	}

	private static String details(InvalidQuotaConfigurationException cause) {
		return "    Property: " + cause.getProperty() + "\n    Value:    " + cause.getValue() + "\n    Reason:   "
				+ cause.getReason() + "\n";
	}

	private static <T extends Throwable> @Nullable T findCause(@Nullable Throwable failure, Class<T> type) {
		while (failure != null) {
			if (type.isInstance(failure)) {
				return type.cast(failure);
			}
			failure = failure.getCause();
		}
		return null;
	}

}
