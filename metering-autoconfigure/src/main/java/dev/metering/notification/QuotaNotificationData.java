package dev.metering.notification;

import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.Map;

import org.jspecify.annotations.Nullable;

import dev.metering.quota.PolicyUsage;

/** The data of a {@code quota.threshold_reached} or {@code quota.exceeded} notification. */
final class QuotaNotificationData {

	private QuotaNotificationData() {
	}

	/**
	 * The data.
	 * @param meter the meter
	 * @param policy the policy's usage as read
	 * @param threshold the threshold reached, null for exceeded
	 * @param at the usage the threshold (or the limit) stands for
	 * @return the data, in a stable order
	 */
	static Map<String, Object> of(String meter, PolicyUsage policy, @Nullable String threshold, BigDecimal at) {
		Map<String, Object> data = new LinkedHashMap<>();
		data.put("tenant", policy.scope());
		data.put("meter", meter);
		data.put("quota", policy.policy().name());
		data.put("window", policy.policy().window().toString());
		data.put("window_start", policy.windowStart().toString());
		data.put("reset", policy.reset().toString());
		data.put("limit", policy.limit());
		data.put("used", policy.used());
		data.put("enforcement", policy.policy().enforcement().toString());
		if (threshold != null) {
			data.put("threshold", threshold);
			data.put("threshold_usage", at);
		}
		return data;
	}

}
