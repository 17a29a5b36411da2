package dev.metering.kafka;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;

/**
 * {@link Instant#toString()} and {@link Instant#parse} for the Kafka path's CloudEvents
 * {@code time}, between an instant and characters without a String or a formatter's parse state
 * in between. The common form, {@code 1970}–{@code 9999} with up to nine fraction digits and
 * {@code Z}, is handled here; any other text or instant goes through {@link Instant}, so the
 * result is always the same as theirs.
 */
final class IsoInstant {

	/** The longest text {@link #format} writes: {@code +1000000000-12-31T23:59:59.999999999Z}. */
	static final int MAX_LENGTH = 40;

	/** 9999-12-31T23:59:59Z: the last second written with a four-digit year. */
	private static final long LAST_FOUR_DIGIT_SECOND = 253_402_300_799L;

	private IsoInstant() {
	}

	/**
	 * Writes the instant as {@link Instant#toString()} does.
	 * @param instant the instant
	 * @param out at least {@link #MAX_LENGTH} characters
	 * @return how many characters were written from index 0
	 */
	static int format(Instant instant, char[] out) {
		long seconds = instant.getEpochSecond();
		if (seconds < 0 || seconds > LAST_FOUR_DIGIT_SECOND) {
			String text = instant.toString();
			text.getChars(0, text.length(), out, 0);
			return text.length();
		}
		LocalDate date = LocalDate.ofEpochDay(Math.floorDiv(seconds, 86_400L));
		int secondOfDay = (int) Math.floorMod(seconds, 86_400L);
		digits(out, 0, date.getYear(), 4);
		out[4] = '-';
		digits(out, 5, date.getMonthValue(), 2);
		out[7] = '-';
		digits(out, 8, date.getDayOfMonth(), 2);
		out[10] = 'T';
		digits(out, 11, secondOfDay / 3600, 2);
		out[13] = ':';
		digits(out, 14, (secondOfDay / 60) % 60, 2);
		out[16] = ':';
		digits(out, 17, secondOfDay % 60, 2);
		int length = 19;
		int nanos = instant.getNano();
		// As ISO_INSTANT prints the fraction: in groups of three digits, as few as hold it.
		if (nanos != 0) {
			out[length++] = '.';
			if (nanos % 1_000_000 == 0) {
				digits(out, length, nanos / 1_000_000, 3);
				length += 3;
			}
			else if (nanos % 1_000 == 0) {
				digits(out, length, nanos / 1_000, 6);
				length += 6;
			}
			else {
				digits(out, length, nanos, 9);
				length += 9;
			}
		}
		out[length++] = 'Z';
		return length;
	}

	private static void digits(char[] out, int at, int value, int width) {
		for (int i = at + width - 1; i >= at; i--) {
			out[i] = (char) ('0' + value % 10);
			value /= 10;
		}
	}

	/**
	 * Reads an instant as {@link Instant#parse} does.
	 * @throws java.time.format.DateTimeParseException when the text is no ISO-8601 instant
	 */
	static Instant parse(char[] text, int offset, int length) {
		Instant parsed = parseCommonForm(text, offset, length);
		return (parsed != null) ? parsed : Instant.parse(new String(text, offset, length));
	}

	/** {@code yyyy-MM-ddTHH:mm:ss[.f{1,9}]Z} from 1970 on; {@code null} for any other text. */
	private static Instant parseCommonForm(char[] text, int offset, int length) {
		if (length < 20 || length == 21 || length > 30) {
			return null;
		}
		int end = offset + length;
		if (text[offset + 4] != '-' || text[offset + 7] != '-' || text[offset + 10] != 'T' || text[offset + 13] != ':'
				|| text[offset + 16] != ':' || text[end - 1] != 'Z') {
			return null;
		}
		int year = number(text, offset, 4);
		int month = number(text, offset + 5, 2);
		int day = number(text, offset + 8, 2);
		int hour = number(text, offset + 11, 2);
		int minute = number(text, offset + 14, 2);
		int second = number(text, offset + 17, 2);
		if (year < 1970 || month < 1 || day < 1 || (hour | minute | second) < 0 || hour > 23 || minute > 59
				|| second > 59) {
			// Negative numbers mean "not digits"; a leap second and the rest are Instant's to read.
			return null;
		}
		int nanos = 0;
		if (length > 20) {
			if (text[offset + 19] != '.') {
				return null;
			}
			int digits = length - 21;
			int fraction = number(text, offset + 20, digits);
			if (fraction < 0) {
				return null;
			}
			nanos = fraction;
			for (int i = digits; i < 9; i++) {
				nanos *= 10;
			}
		}
		long epochDay;
		try {
			epochDay = LocalDate.of(year, month, day).toEpochDay();
		}
		catch (DateTimeException ex) {
			return null;
		}
		return Instant.ofEpochSecond(epochDay * 86_400L + hour * 3600L + minute * 60L + second, nanos);
	}

	/** The decimal number of {@code width} digits at {@code at}, or -1 when one is no digit. */
	private static int number(char[] text, int at, int width) {
		int value = 0;
		for (int i = at; i < at + width; i++) {
			int digit = text[i] - '0';
			if (digit < 0 || digit > 9) {
				return -1;
			}
			value = value * 10 + digit;
		}
		return value;
	}

}
