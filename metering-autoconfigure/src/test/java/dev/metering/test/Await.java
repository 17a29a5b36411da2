package dev.metering.test;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/**
 * Waits, on the test's thread, for what other threads (a scheduler, another instance) bring
 * about.
 */
public final class Await {

	private Await() {
	}

	/**
	 * Returns once the condition holds; fails the test when it still does not after the timeout.
	 * @param condition what is waited for, asked every 20 ms
	 * @param timeout how long it may take
	 * @throws InterruptedException when the test is interrupted
	 */
	public static void until(BooleanSupplier condition, Duration timeout) throws InterruptedException {
		long deadline = System.nanoTime() + timeout.toNanos();
		while (!condition.getAsBoolean()) {
			if (System.nanoTime() > deadline) {
				throw new AssertionError("not within " + timeout);
			}
			Thread.sleep(20);
		}
	}

}
