package dev.metering.autoconfigure;

import java.math.BigDecimal;
import java.time.Duration;

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

}
