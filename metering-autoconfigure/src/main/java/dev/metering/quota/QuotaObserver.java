package dev.metering.quota;

/**
 * Told about every check: the kit's Micrometer binding implements it. Tags must stay bounded,
 * so no tenant ids are passed.
 */
public interface QuotaObserver {

	/** An observer that does nothing. */
	QuotaObserver NONE = new QuotaObserver() {
	};

	/**
	 * A check of a call that has at least one quota.
	 * @param decision the decision
	 */
	default void checked(QuotaDecision decision) {
	}

	/**
	 * A warning event was published.
	 * @param event the event
	 */
	default void warned(QuotaWarningEvent event) {
	}

	/**
	 * A hard-quota lease was granted to this instance.
	 * @param amount the amount granted
	 */
	default void leaseGranted(java.math.BigDecimal amount) {
	}

	/**
	 * Unused budget was given back by this instance (idle, window ended, rate dropped, shutdown).
	 * @param amount the amount returned
	 */
	default void leaseReturned(java.math.BigDecimal amount) {
	}

	/**
	 * Expired leases (of an instance that stopped without giving back) were reconciled with the
	 * ledger and their unused part returned to the pool.
	 * @param amount the amount reclaimed
	 */
	default void leaseExpired(java.math.BigDecimal amount) {
	}

	/** One database round trip of the lease machinery (a statement or a transaction of a few). */
	default void leaseRoundTrip() {
	}

}
