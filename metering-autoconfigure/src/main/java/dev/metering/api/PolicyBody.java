package dev.metering.api;

import java.math.BigDecimal;
import java.time.Instant;

import com.fasterxml.jackson.annotation.JsonFormat;
import com.fasterxml.jackson.annotation.JsonInclude;
import tools.jackson.databind.PropertyNamingStrategies;
import tools.jackson.databind.annotation.JsonNaming;
import dev.metering.quota.Enforcement;
import dev.metering.quota.PolicyUsage;
import dev.metering.quota.QuotaDecision;

/**
 * One quota's current window, as the usage and quota routes answer it.
 *
 * @param name the policy
 * @param scope the tenant whose usage it limits (the tenant or an ancestor)
 * @param limit the most usage per window
 * @param used the usage of the window
 * @param remaining what is left
 * @param window hour, day or month
 * @param windowStart the window's start
 * @param reset the window's end
 * @param enforcement hard, soft or monitor
 * @param nextUnitAllowed whether one more unit passes
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.ALWAYS)
record PolicyBody(String name, String scope, BigDecimal limit, BigDecimal used, BigDecimal remaining, String window,
		@JsonFormat(shape = JsonFormat.Shape.STRING) Instant windowStart,
		@JsonFormat(shape = JsonFormat.Shape.STRING) Instant reset, String enforcement, boolean nextUnitAllowed) {

	static PolicyBody of(PolicyUsage usage) {
		Enforcement enforcement = usage.policy().enforcement();
		// A hard quota with nothing left refuses the next unit; soft and monitor let it pass.
		boolean next = enforcement != Enforcement.HARD || usage.remaining().compareTo(BigDecimal.ONE) >= 0;
		return new PolicyBody(usage.policy().name(), usage.scope(), Quantities.plain(usage.limit()),
				Quantities.plain(usage.used()), Quantities.plain(usage.remaining()), usage.policy().window().id(),
				usage.windowStart(), usage.reset(), enforcement.id(), next);
	}

	static java.util.List<PolicyBody> of(QuotaDecision decision) {
		return decision.policies().stream().map(PolicyBody::of).toList();
	}

}
