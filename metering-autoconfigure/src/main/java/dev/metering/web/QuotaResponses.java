package dev.metering.web;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;

import jakarta.servlet.http.HttpServletResponse;

import dev.metering.quota.PolicyUsage;
import dev.metering.quota.QuotaDecision;
import dev.metering.quota.QuotaExceededException;
import dev.metering.quota.RateLimitFields;

import org.springframework.http.MediaType;

/**
 * The quota fields and the 429 response, as the filter and the MVC interceptor write them, so
 * a request rejected for its request meter and one rejected for a {@code @Metered} operation
 * look the same.
 */
final class QuotaResponses {

	private QuotaResponses() {
	}

	/** Sets {@code RateLimit-Policy} and {@code RateLimit} when the decision has enforced policies. */
	static void setRateLimitFields(QuotaDecision decision, HttpServletResponse response, Instant now) {
		if (!decision.usageKnown()) {
			return;
		}
		List<PolicyUsage> enforced = decision.enforcedPolicies();
		if (!enforced.isEmpty()) {
			response.setHeader(RateLimitFields.POLICY, RateLimitFields.policy(enforced));
			response.setHeader(RateLimitFields.RATE_LIMIT, RateLimitFields.rateLimit(enforced, now));
		}
	}

	/**
	 * Adds the decision's policies to {@code RateLimit-Policy} and {@code RateLimit} fields already
	 * set (both are RFC 9651 lists), so a request checked for its request meter and for an
	 * operation shows both.
	 */
	static void addRateLimitFields(QuotaDecision decision, HttpServletResponse response, Instant now) {
		if (!decision.usageKnown()) {
			return;
		}
		List<PolicyUsage> enforced = decision.enforcedPolicies();
		if (!enforced.isEmpty()) {
			append(response, RateLimitFields.POLICY, RateLimitFields.policy(enforced));
			append(response, RateLimitFields.RATE_LIMIT, RateLimitFields.rateLimit(enforced, now));
		}
	}

	private static void append(HttpServletResponse response, String field, String members) {
		String present = response.getHeader(field);
		response.setHeader(field, (present == null || present.isEmpty()) ? members : present + ", " + members);
	}

	/** Writes the 429 problem response of a denying decision, with {@code Retry-After}. */
	static void writeRejection(QuotaDecision decision, URI problemType, HttpServletResponse response, Instant now)
			throws IOException {
		String body = ProblemJson.write(QuotaExceededException.problem(decision, problemType));
		response.setStatus(429);
		response.setHeader(RateLimitFields.RETRY_AFTER, Long.toString(RateLimitFields.retryAfter(decision, now)));
		response.setContentType(MediaType.APPLICATION_PROBLEM_JSON.toString());
		byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
		response.setContentLength(bytes.length);
		response.getOutputStream().write(bytes);
		response.flushBuffer();
	}

}
