package dev.metering.quota;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

import org.jspecify.annotations.Nullable;

/**
 * The check plans of lineages of more than one level: per (lineage, meter), the policies of every
 * level that has some, resolved once, so a check of a three-level lineage finds one plan instead
 * of looking up each level's definitions.
 * <p>
 * A plan serves while the definitions' {@linkplain QuotaDefinitionSource#version() version} stays
 * the same (a runtime change, or the bus evicting a level, changes it at once) and for at most
 * {@link #REVALIDATE_NANOS}: then its levels are looked up again (which also lets definitions
 * reloaded after their TTL in), and it is kept if every level's definitions are the very objects
 * it was made of. A lineage that changed (a new parent) is another key, so another plan. A source
 * without a version ({@link QuotaDefinitionSource#UNVERSIONED}) gets no plans.
 */
final class LineagePlans {

	/** The longest a plan serves without looking its levels up again. */
	static final long REVALIDATE_NANOS = TimeUnit.SECONDS.toNanos(1);

	/** The most lineages planned: a plan holds references to definitions the cache holds anyway. */
	private static final int MAXIMUM_LINEAGES = 10_000;

	private static final MeterPolicies[] NO_LEVELS = new MeterPolicies[0];

	private final QuotaDefinitionSource definitions;

	/** {@link #REVALIDATE_NANOS}, longer in tests that show a change reaching a plan without it. */
	private volatile long revalidateNanos = REVALIDATE_NANOS;

	/** The plans of each lineage, one per meter checked (usually one or two). */
	private final Cache<List<String>, LineagePlan[]> plans = Caffeine.newBuilder()
		.maximumSize(MAXIMUM_LINEAGES)
		.build();

	LineagePlans(QuotaDefinitionSource definitions) {
		this.definitions = definitions;
	}

	/**
	 * The plan of a lineage's meter, made or looked up again when it may be stale.
	 * @param lineage the scopes, the tenant first
	 * @param meter the meter
	 * @param nowNanos the check's ticker ({@link System#nanoTime()})
	 * @return the plan, {@code null} when the definitions have no version
	 */
	@Nullable LineagePlan plan(List<String> lineage, String meter, long nowNanos) {
		// Read before any level is looked up: a change after this read makes the plan stale.
		long version = this.definitions.version();
		if (version == QuotaDefinitionSource.UNVERSIONED) {
			return null;
		}
		LineagePlan[] known = this.plans.getIfPresent(lineage);
		LineagePlan plan = null;
		if (known != null) {
			for (LineagePlan candidate : known) {
				if (candidate.meter.equals(meter)) {
					plan = candidate;
					break;
				}
			}
		}
		if (plan != null && plan.version == version && nowNanos - plan.validatedAtNanos < this.revalidateNanos) {
			return plan;
		}
		LineagePlan fresh = make(lineage, meter, version, nowNanos, plan);
		install(lineage, known, plan, fresh);
		return fresh;
	}

	/** For tests: how long a plan serves without its levels looked up again. */
	void revalidateEvery(long nanos) {
		this.revalidateNanos = nanos;
	}

	private LineagePlan make(List<String> lineage, String meter, long version, long nowNanos,
			@Nullable LineagePlan previous) {
		int n = lineage.size();
		TenantQuotas[] quotas = new TenantQuotas[n];
		boolean same = previous != null && previous.quotas.length == n;
		for (int i = 0; i < n; i++) {
			quotas[i] = this.definitions.quotasOf(lineage.get(i));
			if (same && previous.quotas[i] != quotas[i]) {
				same = false;
			}
		}
		if (same) {
			return new LineagePlan(meter, version, nowNanos, quotas, previous.levels);
		}
		List<MeterPolicies> levels = new ArrayList<>(n);
		for (int i = 0; i < n; i++) {
			List<QuotaPolicy> policies = quotas[i].policies(meter);
			if (!policies.isEmpty()) {
				levels.add(MeterPolicies.of(lineage.get(i), meter, policies, quotas[i].calendar()));
			}
		}
		return new LineagePlan(meter, version, nowNanos, quotas, levels.toArray(NO_LEVELS));
	}

	private void install(List<String> lineage, LineagePlan @Nullable [] known, @Nullable LineagePlan replaced,
			LineagePlan fresh) {
		LineagePlan[] next;
		if (known == null) {
			next = new LineagePlan[] { fresh };
		}
		else if (replaced != null) {
			next = known.clone();
			for (int i = 0; i < next.length; i++) {
				if (next[i] == replaced) {
					next[i] = fresh;
				}
			}
		}
		else {
			next = Arrays.copyOf(known, known.length + 1);
			next[known.length] = fresh;
		}
		// A racy replacement: at worst a concurrent check's plan of another meter is made again.
		this.plans.put(List.copyOf(lineage), next);
	}

	/**
	 * The policies of every level of a lineage's meter that has some, in lineage order.
	 */
	static final class LineagePlan {

		final String meter;

		/** The definitions' version read before the levels were looked up. */
		final long version;

		/** When the levels were last looked up (ticker). */
		final long validatedAtNanos;

		/** Every scope's definitions, as looked up: compared by identity on the next look-up. */
		final TenantQuotas[] quotas;

		/** The levels with policies on the meter. */
		final MeterPolicies[] levels;

		LineagePlan(String meter, long version, long validatedAtNanos, TenantQuotas[] quotas,
				MeterPolicies[] levels) {
			this.meter = meter;
			this.version = version;
			this.validatedAtNanos = validatedAtNanos;
			this.quotas = quotas;
			this.levels = levels;
		}

	}

}
