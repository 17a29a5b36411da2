package dev.metering.admin;

import java.math.BigDecimal;

import org.jspecify.annotations.Nullable;

/**
 * A quota to set on a plan or tenant, as given: {@link MeteringAdmin} validates each field.
 *
 * @param meter the meter, e.g. {@code api.calls}
 * @param window {@code hour}, {@code day} or {@code month}
 * @param limit the most usage per window, not negative ({@code 0} cuts the meter off)
 * @param enforcement {@code hard} (default when {@code null}), {@code soft} or {@code monitor}
 * @param softThreshold optional fraction of the limit in (0, 1] from which a warning is published
 */
public record QuotaChange(@Nullable String meter, @Nullable String window, @Nullable BigDecimal limit,
		@Nullable String enforcement, @Nullable Double softThreshold) {
}
