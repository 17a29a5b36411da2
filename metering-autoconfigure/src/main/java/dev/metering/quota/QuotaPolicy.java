package dev.metering.quota;

import java.math.BigDecimal;
import java.util.Collections;
import java.util.Map;
import java.util.StringJoiner;
import java.util.TreeMap;

import org.jspecify.annotations.Nullable;

/**
 * One quota: at most {@code limit} of {@code meter} per {@code window}, optionally only of the
 * events whose dimensions match a filter.
 *
 * @param name the policy name in RateLimit fields and problem bodies, e.g.
 * {@code free-http.requests-month} (plan or tenant, meter, window); a filtered policy's name
 * holds its filter: {@code pro-llm.tokens[model=gpt-4o]-month}
 * @param meter the limited meter
 * @param limit the most usage per window, not negative
 * @param window the window
 * @param enforcement what happens over the limit
 * @param softThreshold optional fraction of the limit in (0, 1] from which a warning is published
 * @param filter dimension name to value: the policy counts and limits only events whose
 * dimensions have all these values; empty for every event of the meter
 * @param grantBalance whether the limit is a grant-backed meter's balance (its window's budget is
 * leased apart from a quota's of the same meter and window)
 */
public record QuotaPolicy(String name, String meter, BigDecimal limit, QuotaWindow window, Enforcement enforcement,
		@Nullable Double softThreshold, Map<String, String> filter, boolean grantBalance) {

	public QuotaPolicy {
		if (limit.signum() < 0) {
			throw new IllegalArgumentException("limit must not be negative, was " + limit);
		}
		if (softThreshold != null && !(softThreshold > 0 && softThreshold <= 1)) {
			throw new IllegalArgumentException("soft-threshold must be in (0, 1], was " + softThreshold);
		}
		// Sorted: the filter's key and name do not depend on the order it was written in.
		filter = (filter == null || filter.isEmpty()) ? Map.of() : Collections.unmodifiableMap(new TreeMap<>(filter));
	}

	/**
	 * A quota, optionally filtered.
	 * @param name the policy name
	 * @param meter the limited meter
	 * @param limit the most usage per window
	 * @param window the window
	 * @param enforcement what happens over the limit
	 * @param softThreshold optional warning fraction
	 * @param filter dimension name to value, empty for every event
	 */
	public QuotaPolicy(String name, String meter, BigDecimal limit, QuotaWindow window, Enforcement enforcement,
			@Nullable Double softThreshold, Map<String, String> filter) {
		this(name, meter, limit, window, enforcement, softThreshold, filter, false);
	}

	/**
	 * The same policy under another name (a level of a tenant hierarchy).
	 * @param newName the name
	 * @return the renamed policy
	 */
	public QuotaPolicy named(String newName) {
		return new QuotaPolicy(newName, this.meter, this.limit, this.window, this.enforcement, this.softThreshold,
				this.filter, this.grantBalance);
	}

	/**
	 * A policy of every event of its meter.
	 * @param name the policy name
	 * @param meter the limited meter
	 * @param limit the most usage per window
	 * @param window the window
	 * @param enforcement what happens over the limit
	 * @param softThreshold optional warning fraction
	 */
	public QuotaPolicy(String name, String meter, BigDecimal limit, QuotaWindow window, Enforcement enforcement,
			@Nullable Double softThreshold) {
		this(name, meter, limit, window, enforcement, softThreshold, Map.of());
	}

	/**
	 * The usage from which this policy warns: the soft threshold's share of the limit, else the
	 * limit itself (soft and monitor quotas warn when passed).
	 * @return the warning level
	 */
	public BigDecimal warnAt() {
		return (this.softThreshold != null) ? this.limit.multiply(BigDecimal.valueOf(this.softThreshold)) : this.limit;
	}

	/**
	 * Whether this policy counts an event of its meter with these dimensions.
	 * @param dimensions the event's dimensions
	 * @return {@code true} without a filter, or when every filtered dimension has its value
	 */
	public boolean matches(Map<String, String> dimensions) {
		if (this.filter.isEmpty()) {
			return true;
		}
		for (Map.Entry<String, String> entry : this.filter.entrySet()) {
			if (!entry.getValue().equals(dimensions.get(entry.getKey()))) {
				return false;
			}
		}
		return true;
	}

	/**
	 * The filter as one text, the same for equal filters: {@code model=gpt-4o,region=eu}; empty
	 * without a filter. Policy names and the admission rows of a window use it.
	 * @return the filter's key
	 */
	public String filterKey() {
		return filterKey(this.filter);
	}

	/**
	 * The key of a filter, as {@link #filterKey()} gives it.
	 * @param filter dimension name to value
	 * @return {@code name=value} pairs by name, joined with {@code ,}
	 */
	public static String filterKey(Map<String, String> filter) {
		if (filter.isEmpty()) {
			return "";
		}
		StringJoiner key = new StringJoiner(",");
		new TreeMap<>(filter).forEach((dimension, value) -> key.add(dimension + "=" + value));
		return key.toString();
	}

	/**
	 * The name of a policy of an owner (plan or tenant): {@code owner-meter-window}, with the
	 * filter in brackets after the meter when there is one.
	 * @param owner the plan or tenant
	 * @param meter the meter
	 * @param filter the filter, empty for none
	 * @param window the window
	 * @return the name
	 */
	public static String nameOf(String owner, String meter, Map<String, String> filter, QuotaWindow window) {
		return owner + "-" + meter + (filter.isEmpty() ? "" : "[" + filterKey(filter) + "]") + "-" + window.id();
	}

}
