package dev.metering.notification;

import java.math.BigDecimal;
import java.math.RoundingMode;

/**
 * One threshold of a quota: a percentage of its limit ({@code 80%}) or an absolute amount
 * ({@code 800}).
 *
 * @param amount the percentage or the amount
 * @param percent whether {@code amount} is a percentage
 */
public record Threshold(BigDecimal amount, boolean percent) {

	private static final BigDecimal HUNDRED = BigDecimal.valueOf(100);

	/**
	 * Reads {@code 50%} or {@code 800}.
	 * @param text the threshold
	 * @return the threshold
	 * @throws IllegalArgumentException when it is neither a positive percentage nor a positive amount
	 */
	public static Threshold parse(String text) {
		String trimmed = text.trim();
		boolean percent = trimmed.endsWith("%");
		String number = percent ? trimmed.substring(0, trimmed.length() - 1).trim() : trimmed;
		BigDecimal amount;
		try {
			amount = new BigDecimal(number);
		}
		catch (NumberFormatException ex) {
			throw new IllegalArgumentException("A threshold is a percentage ('80%') or an amount ('800'), was '"
					+ text + "'");
		}
		if (amount.signum() <= 0) {
			throw new IllegalArgumentException("A threshold must be above zero, was '" + text + "'");
		}
		return new Threshold(amount.stripTrailingZeros(), percent);
	}

	/**
	 * The usage at which this threshold is reached.
	 * @param limit the quota's limit
	 * @return the amount of usage
	 */
	public BigDecimal usageAt(BigDecimal limit) {
		return this.percent ? limit.multiply(this.amount).divide(HUNDRED, 9, RoundingMode.CEILING).stripTrailingZeros()
				: this.amount;
	}

	@Override
	public String toString() {
		return this.amount.toPlainString() + (this.percent ? "%" : "");
	}

}
