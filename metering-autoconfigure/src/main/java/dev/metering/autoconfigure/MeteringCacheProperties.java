package dev.metering.autoconfigure;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The caches that keep quota enforcement off the database on the request path.
 */
@ConfigurationProperties("metering.cache")
public class MeteringCacheProperties {

	/**
	 * How long quota definitions are used before they are reloaded in the background.
	 */
	private Duration definitionsTtl = Duration.ofSeconds(30);

	/**
	 * The most tenants whose quota definitions are kept in memory.
	 */
	private long maximumDefinitionEntries = 10_000;

	/**
	 * How long a ledger usage reading is used before it is refreshed in the background. This
	 * instance's own usage is counted at once; the TTL bounds how late other instances' usage
	 * is seen.
	 */
	private Duration usageTtl = Duration.ofSeconds(15);

	/**
	 * The most usage readings (tenant, meter, window) kept in memory.
	 */
	private long maximumUsageEntries = 100_000;

	public Duration getDefinitionsTtl() {
		return this.definitionsTtl;
	}

	public void setDefinitionsTtl(Duration definitionsTtl) {
		this.definitionsTtl = definitionsTtl;
	}

	public long getMaximumDefinitionEntries() {
		return this.maximumDefinitionEntries;
	}

	public void setMaximumDefinitionEntries(long maximumDefinitionEntries) {
		this.maximumDefinitionEntries = maximumDefinitionEntries;
	}

	public Duration getUsageTtl() {
		return this.usageTtl;
	}

	public void setUsageTtl(Duration usageTtl) {
		this.usageTtl = usageTtl;
	}

	public long getMaximumUsageEntries() {
		return this.maximumUsageEntries;
	}

	public void setMaximumUsageEntries(long maximumUsageEntries) {
		this.maximumUsageEntries = maximumUsageEntries;
	}

}
