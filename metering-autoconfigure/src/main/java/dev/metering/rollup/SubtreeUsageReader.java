package dev.metering.rollup;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Usage of a scope as quota enforcement reads it in a tenant hierarchy: the sum of the usage of
 * every tenant of its subtree (the scope itself and its descendants), each read exactly by the
 * reader it decorates. Billing-scope usage is passed through.
 */
public final class SubtreeUsageReader implements UsageReader {

	private final UsageReader reader;

	private final Function<String, ? extends Collection<String>> subtreeOf;

	/**
	 * Creates the reader.
	 * @param reader reads one tenant's usage
	 * @param subtreeOf the tenants of a scope's subtree, the scope included
	 */
	public SubtreeUsageReader(UsageReader reader, Function<String, ? extends Collection<String>> subtreeOf) {
		this.reader = reader;
		this.subtreeOf = subtreeOf;
	}

	@Override
	public BigDecimal tenantUsage(String tenantId, String meter, Instant from, Instant to) {
		BigDecimal total = BigDecimal.ZERO;
		for (String tenant : this.subtreeOf.apply(tenantId)) {
			total = total.add(this.reader.tenantUsage(tenant, meter, from, to));
		}
		return total;
	}

	/** Reads every tenant of every scope's subtree in one batch of the reader, then sums by scope. */
	@Override
	public Map<String, BigDecimal> tenantUsages(Collection<String> tenantIds, String meter, Instant from, Instant to) {
		Map<String, Collection<String>> subtrees = new LinkedHashMap<>();
		Set<String> all = new LinkedHashSet<>();
		for (String scope : tenantIds) {
			Collection<String> subtree = this.subtreeOf.apply(scope);
			subtrees.put(scope, subtree);
			all.addAll(subtree);
		}
		Map<String, BigDecimal> each = this.reader.tenantUsages(all, meter, from, to);
		Map<String, BigDecimal> usages = new LinkedHashMap<>();
		subtrees.forEach((scope, subtree) -> {
			BigDecimal total = BigDecimal.ZERO;
			for (String tenant : subtree) {
				total = total.add(each.getOrDefault(tenant, BigDecimal.ZERO));
			}
			usages.put(scope, total);
		});
		return usages;
	}

	@Override
	public BigDecimal billingScopeUsage(String billingScopeId, String meter, Instant from, Instant to) {
		return this.reader.billingScopeUsage(billingScopeId, meter, from, to);
	}

}
