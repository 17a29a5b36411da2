package dev.metering.admin;

/**
 * Where an effective value came from.
 */
public enum DefinitionOrigin {

	/** {@code application.yml} ({@code metering.plans}, {@code metering.tenants}). */
	CONFIGURATION,

	/** {@code metering.default-plan}: the tenant has no plan of its own. */
	DEFAULT_PLAN,

	/** A row of the runtime definitions' tables. */
	DATABASE,

	/** Nothing says otherwise (no plan, not exempt). */
	NONE

}
