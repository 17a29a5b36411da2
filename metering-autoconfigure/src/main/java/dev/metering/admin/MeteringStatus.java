package dev.metering.admin;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import dev.metering.ledger.BufferedLedgerWriter;
import dev.metering.ledger.WriterStats;
import dev.metering.quota.bus.BusState;
import dev.metering.quota.bus.QuotaInvalidationBus;
import dev.metering.rollup.RollupJob;

import org.jspecify.annotations.Nullable;

/**
 * The kit's operational state for Actuator: writer backlog, rollup lag, bus state and whether
 * the ledger can be written. Parts the application does not have are left out.
 */
public class MeteringStatus {

	private final JdbcRuntimeDefinitions database;

	private final @Nullable BufferedLedgerWriter writer;

	private final @Nullable RollupJob rollup;

	private final @Nullable QuotaInvalidationBus bus;

	/**
	 * Creates the status.
	 * @param database the kit's tables
	 * @param writer the ledger writer, or {@code null}
	 * @param rollup the rollup job, or {@code null}
	 * @param bus the invalidation bus, or {@code null}
	 */
	public MeteringStatus(JdbcRuntimeDefinitions database, @Nullable BufferedLedgerWriter writer,
			@Nullable RollupJob rollup, @Nullable QuotaInvalidationBus bus) {
		this.database = database;
		this.writer = writer;
		this.rollup = rollup;
		this.bus = bus;
	}

	/**
	 * Events waiting in the writer's buffer.
	 * @return the backlog, or {@code null} without the kit's writer
	 */
	public @Nullable Long writerBacklog() {
		return (this.writer != null) ? this.writer.stats().buffered() : null;
	}

	/**
	 * Events the writer dropped since start: refused for a full buffer, or not written after it stopped.
	 * @return the count, or {@code null} without the kit's writer
	 */
	public @Nullable Long writerDropped() {
		return (this.writer != null) ? this.writer.stats().dropped() : null;
	}

	/**
	 * How long ago the writer last dropped an event.
	 * @return the time, or {@code null} without the kit's writer or without a drop
	 */
	public @Nullable Duration sinceLastDrop() {
		return (this.writer != null) ? this.writer.sinceLastDrop() : null;
	}

	/**
	 * Ledger rows the rollup has not folded yet.
	 * @return the lag, or {@code null} without the rollup
	 */
	public @Nullable Long rollupLag() {
		return (this.rollup != null) ? this.database.rollupLag(RollupJob.NAME) : null;
	}

	/**
	 * The bus state.
	 * @return the state, or {@code null} without a bus
	 */
	public @Nullable BusState bus() {
		return (this.bus != null) ? this.bus.state() : null;
	}

	/**
	 * Errors (out of memory, stack overflow) the writer caught while writing and survived.
	 * @return the count since start, or {@code null} without the kit's writer
	 */
	public @Nullable Long writerErrors() {
		return (this.writer != null) ? this.writer.stats().errors() : null;
	}

	/**
	 * Whether the ledger can be written.
	 * @return {@code true} when it can
	 */
	public boolean ledgerWritable() {
		return this.database.ledgerWritable();
	}

	/**
	 * Everything, as the endpoint shows it.
	 * @return writer, rollup and bus sections
	 */
	public Map<String, Object> describe() {
		Map<String, Object> status = new LinkedHashMap<>();
		if (this.writer != null) {
			WriterStats stats = this.writer.stats();
			Map<String, Object> writer = new LinkedHashMap<>();
			writer.put("backlog", stats.buffered());
			writer.put("recorded", stats.recorded());
			writer.put("written", stats.written());
			writer.put("duplicates", stats.duplicates());
			writer.put("dropped", stats.dropped());
			writer.put("rejected", stats.rejected());
			writer.put("retries", stats.retries());
			writer.put("errors", stats.errors());
			status.put("writer", writer);
		}
		if (this.rollup != null) {
			Map<String, Object> rollup = new LinkedHashMap<>();
			rollup.put("lag", rollupLag());
			rollup.put("runs", this.rollup.stats().runs());
			rollup.put("failures", this.rollup.stats().failures());
			rollup.put("openGaps", this.rollup.stats().openGaps());
			status.put("rollup", rollup);
		}
		BusState bus = bus();
		if (bus != null) {
			status.put("bus", busDetails(bus));
		}
		return status;
	}

	/**
	 * The bus state as a map.
	 * @param bus the state
	 * @return its fields
	 */
	public static Map<String, Object> busDetails(BusState bus) {
		Map<String, Object> details = new LinkedHashMap<>();
		details.put("transport", bus.transport());
		details.put("connected", bus.connected());
		details.put("received", bus.received());
		details.put("reconnects", bus.reconnects());
		details.put("since", bus.since().toString());
		if (bus.lastError() != null) {
			details.put("lastError", bus.lastError());
		}
		return details;
	}

}
