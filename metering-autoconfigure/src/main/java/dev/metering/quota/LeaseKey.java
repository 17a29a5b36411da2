package dev.metering.quota;

import java.time.Instant;

/**
 * One window of a hard quota that budgets are leased for.
 *
 * @param scope the scope (tenant or ancestor)
 * @param meter the meter
 * @param window the window kind
 * @param start the window's start
 */
record LeaseKey(String scope, String meter, QuotaWindow window, Instant start) {

	long startSecond() {
		return this.start.getEpochSecond();
	}

	Instant end() {
		return this.window.end(this.start);
	}

}
