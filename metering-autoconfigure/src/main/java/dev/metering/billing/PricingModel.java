package dev.metering.billing;

/**
 * How a meter's billable quantity (usage above the included quantity) is priced.
 */
public enum PricingModel {

	/** Every billable unit at the unit price. */
	PER_UNIT,

	/**
	 * Billable units in packages of {@code package-size}, each package at the unit price; a
	 * started package is charged in full (rounds up).
	 */
	PACKAGE,

	/**
	 * Each unit at the price of the tier it falls in: the first tier's units at its price, the
	 * next tier's at its price, and so on; each tier reached adds its flat fee.
	 */
	GRADUATED,

	/**
	 * Every unit at the price of the one tier the whole billable quantity falls in, plus that
	 * tier's flat fee.
	 */
	VOLUME

}
