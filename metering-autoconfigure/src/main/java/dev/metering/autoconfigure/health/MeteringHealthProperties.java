package dev.metering.autoconfigure.health;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Thresholds of the metering health indicator.
 */
@ConfigurationProperties("metering.health")
public class MeteringHealthProperties {

	/**
	 * The most events waiting in the ledger writer's buffer before health is down.
	 */
	private long maxWriterBacklog = 10_000;

	/**
	 * The most ledger rows not yet folded into rollups before health is down.
	 */
	private long maxRollupLag = 100_000;

	/**
	 * How long health stays down after the ledger writer dropped an event (buffer full, or
	 * stopped and unable to write it).
	 */
	private Duration dropWindow = Duration.ofMinutes(1);

	public Duration getDropWindow() {
		return this.dropWindow;
	}

	public void setDropWindow(Duration dropWindow) {
		this.dropWindow = dropWindow;
	}

	public long getMaxWriterBacklog() {
		return this.maxWriterBacklog;
	}

	public void setMaxWriterBacklog(long maxWriterBacklog) {
		this.maxWriterBacklog = maxWriterBacklog;
	}

	public long getMaxRollupLag() {
		return this.maxRollupLag;
	}

	public void setMaxRollupLag(long maxRollupLag) {
		this.maxRollupLag = maxRollupLag;
	}

}
