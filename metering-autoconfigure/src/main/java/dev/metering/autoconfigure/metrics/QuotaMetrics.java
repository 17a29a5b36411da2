package dev.metering.autoconfigure.metrics;

import java.math.BigDecimal;
import java.util.EnumMap;
import java.util.Map;

import dev.metering.quota.Enforcement;
import dev.metering.quota.PolicyUsage;
import dev.metering.quota.QuotaDecision;
import dev.metering.quota.QuotaObserver;
import dev.metering.quota.QuotaWarningEvent;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import org.jspecify.annotations.Nullable;

/**
 * Micrometer counters of quota enforcement, tagged only by {@code enforcement} (hard, soft,
 * monitor): tenant ids would make the number of series unbounded.
 * <ul>
 * <li>{@code metering.quota.checks}: checks of calls with at least one quota, by their strictest
 * enforcement;</li>
 * <li>{@code metering.quota.denials}: calls rejected (429), by enforcement {@code hard};</li>
 * <li>{@code metering.quota.exceeded}: checks over a policy's limit, by that policy's enforcement
 * (hard: denied; soft and monitor: proceeded over the limit);</li>
 * <li>{@code metering.quota.warnings}: warning events (once per scope, policy and window);</li>
 * <li>{@code metering.quota.lease.granted}, {@code .returned}, {@code .expired}: amounts of hard
 * quota leased to this instance, given back by it, and reclaimed from expired leases of others;</li>
 * <li>{@code metering.quota.lease.round-trips}: database round trips of the lease machinery (a lease
 * request, renewal or return is one).</li>
 * </ul>
 */
class QuotaMetrics implements MeterBinder, QuotaObserver {

	private volatile @Nullable Counters counters;

	@Override
	public void bindTo(MeterRegistry registry) {
		this.counters = new Counters(registry);
	}

	@Override
	public void checked(QuotaDecision decision) {
		Counters c = this.counters;
		Enforcement strictest = decision.strictestEnforcement();
		if (c == null || strictest == null) {
			return;
		}
		c.checks.get(strictest).increment();
		if (!decision.allowed()) {
			c.denials.increment();
		}
		for (PolicyUsage usage : decision.policies()) {
			if (usage.exceeded()) {
				c.exceeded.get(usage.policy().enforcement()).increment();
			}
		}
	}

	@Override
	public void warned(QuotaWarningEvent event) {
		Counters c = this.counters;
		if (c != null) {
			c.warnings.get(event.policy().enforcement()).increment();
		}
	}

	@Override
	public void leaseGranted(BigDecimal amount) {
		Counters c = this.counters;
		if (c != null) {
			c.leaseGranted.increment(amount.doubleValue());
		}
	}

	@Override
	public void leaseReturned(BigDecimal amount) {
		Counters c = this.counters;
		if (c != null) {
			c.leaseReturned.increment(amount.doubleValue());
		}
	}

	@Override
	public void leaseExpired(BigDecimal amount) {
		Counters c = this.counters;
		if (c != null) {
			c.leaseExpired.increment(amount.doubleValue());
		}
	}

	@Override
	public void leaseRoundTrip() {
		Counters c = this.counters;
		if (c != null) {
			c.leaseRoundTrips.increment();
		}
	}

	private static final class Counters {

		final Map<Enforcement, Counter> checks;

		final Map<Enforcement, Counter> exceeded;

		final Map<Enforcement, Counter> warnings;

		final Counter denials;

		final Counter leaseGranted;

		final Counter leaseReturned;

		final Counter leaseExpired;

		final Counter leaseRoundTrips;

		Counters(MeterRegistry registry) {
			this.checks = byEnforcement(registry, "metering.quota.checks", "Quota checks of calls with a quota");
			this.exceeded = byEnforcement(registry, "metering.quota.exceeded", "Checks over a quota's limit");
			this.warnings = byEnforcement(registry, "metering.quota.warnings",
					"Quota warning events (once per tenant, policy and window)");
			this.denials = Counter.builder("metering.quota.denials")
				.description("Calls rejected by a hard quota")
				.tag("enforcement", Enforcement.HARD.id())
				.register(registry);
			this.leaseGranted = Counter.builder("metering.quota.lease.granted")
				.description("Hard quota leased to this instance")
				.register(registry);
			this.leaseReturned = Counter.builder("metering.quota.lease.returned")
				.description("Unused hard quota this instance gave back")
				.register(registry);
			this.leaseExpired = Counter.builder("metering.quota.lease.expired")
				.description("Unused hard quota reclaimed from expired leases")
				.register(registry);
			this.leaseRoundTrips = Counter.builder("metering.quota.lease.round-trips")
				.description("Database round trips for hard quota leases")
				.register(registry);
		}

		private static Map<Enforcement, Counter> byEnforcement(MeterRegistry registry, String name,
				String description) {
			Map<Enforcement, Counter> counters = new EnumMap<>(Enforcement.class);
			for (Enforcement enforcement : Enforcement.values()) {
				counters.put(enforcement, Counter.builder(name)
					.description(description)
					.tag("enforcement", enforcement.id())
					.register(registry));
			}
			return counters;
		}

	}

}
