package dev.metering.quota;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;

import dev.metering.rollup.UsageReader;
import org.jspecify.annotations.Nullable;

/**
 * The answer of a quota check.
 *
 * @param outcome allow, warn (proceed, but a warning level is passed) or deny
 * @param tenant the tenant checked (first scope of the lineage)
 * @param meter the meter
 * @param quantity the quantity asked for
 * @param policy the policy that decided: the violated one with the latest reset when denied,
 * otherwise the enforced one with the least remaining; {@code null} when no quota applies
 * @param policies every policy checked, of every scope of the lineage
 * @param violatedPolicies names of the hard policies the call would pass
 * @param usageKnown whether every usage could be read (see {@code metering.quota.on-unknown-usage})
 * @param reservation the quota held for an allowed call; release it once its usage is recorded
 */
public record QuotaDecision(Outcome outcome, String tenant, String meter, BigDecimal quantity,
		@Nullable PolicyUsage policy, List<PolicyUsage> policies, List<String> violatedPolicies, boolean usageKnown,
		Reservation reservation) {

	public QuotaDecision {
		policies = List.copyOf(policies);
		violatedPolicies = List.copyOf(violatedPolicies);
	}

	/**
	 * A decision for a call no quota applies to.
	 * @param tenant the tenant
	 * @param meter the meter
	 * @param quantity the quantity
	 * @return an allowing decision without policy
	 */
	public static QuotaDecision unlimited(String tenant, String meter, BigDecimal quantity) {
		return new QuotaDecision(Outcome.ALLOW, tenant, meter, quantity, null, List.of(), List.of(), true,
				Reservation.NONE);
	}

	/**
	 * This decision with each policy's used and remaining as the ledger has them: a hard quota's
	 * decision counts budget other instances hold as used, a status answer shows the usage.
	 * @param usage reads the scopes' usage (rollups and unfolded rows)
	 * @return the decision with exact usage
	 */
	public QuotaDecision withLedgerUsage(UsageReader usage) {
		List<PolicyUsage> exact = this.policies.stream().map((p) -> {
			BigDecimal used = usage.tenantUsage(p.scope(), this.meter, p.windowStart(), p.reset());
			BigDecimal remaining = p.limit().subtract(used).max(BigDecimal.ZERO).min(p.remaining());
			return new PolicyUsage(p.policy(), p.scope(), used, remaining, p.windowStart(), p.reset(), p.exceeded());
		}).toList();
		return new QuotaDecision(this.outcome, this.tenant, this.meter, this.quantity, this.policy, exact,
				this.violatedPolicies, this.usageKnown, this.reservation);
	}

	/**
	 * Whether the call may proceed.
	 * @return {@code false} only when denied
	 */
	public boolean allowed() {
		return this.outcome != Outcome.DENY;
	}

	/**
	 * The deciding policy's name.
	 * @return the name, or {@code null} without policy
	 */
	public @Nullable String policyName() {
		return (this.policy != null) ? this.policy.policy().name() : null;
	}

	/**
	 * The deciding policy's limit.
	 * @return the limit, or {@code null} without policy
	 */
	public @Nullable BigDecimal limit() {
		return (this.policy != null) ? this.policy.limit() : null;
	}

	/**
	 * Usage of the deciding policy's window.
	 * @return the usage, or {@code null} without policy
	 */
	public @Nullable BigDecimal used() {
		return (this.policy != null) ? this.policy.used() : null;
	}

	/**
	 * What is left of the deciding policy's limit.
	 * @return the remaining quantity, or {@code null} without policy
	 */
	public @Nullable BigDecimal remaining() {
		return (this.policy != null) ? this.policy.remaining() : null;
	}

	/**
	 * When the deciding policy's window ends.
	 * @return the reset instant, or {@code null} without policy
	 */
	public @Nullable Instant reset() {
		return (this.policy != null) ? this.policy.reset() : null;
	}

	/**
	 * The policies a client sees in the RateLimit fields: hard and soft ones (monitor quotas are
	 * invisible to clients).
	 * @return the enforced policies
	 */
	public List<PolicyUsage> enforcedPolicies() {
		for (int i = 0; i < this.policies.size(); i++) {
			if (this.policies.get(i).policy().enforcement() == Enforcement.MONITOR) {
				return this.policies.stream().filter((p) -> p.policy().enforcement() != Enforcement.MONITOR).toList();
			}
		}
		// No monitor quota among them (the usual case): the list itself, immutable, no copy.
		return this.policies;
	}

	/**
	 * The strictest enforcement among the checked policies, for metrics.
	 * @return hard, soft or monitor, or {@code null} without policy
	 */
	public @Nullable Enforcement strictestEnforcement() {
		Enforcement strictest = null;
		for (int i = 0; i < this.policies.size(); i++) {
			Enforcement e = this.policies.get(i).policy().enforcement();
			if (strictest == null || e.ordinal() < strictest.ordinal()) {
				strictest = e;
			}
		}
		return strictest;
	}

	/**
	 * The result of a check.
	 */
	public enum Outcome {

		/** Within every quota. */
		ALLOW,

		/** Proceeds, but past a warning level or over a soft quota. */
		WARN,

		/** Over a hard quota: reject the call. */
		DENY

	}

	/**
	 * This decision holding another reservation (the reservation of several checks of one call).
	 * @param reservation the reservation
	 * @return the same decision with that reservation
	 */
	public QuotaDecision withReservation(Reservation reservation) {
		return new QuotaDecision(this.outcome, this.tenant, this.meter, this.quantity, this.policy, this.policies,
				this.violatedPolicies, this.usageKnown, reservation);
	}

}
