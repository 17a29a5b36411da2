package dev.metering.autoconfigure;

import java.math.BigDecimal;
import java.time.Duration;

import org.jspecify.annotations.Nullable;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Rules for the events the ledger accepts, under {@code metering.ledger}.
 */
@ConfigurationProperties("metering.ledger")
public class MeteringLedgerProperties {

	/**
	 * How old an event's occurred-at may be. Older events are rejected; rollups and bills of
	 * periods older than this are final.
	 */
	private Duration lateWindow = Duration.ofDays(35);

	/**
	 * The largest quantity of one event; larger ones are rejected as a likely bug.
	 */
	private BigDecimal maxQuantity = new BigDecimal("1000000000000");

	/**
	 * How the ledger table is laid out: {@code none} (one table) or {@code monthly} (declarative
	 * range partitions by occurred-at, PostgreSQL only). Any other database refuses to start with
	 * {@code monthly}; see docs/scaling.md for what monthly partitioning provides today.
	 */
	private Partitioning partitioning = Partitioning.NONE;

	/**
	 * How long raw ledger events are kept; unset keeps them forever. Needs
	 * {@code partitioning: monthly}: retention drops whole partitions, never single rows.
	 */
	private @Nullable Duration retention;

	public Duration getLateWindow() {
		return this.lateWindow;
	}

	public void setLateWindow(Duration lateWindow) {
		this.lateWindow = lateWindow;
	}

	public BigDecimal getMaxQuantity() {
		return this.maxQuantity;
	}

	public void setMaxQuantity(BigDecimal maxQuantity) {
		this.maxQuantity = maxQuantity;
	}

	public Partitioning getPartitioning() {
		return this.partitioning;
	}

	public void setPartitioning(Partitioning partitioning) {
		this.partitioning = partitioning;
	}

	public @Nullable Duration getRetention() {
		return this.retention;
	}

	public void setRetention(@Nullable Duration retention) {
		this.retention = retention;
	}

	/**
	 * The ledger table's layout.
	 */
	public enum Partitioning {

		/** One table: the ledger as the kit has always written it. */
		NONE,

		/** Monthly range partitions by occurred-at (PostgreSQL only). */
		MONTHLY

	}

}
