package dev.metering.quota;

import java.math.BigDecimal;
import java.time.Instant;

import org.jspecify.annotations.Nullable;

import dev.metering.event.UsageEvent;

/**
 * Where the enforcement service takes hard quotas from: budgets this instance holds of each
 * window. The service owns this interface so the leases ({@code dev.metering.quota.lease}) can
 * build on the quota types without this package depending on them.
 */
public interface HardQuotaBudgets {

	/**
	 * Takes a quantity of one hard policy's window.
	 * @param key the window (which a check caches per window)
	 * @param policy the hard policy
	 * @param quantity the quantity
	 * @param requireRemaining take nothing, only require that something is left
	 * @return the outcome
	 */
	Take take(WindowKey key, QuotaPolicy policy, BigDecimal quantity, boolean requireRemaining);

	/**
	 * {@link #take(WindowKey, QuotaPolicy, BigDecimal, boolean)} with the budget the last take of
	 * the window came from, which spares looking the window up while that budget is live.
	 * @param key the window
	 * @param hint the budget of an earlier take of this window ({@link Take#budget()}), or
	 * {@code null}; one of another window or another instance is ignored
	 * @param policy the hard policy
	 * @param quantity the quantity
	 * @param requireRemaining take nothing, only require that something is left
	 * @return the outcome
	 */
	default Take take(WindowKey key, @Nullable Budget hint, QuotaPolicy policy, BigDecimal quantity,
			boolean requireRemaining) {
		return take(key, policy, quantity, requireRemaining);
	}

	/**
	 * {@link #take(WindowKey, Budget, QuotaPolicy, BigDecimal, boolean)} at the present a check
	 * read once for the takes of all the levels of its lineage, rather than per take.
	 * @param key the window
	 * @param hint the budget of an earlier take of this window, or {@code null}
	 * @param policy the hard policy
	 * @param quantity the quantity
	 * @param requireRemaining take nothing, only require that something is left
	 * @param nowNanos the budgets' ticker, as {@link #nanoTime()} read it for this check
	 * @param nowMillis the budgets' clock, as {@link #millis()} read it for this check
	 * @return the outcome
	 */
	default Take take(WindowKey key, @Nullable Budget hint, QuotaPolicy policy, BigDecimal quantity,
			boolean requireRemaining, long nowNanos, long nowMillis) {
		return take(key, hint, policy, quantity, requireRemaining);
	}

	/**
	 * The ticker the budgets judge idleness and waits by.
	 * @return nanoseconds, only differences of which mean anything
	 */
	default long nanoTime() {
		return System.nanoTime();
	}

	/**
	 * The clock the budgets' leases expire by.
	 * @return epoch milliseconds
	 */
	default long millis() {
		return System.currentTimeMillis();
	}

	/**
	 * Gives back a quantity a denied or released call took.
	 * @param budget the budget it was taken from
	 * @param quantity the quantity
	 */
	void giveBack(Budget budget, BigDecimal quantity);

	/**
	 * What is left of a window as this instance's budget knows it, without asking the database.
	 * @param key the window
	 * @return {@code null} when this instance holds no live budget of the window
	 */
	@Nullable BigDecimal known(WindowKey key);

	/**
	 * Counts usage recorded without a check's reservation against the budgets of its windows.
	 * @param event the accepted event
	 */
	void unreserved(UsageEvent event);

	/**
	 * Notes an event committed to the ledger.
	 * @param event a committed event
	 */
	void committed(UsageEvent event);

	/**
	 * One window of a hard quota.
	 *
	 * @param scope the scope (tenant or ancestor)
	 * @param meter the meter
	 * @param window the window kind
	 * @param start the window's start
	 * @param end the window's end (the scope's calendar decides it)
	 */
	record WindowKey(String scope, String meter, QuotaWindow window, Instant start, Instant end) {

		/**
		 * What ends the meter of a grant-backed meter's balance window: its leases and
		 * allocation stay apart from those of a quota of the same meter and window.
		 */
		public static final String GRANT_BALANCE_SUFFIX = "#g";

		/**
		 * The meter a grant-backed meter's balance window is keyed by.
		 * @param meter the meter
		 * @return the meter with {@link #GRANT_BALANCE_SUFFIX}
		 */
		public static String grantMeter(String meter) {
			return meter + GRANT_BALANCE_SUFFIX;
		}

		/**
		 * The meter whose usage the window counts: the meter without {@link #GRANT_BALANCE_SUFFIX}.
		 * @return the meter of the ledger
		 */
		public String usageMeter() {
			return this.meter.endsWith(GRANT_BALANCE_SUFFIX)
					? this.meter.substring(0, this.meter.length() - GRANT_BALANCE_SUFFIX.length()) : this.meter;
		}

		/**
		 * The window's start in epoch seconds.
		 * @return the start second
		 */
		public long startSecond() {
			return this.start.getEpochSecond();
		}

	}

	/** A budget a take came from. */
	interface Budget {

		/**
		 * Counts usage taken without a reservation: what is left may go below zero.
		 * @param quantity the quantity
		 */
		void debit(BigDecimal quantity);

	}

	/**
	 * The outcome of a take.
	 *
	 * @param budget the budget
	 * @param quantity what was taken
	 * @param remaining what is left for the scope, as well as this instance knows it
	 * @param result taken, short, or unknown (no lease and the database could not be asked)
	 */
	record Take(Budget budget, BigDecimal quantity, BigDecimal remaining, Result result) {

		/** What a take came to. */
		public enum Result {

			/** The quantity was taken. */
			TAKEN,

			/** Not enough is left. */
			SHORT,

			/** No lease, and the database could not be asked. */
			UNKNOWN

		}

	}

}
