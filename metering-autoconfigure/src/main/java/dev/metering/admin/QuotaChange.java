package dev.metering.admin;

import java.math.BigDecimal;
import java.util.List;
import java.util.Map;

import org.jspecify.annotations.Nullable;

/**
 * A quota to set on a plan or tenant, as given: {@link MeteringAdmin} validates each field.
 *
 * @param meter the meter, e.g. {@code api.calls}
 * @param window {@code hour}, {@code day} or {@code month}
 * @param limit the most usage per window, not negative ({@code 0} cuts the meter off)
 * @param enforcement {@code hard} (default when {@code null}), {@code soft} or {@code monitor}
 * @param softThreshold optional fraction of the limit in (0, 1] from which a warning is published
 * @param filter optional dimension values the quota is limited to, e.g. {@code {"model": "gpt-4o"}}
 * @param thresholds optional notification thresholds, each a percentage of the limit ({@code "80%"})
 * or an amount ({@code "800"}), as {@code metering.plans.<plan>.quotas[i].thresholds} takes them
 */
public record QuotaChange(@Nullable String meter, @Nullable String window, @Nullable BigDecimal limit,
		@Nullable String enforcement, @Nullable Double softThreshold, @Nullable Map<String, String> filter,
		@Nullable List<String> thresholds) {

	/**
	 * A change of a quota without thresholds.
	 * @param meter the meter
	 * @param window the window
	 * @param limit the limit
	 * @param enforcement the enforcement
	 * @param softThreshold the warning fraction
	 * @param filter the dimension values it is limited to
	 */
	public QuotaChange(@Nullable String meter, @Nullable String window, @Nullable BigDecimal limit,
			@Nullable String enforcement, @Nullable Double softThreshold, @Nullable Map<String, String> filter) {
		this(meter, window, limit, enforcement, softThreshold, filter, null);
	}

	/**
	 * A change of a quota of every event of its meter.
	 * @param meter the meter
	 * @param window the window
	 * @param limit the limit
	 * @param enforcement the enforcement
	 * @param softThreshold the warning fraction
	 */
	public QuotaChange(@Nullable String meter, @Nullable String window, @Nullable BigDecimal limit,
			@Nullable String enforcement, @Nullable Double softThreshold) {
		this(meter, window, limit, enforcement, softThreshold, null);
	}

}
