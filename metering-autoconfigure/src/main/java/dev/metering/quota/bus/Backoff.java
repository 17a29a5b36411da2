package dev.metering.quota.bus;

import java.time.Duration;

/**
 * Reconnection delays: doubling from an initial delay up to a maximum, reset on success.
 */
final class Backoff {

	private final Duration initial;

	private final Duration maximum;

	private Duration next;

	Backoff(Duration initial, Duration maximum) {
		this.initial = initial;
		this.maximum = maximum;
		this.next = initial;
	}

	void reset() {
		this.next = this.initial;
	}

	/**
	 * Sleeps the next delay.
	 * @return {@code false} when interrupted
	 */
	boolean pause() {
		Duration delay = this.next;
		Duration doubled = delay.multipliedBy(2);
		this.next = (doubled.compareTo(this.maximum) > 0) ? this.maximum : doubled;
		try {
			Thread.sleep(delay.toMillis());
			return true;
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			return false;
		}
	}

}
