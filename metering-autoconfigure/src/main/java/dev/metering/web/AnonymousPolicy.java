package dev.metering.web;

/**
 * What the filter does with a request that has no tenant.
 */
public enum AnonymousPolicy {

	/** Do not meter it. */
	SKIP,

	/** Meter it under the configured anonymous tenant id ({@code metering.web.anonymous.tenant}). */
	RECORD

}
