package dev.metering.event;

import java.security.SecureRandom;
import java.time.Clock;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Time-ordered UUIDs, version 7 (RFC 9562): 48 bits of Unix milliseconds, then a 12-bit
 * counter that keeps ids from one generator monotonic within a millisecond, then 62 random bits.
 */
final class UuidV7 {

	private static final UuidV7 SYSTEM = new UuidV7(Clock.systemUTC());

	private static final SecureRandom SEED = new SecureRandom();

	private final Clock clock;

	/** Last issued (millis << 12 | counter); keeps ids strictly increasing per generator. */
	private final AtomicLong lastTimeAndCounter = new AtomicLong();

	/**
	 * A generator reading the given clock.
	 * @param clock the clock for the timestamp bits
	 */
	UuidV7(Clock clock) {
		this.clock = clock;
	}

	/**
	 * A new id from the system clock.
	 * @return a version 7 UUID
	 */
	static UUID randomUuid() {
		return SYSTEM.next();
	}

	/**
	 * A new id, greater than every id this generator issued before.
	 * @return a version 7 UUID
	 */
	UUID next() {
		long now = this.clock.millis() << 12;
		long timeAndCounter = nextTimeAndCounter(now);
		long millis = timeAndCounter >>> 12;
		long counter = timeAndCounter & 0xFFF;
		long msb = (millis << 16) | 0x7000L | counter;
		long lsb = (randomBits() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
		return new UUID(msb, lsb);
	}

	/**
	 * Past the last issued value and at least {@code now}: a compare-and-set loop written out, as
	 * {@code updateAndGet} would take a lambda capturing {@code now} on every id.
	 */
	private long nextTimeAndCounter(long now) {
		while (true) {
			long last = this.lastTimeAndCounter.get();
			long next = Math.max(last + 1, now);
			if (this.lastTimeAndCounter.compareAndSet(last, next)) {
				return next;
			}
		}
	}

	private static long randomBits() {
		// ThreadLocalRandom is fast but predictable across restarts with the same seed; mix in a
		// process-wide secure seed so two JVMs never share a sequence.
		return java.util.concurrent.ThreadLocalRandom.current().nextLong() ^ SeedHolder.SALT;
	}

	private static final class SeedHolder {

		static final long SALT = SEED.nextLong();

	}

}
