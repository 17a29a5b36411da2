package dev.metering.quota.lease;

import java.math.BigDecimal;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLongFieldUpdater;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.DoubleAdder;

import org.jspecify.annotations.Nullable;

import dev.metering.quota.HardQuotaBudgets;
import dev.metering.quota.HardQuotaBudgets.WindowKey;

/**
 * This instance's budget of one hard quota window: what is left of its leases, admitted from
 * with a compare-and-set on one immutable {@link State}, never a lock.
 */
final class LeaseBudget implements HardQuotaBudgets.Budget {

	/** The state of a budget that was given back: a check that meets it looks the budget up again. */
	static final State RETIRED = new State(BigDecimal.ZERO, BigDecimal.ZERO);

	final WindowKey key;

	/** The leases this budget is of: a check's hint of another instance's budget is not used. */
	@Nullable Object owner;

	/** {@code null} until the first grant (or refusal) is known. */
	final AtomicReference<@Nullable State> state = new AtomicReference<>();

	/** Set while a lease request for this budget is queued or running. */
	final AtomicBoolean requested = new AtomicBoolean();

	/** Completed when the queued lease request is done. */
	volatile CompletableFuture<Void> request = CompletableFuture.completedFuture(null);

	volatile BigDecimal limit;

	/** Below this much left, the next chunk is asked for in the background. */
	volatile BigDecimal lowWater = BigDecimal.ZERO;

	/** The largest quantity a check waits for, so a lease request asks for at least that. */
	final AtomicReference<BigDecimal> needed = new AtomicReference<>(BigDecimal.ZERO);

	/**
	 * When this instance's lease lapses unless renewed (epoch millis of the clock), 0 without lease.
	 * Cleared only by {@link #lapse(long)}, after what the lapsed lease left is drained.
	 */
	volatile long expiresAtMillis;

	private static final AtomicLongFieldUpdater<LeaseBudget> EXPIRES = AtomicLongFieldUpdater
		.newUpdater(LeaseBudget.class, "expiresAtMillis");

	/** No lease request before this (epoch millis) after one was refused or failed. */
	volatile long retryAtMillis;

	/** Whether the window's allocation was read or written by this instance's lease requests. */
	volatile boolean allocationKnown;

	/**
	 * When a refusal last reconciled the window or the budget was made (epoch millis): a refused
	 * batch request reconciles (one window at a time) only a lease expiry after that.
	 */
	volatile long reconciledAtMillis;

	/**
	 * Whether it admits from this instance's cold share of a window whose use is not settled yet
	 * (no lease of this instance backs it): never given back as a lease, settled first.
	 */
	volatile boolean provisional;

	/** Whether the last lease request failed (the database could not be asked). */
	volatile boolean unknown;

	/** Usage admitted since {@link #rateSinceNanos}, for the chunk size. */
	final DoubleAdder consumed = new DoubleAdder();

	volatile long rateSinceNanos;

	/** Admitted units per second, as measured at the last lease request. */
	volatile double rate;

	volatile long lastUseNanos;

	/** When the budget was made: how long it has been in use decides how long it may stay idle. */
	final long firstUseNanos;

	/** What this instance committed to the ledger in this window. */
	final AtomicReference<BigDecimal> committed = new AtomicReference<>(BigDecimal.ZERO);

	LeaseBudget(WindowKey key, BigDecimal limit, long nowNanos) {
		this.key = key;
		this.limit = limit;
		this.rateSinceNanos = nowNanos;
		this.lastUseNanos = nowNanos;
		this.firstUseNanos = nowNanos;
	}

	/**
	 * Takes {@code quantity} if that much is left.
	 * @return the state after the take, or {@code null} when not enough is left, no lease is
	 * known yet, or the budget was retired
	 */
	@Nullable State take(BigDecimal quantity) {
		while (true) {
			State s = this.state.get();
			if (s == null || s == RETIRED || s.available().compareTo(quantity) < 0) {
				return null;
			}
			State next = new State(s.available().subtract(quantity), s.unallocated());
			if (this.state.compareAndSet(s, next)) {
				this.consumed.add(quantity.doubleValue());
				return next;
			}
		}
	}

	/** Adds to what is left: a released reservation or a new grant. */
	boolean add(BigDecimal quantity, @Nullable BigDecimal unallocated) {
		while (true) {
			State s = this.state.get();
			if (s == RETIRED) {
				return false;
			}
			BigDecimal available = (s != null) ? s.available() : BigDecimal.ZERO;
			BigDecimal free = (unallocated != null) ? plain(unallocated)
					: (s != null) ? s.unallocated() : BigDecimal.ZERO;
			if (this.state.compareAndSet(s, new State(plain(available.add(quantity)), free))) {
				return true;
			}
		}
	}

	/**
	 * A quantity without trailing zeros of its scale: the database's {@code NUMERIC(38, 9)} makes
	 * a limit of 10^12 an unscaled 10^21, past a {@code long}, so every take on it would be
	 * {@code BigInteger} arithmetic; as {@code 1000000000000} (scale 0) it is a {@code long}
	 * inside the {@code BigDecimal}. The value is unchanged.
	 */
	static BigDecimal plain(BigDecimal value) {
		if (value.scale() == 0) {
			return value;
		}
		BigDecimal stripped = value.stripTrailingZeros();
		return (stripped.scale() < 0) ? stripped.setScale(0) : stripped;
	}

	/** Counts usage taken without a reservation: what is left may go below zero. */
	@Override
	public void debit(BigDecimal quantity) {
		add(quantity.negate(), null);
		this.consumed.add(quantity.doubleValue());
	}

	/**
	 * Empties the budget.
	 * @param retire whether the budget is done for (later checks use a new one)
	 * @return what was left (negative: used beyond the leases), or {@code null} when already retired
	 */
	@Nullable BigDecimal drain(boolean retire) {
		while (true) {
			State s = this.state.get();
			if (s == RETIRED) {
				return null;
			}
			State next = retire ? RETIRED
					: new State(BigDecimal.ZERO, (s != null) ? s.unallocated() : BigDecimal.ZERO);
			if (this.state.compareAndSet(s, next)) {
				return (s != null) ? s.available() : BigDecimal.ZERO;
			}
		}
	}

	/**
	 * Ends a lease that lapsed at {@code expires}: what it left is drained, and only then is its
	 * expiry cleared. Another instance may have reclaimed that rest already (its allocation
	 * recomputed from the ledger), so none of it may be admitted: a check that sees the expiry
	 * cleared must find the budget drained. Cleared first, a concurrent check skipped the drain and
	 * took from the rest, one unit beyond the limit per take. A lease granted meanwhile (a new
	 * expiry) keeps what it brought.
	 * @param expires the expiry that lapsed
	 */
	void lapse(long expires) {
		while (this.expiresAtMillis == expires) {
			State s = this.state.get();
			if (s == RETIRED) {
				break;
			}
			State drained = new State(BigDecimal.ZERO, (s != null) ? s.unallocated() : BigDecimal.ZERO);
			// A grant adds after it sets its expiry: a failed swap is looked at again with that expiry.
			if (this.state.compareAndSet(s, drained)) {
				break;
			}
		}
		EXPIRES.compareAndSet(this, expires, 0);
	}

	/**
	 * Notes a lease granted until {@code expiresAtMillis}, before its amount is added. A lease that
	 * lapsed before it (no check has noticed yet) ends first: its row may have been reclaimed and
	 * this grant made a new one, which does not hold that rest.
	 * @param expiresAtMillis the new expiry
	 * @param nowMillis the clock now
	 */
	void leased(long expiresAtMillis, long nowMillis) {
		long previous = this.expiresAtMillis;
		if (previous != 0 && nowMillis >= previous) {
			lapse(previous);
		}
		this.expiresAtMillis = expiresAtMillis;
	}

	/** Takes back what is above {@code keep}, for returning it. */
	BigDecimal trimTo(BigDecimal keep) {
		while (true) {
			State s = this.state.get();
			if (s == null || s == RETIRED || s.available().compareTo(keep) <= 0) {
				return BigDecimal.ZERO;
			}
			if (this.state.compareAndSet(s, new State(keep, s.unallocated()))) {
				return s.available().subtract(keep);
			}
		}
	}

	/**
	 * What a budget holds.
	 *
	 * @param available what this instance may still admit
	 * @param unallocated what of the limit no instance held at the last lease request
	 */
	record State(BigDecimal available, BigDecimal unallocated) {

		/** What is left for the scope as well as this instance knows it. */
		BigDecimal remaining() {
			return this.available.add(this.unallocated).max(BigDecimal.ZERO);
		}

	}

}
