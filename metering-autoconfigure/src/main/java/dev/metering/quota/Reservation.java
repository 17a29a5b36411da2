package dev.metering.quota;

import java.math.BigDecimal;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Quota an allowed call holds until its usage is recorded (or it fails and gives it back):
 * counted as used by every concurrent check, so they cannot overshoot a hard limit together.
 * Release it once the call's event has been handed to the recorder, or when the call is
 * abandoned; releasing twice is harmless.
 */
public final class Reservation {

	/** Nothing reserved. */
	public static final Reservation NONE = new Reservation(List.of());

	private final List<Part> parts;

	private final AtomicBoolean released = new AtomicBoolean();

	Reservation(List<Part> parts) {
		this.parts = List.copyOf(parts);
	}

	/** Gives the reserved quota back. */
	public void release() {
		if (!this.parts.isEmpty() && this.released.compareAndSet(false, true)) {
			for (Part part : this.parts) {
				synchronized (part.usage()) {
					part.usage().release(part.hour(), part.quantity());
				}
			}
		}
	}

	/**
	 * Whether anything is still held.
	 * @return {@code true} until released, when something was reserved
	 */
	public boolean isHeld() {
		return !this.parts.isEmpty() && !this.released.get();
	}

	record Part(MeterUsage usage, long hour, BigDecimal quantity) {
	}

}
