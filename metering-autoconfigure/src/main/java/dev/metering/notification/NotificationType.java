package dev.metering.notification;

/**
 * The kinds of notification, by their wire names (the CloudEvents {@code type} and the names
 * {@code metering.webhooks.endpoints[i].events} lists).
 */
public enum NotificationType {

	/** A quota's usage reached one of its thresholds in a window. */
	QUOTA_THRESHOLD_REACHED("quota.threshold_reached"),

	/** A quota's usage reached its limit in a window. */
	QUOTA_EXCEEDED("quota.exceeded"),

	/** A grant's balance reached zero (emitted by grants). */
	GRANT_DEPLETED("grant.depleted"),

	/** A grant expires soon (emitted by grants). */
	GRANT_EXPIRING("grant.expiring"),

	/** An invoice was finalized (emitted by invoicing). */
	INVOICE_FINALIZED("invoice.finalized");

	private final String wireName;

	NotificationType(String wireName) {
		this.wireName = wireName;
	}

	/**
	 * The name on the wire.
	 * @return e.g. {@code quota.threshold_reached}
	 */
	public String wireName() {
		return this.wireName;
	}

	/**
	 * The type of a wire name.
	 * @param wireName e.g. {@code quota.exceeded}
	 * @return the type
	 * @throws IllegalArgumentException for an unknown name
	 */
	public static NotificationType ofWireName(String wireName) {
		for (NotificationType type : values()) {
			if (type.wireName.equals(wireName)) {
				return type;
			}
		}
		throw new IllegalArgumentException("Unknown notification type '" + wireName + "'");
	}

}
