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

}
