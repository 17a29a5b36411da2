package dev.metering.autoconfigure.health;

import java.time.Duration;

import dev.metering.admin.MeteringStatus;
import dev.metering.quota.bus.BusState;

import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;

/**
 * The kit's health: down when the ledger cannot be written, the writer's backlog or the
 * rollup's lag is over its threshold, the writer dropped an event within the drop window, or the invalidation bus is disconnected (changes then
 * reach other instances only by cache expiry).
 */
public class MeteringHealthIndicator extends AbstractHealthIndicator {

	private final MeteringStatus status;

	private final long maxWriterBacklog;

	private final long maxRollupLag;

	private final Duration dropWindow;

	/**
	 * Creates the indicator.
	 * @param status the operational state
	 * @param maxWriterBacklog the most buffered events that are healthy
	 * @param maxRollupLag the most unfolded ledger rows that are healthy
	 */
	public MeteringHealthIndicator(MeteringStatus status, long maxWriterBacklog, long maxRollupLag) {
		this(status, maxWriterBacklog, maxRollupLag, Duration.ofMinutes(1));
	}

	/**
	 * Creates the indicator.
	 * @param status the operational state
	 * @param maxWriterBacklog the most buffered events that are healthy
	 * @param maxRollupLag the most unfolded ledger rows that are healthy
	 * @param dropWindow how long health stays down after the writer dropped an event
	 */
	public MeteringHealthIndicator(MeteringStatus status, long maxWriterBacklog, long maxRollupLag,
			Duration dropWindow) {
		super("Metering health check failed");
		this.status = status;
		this.maxWriterBacklog = maxWriterBacklog;
		this.maxRollupLag = maxRollupLag;
		this.dropWindow = dropWindow;
	}

	@Override
	protected void doHealthCheck(Health.Builder builder) {
		boolean up = true;
		boolean writable = this.status.ledgerWritable();
		builder.withDetail("ledgerWritable", writable);
		up &= writable;
		Long backlog = this.status.writerBacklog();
		if (backlog != null) {
			builder.withDetail("writerBacklog", backlog);
			up &= backlog <= this.maxWriterBacklog;
		}
		Long errors = this.status.writerErrors();
		if (errors != null) {
			// A count, not the up/down state: the writer kept its events and went on after each.
			builder.withDetail("writerErrors", errors);
		}
		Long dropped = this.status.writerDropped();
		if (dropped != null) {
			builder.withDetail("droppedEvents", dropped);
			Duration sinceDrop = this.status.sinceLastDrop();
			// Usage is being lost: down until no event was dropped for the window.
			up &= sinceDrop == null || sinceDrop.compareTo(this.dropWindow) >= 0;
		}
		Long lag = this.status.rollupLag();
		if (lag != null) {
			builder.withDetail("rollupLag", lag);
			up &= lag <= this.maxRollupLag;
		}
		BusState bus = this.status.bus();
		if (bus != null) {
			builder.withDetail("bus", MeteringStatus.busDetails(bus));
			up &= bus.connected();
		}
		if (up) {
			builder.up();
		}
		else {
			builder.down();
		}
	}

}
