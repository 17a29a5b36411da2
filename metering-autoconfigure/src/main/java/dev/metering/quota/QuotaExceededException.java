package dev.metering.quota;

import java.math.BigDecimal;
import java.net.URI;
import java.time.Instant;

import org.jspecify.annotations.Nullable;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.web.ErrorResponseException;

/**
 * A call over a hard quota, for code that enforces programmatically: a 429 with the kit's problem
 * body (RFC 9457: type, title, status, detail, tenant, meter, limit, used, reset,
 * violated-policies) and the {@code Retry-After}, {@code RateLimit-Policy} and {@code RateLimit}
 * fields. The kit's exception handler turns it into that response in Spring MVC.
 */
public class QuotaExceededException extends ErrorResponseException {

	/** The default problem type. */
	public static final URI DEFAULT_TYPE = URI.create("https://metering.dev/problems/quota-exceeded");

	private final QuotaDecision decision;

	/**
	 * Creates the exception.
	 * @param decision a denying decision
	 * @param type the problem type, or {@code null} for {@link #DEFAULT_TYPE}
	 * @param now the current time (for {@code Retry-After} and {@code RateLimit})
	 */
	public QuotaExceededException(QuotaDecision decision, @Nullable URI type, Instant now) {
		super(HttpStatus.TOO_MANY_REQUESTS, problem(decision, (type != null) ? type : DEFAULT_TYPE), null);
		this.decision = decision;
		HttpHeaders headers = getHeaders();
		headers.set(RateLimitFields.RETRY_AFTER, Long.toString(RateLimitFields.retryAfter(decision, now)));
		if (!decision.enforcedPolicies().isEmpty()) {
			headers.set(RateLimitFields.POLICY, RateLimitFields.policy(decision.enforcedPolicies()));
			headers.set(RateLimitFields.RATE_LIMIT, RateLimitFields.rateLimit(decision.enforcedPolicies(), now));
		}
	}

	/**
	 * Returns an allowing decision, or throws for a denying one.
	 * @param decision a decision of {@link QuotaEnforcementService}
	 * @param now the current time
	 * @return the decision when allowed
	 * @throws QuotaExceededException when denied
	 */
	public static QuotaDecision requireAllowed(QuotaDecision decision, Instant now) {
		if (!decision.allowed()) {
			throw new QuotaExceededException(decision, null, now);
		}
		return decision;
	}

	/**
	 * The decision that denied the call.
	 * @return the decision
	 */
	public QuotaDecision getDecision() {
		return this.decision;
	}

	/**
	 * The problem body of a denying decision.
	 * @param decision the decision
	 * @param type the problem type
	 * @return the problem, with the kit's extension members
	 */
	public static ProblemDetail problem(QuotaDecision decision, URI type) {
		ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.TOO_MANY_REQUESTS, detail(decision));
		problem.setType(type);
		problem.setTitle("Quota exceeded");
		problem.setProperty("tenant", decision.tenant());
		problem.setProperty("meter", decision.meter());
		problem.setProperty("limit", number(decision.limit()));
		problem.setProperty("used", number(decision.used()));
		problem.setProperty("reset", (decision.reset() != null) ? decision.reset().toString() : null);
		problem.setProperty("violated-policies", decision.violatedPolicies());
		return problem;
	}

	/**
	 * The human-readable detail of a denying decision.
	 * @param decision the decision
	 * @return the detail
	 */
	public static String detail(QuotaDecision decision) {
		PolicyUsage policy = decision.policy();
		if (policy == null) {
			return "Tenant '" + decision.tenant() + "' may not use meter '" + decision.meter() + "' now.";
		}
		if (!decision.usageKnown()) {
			return "Usage of meter '" + decision.meter() + "' by tenant '" + decision.tenant()
					+ "' cannot be read right now; calls are refused until it can.";
		}
		return "Tenant '" + policy.scope() + "' has used " + policy.used().stripTrailingZeros().toPlainString()
				+ " of its " + policy.limit().stripTrailingZeros().toPlainString() + " " + decision.meter() + " per "
				+ policy.policy().window().id() + " (policy " + policy.policy().name() + "); the quota resets at "
				+ policy.reset() + ".";
	}

	/** A quantity as a JSON number: integral values as integers. */
	static @Nullable Number number(@Nullable BigDecimal value) {
		if (value == null) {
			return null;
		}
		BigDecimal stripped = value.stripTrailingZeros();
		return (stripped.scale() <= 0 && stripped.precision() - stripped.scale() < 19) ? stripped.longValueExact()
				: stripped;
	}

}
