package dev.metering.autoconfigure;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The rules of the tenant hierarchy ({@code metering.hierarchy}); the tenants themselves, with
 * their parent and billing attribution, are under {@code metering.tenants}.
 */
@ConfigurationProperties("metering.hierarchy")
public class MeteringHierarchyProperties {

	/**
	 * The most levels of a lineage, the tenant included.
	 */
	private int maxDepth = 8;

	/**
	 * Whether a tenant may be billed to a scope outside its lineage (neither itself nor an
	 * ancestor), e.g. a reseller that is not its parent.
	 */
	private boolean allowBillingOutsideLineage;

	/**
	 * The most tenant lineages kept in memory.
	 */
	private long maximumEntries = 10_000;

	/**
	 * The most tenant definitions (configured and tenant rows) the directory holds as one snapshot,
	 * read in bulk and answering every tenant from memory; with more, lineages are loaded per
	 * tenant into a cache of at most maximum-entries.
	 */
	private long snapshotMaxTenants = 100_000;

	public int getMaxDepth() {
		return this.maxDepth;
	}

	public void setMaxDepth(int maxDepth) {
		this.maxDepth = maxDepth;
	}

	public boolean isAllowBillingOutsideLineage() {
		return this.allowBillingOutsideLineage;
	}

	public void setAllowBillingOutsideLineage(boolean allowBillingOutsideLineage) {
		this.allowBillingOutsideLineage = allowBillingOutsideLineage;
	}

	public long getMaximumEntries() {
		return this.maximumEntries;
	}

	public void setMaximumEntries(long maximumEntries) {
		this.maximumEntries = maximumEntries;
	}

	public long getSnapshotMaxTenants() {
		return this.snapshotMaxTenants;
	}

	public void setSnapshotMaxTenants(long snapshotMaxTenants) {
		this.snapshotMaxTenants = snapshotMaxTenants;
	}

}
