package dev.metering.event;

import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import org.jspecify.annotations.Nullable;

import dev.metering.internal.json.DimensionsJson;

/**
 * The rules every event must pass before it is recorded. Each failure names the field.
 * <p>
 * Over 350 lines: every rule of an event's fields in one place, so the ledger's limits are written
 * once.
 */
public class UsageEventValidator {

	/** Longest tenant, billing scope and meter name; matches the ledger's column widths. */
	public static final int MAX_ID_LENGTH = 128;

	public static final int MAX_USER_LENGTH = 256;

	public static final int MAX_RESOURCE_LENGTH = 512;

	public static final int MAX_IDEMPOTENCY_KEY_LENGTH = 200;

	public static final int MAX_DIMENSIONS = 32;

	public static final int MAX_DIMENSIONS_JSON_LENGTH = 4000;

	/** Decimal places the ledger keeps; more would be silently rounded, so they are refused. */
	public static final int MAX_QUANTITY_SCALE = 9;

	/** Digits before the point the ledger's {@code NUMERIC(38, 9)} holds. */
	public static final int MAX_QUANTITY_INTEGER_DIGITS = 29;

	/** Most digits a quantity may be written with, trailing zeros included. */
	public static final int MAX_QUANTITY_DIGITS = 64;

	/** 10^64 < 2^213: more bits in the unscaled value means more than 64 digits. */
	private static final int MAX_QUANTITY_BITS = 213;

	/** Longest excerpt of caller input a message quotes. */
	private static final int MAX_EXCERPT = 64;

	/** How far ahead of this instance's clock an event may claim to have happened. */
	public static final Duration MAX_CLOCK_SKEW = Duration.ofMinutes(5);

	/** Any occurred-at an {@code Instant} and a database timestamp both hold is "not too old". */
	private static final Duration LEDGER_LATE_WINDOW = Duration.ofDays(365L * 1000);

	/** The largest value of the ledger's {@code NUMERIC(38, 9)} quantity column. */
	private static final BigDecimal LEDGER_MAX_QUANTITY = new BigDecimal("1e29").subtract(BigDecimal.ONE);

	private final Clock clock;

	private final Duration lateWindow;

	private final BigDecimal maxQuantity;

	/** Whether this validator holds the kit's rules only (see {@link #validateBuiltByKit}). */
	private final boolean kitRulesOnly;

	/**
	 * A validator, which an application may extend with rules of its own: it checks every event
	 * in full, those the kit built included.
	 * @param clock the clock that decides what "now" is
	 * @param lateWindow how old an event may be
	 * @param maxQuantity the largest quantity of one event; anything above is taken for a bug
	 */
	public UsageEventValidator(Clock clock, Duration lateWindow, BigDecimal maxQuantity) {
		this(clock, lateWindow, maxQuantity, false);
	}

	private UsageEventValidator(Clock clock, Duration lateWindow, BigDecimal maxQuantity, boolean kitRulesOnly) {
		this.clock = clock;
		this.lateWindow = lateWindow;
		this.maxQuantity = maxQuantity;
		this.kitRulesOnly = kitRulesOnly;
	}

	/**
	 * The kit's own validator: its rules and nothing more, so an event the kit built is checked
	 * only for what came from the caller ({@link #validateBuiltByKit}).
	 * @param clock the clock that decides what "now" is
	 * @param lateWindow how old an event may be
	 * @param maxQuantity the largest quantity of one event
	 * @return a validator
	 */
	public static UsageEventValidator standard(Clock clock, Duration lateWindow, BigDecimal maxQuantity) {
		return new UsageEventValidator(clock, lateWindow, maxQuantity, true);
	}

	/**
	 * A validator of what the ledger's columns can hold and nothing more: no late window and no
	 * maximum below the column's ({@code NUMERIC(38, 9)}). For callers that check events before
	 * a recorder of the application's own applies its rules.
	 * @param clock the clock that decides what "now" is
	 * @return a validator
	 */
	public static UsageEventValidator ledgerLimits(Clock clock) {
		return new UsageEventValidator(clock, LEDGER_LATE_WINDOW, LEDGER_MAX_QUANTITY);
	}

	/**
	 * Whether the name is a valid meter name: lower-case letters, digits, {@code .}, {@code _} and
	 * {@code -}, starting with a letter or digit, at most 128 characters.
	 * @param meter a candidate meter name
	 * @return {@code true} if valid
	 */
	public static boolean isValidMeterName(@Nullable String meter) {
		return meter != null && meter.length() <= MAX_ID_LENGTH && matchesMeterName(meter);
	}

	/**
	 * Whether the text matches {@code [a-z0-9][a-z0-9._-]*}: by hand, as a regex {@code Matcher}
	 * per recorded event was most of the validator's allocation.
	 */
	private static boolean matchesMeterName(String meter) {
		if (meter.isEmpty() || !isLowerCaseLetterOrDigit(meter.charAt(0))) {
			return false;
		}
		for (int i = 1; i < meter.length(); i++) {
			char c = meter.charAt(i);
			if (!isLowerCaseLetterOrDigit(c) && c != '.' && c != '_' && c != '-') {
				return false;
			}
		}
		return true;
	}

	private static boolean isLowerCaseLetterOrDigit(char c) {
		return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
	}

	/**
	 * Checks one event.
	 * @param event the event
	 * @throws InvalidUsageEventException naming the first invalid field
	 */
	public void validate(UsageEvent event) {
		if (event == null) {
			throw new InvalidUsageEventException("event", "must not be null");
		}
		if (event.eventId() == null) {
			throw new InvalidUsageEventException("eventId", "must not be null");
		}
		requireId("tenantId", event.tenantId());
		requireId("billingScopeId", event.billingScopeId());
		requireId("meter", event.meter());
		if (!matchesMeterName(event.meter())) {
			throw new InvalidUsageEventException("meter", "'" + abbreviate(event.meter())
					+ "' must match [a-z0-9][a-z0-9._-]* (lower-case letters, digits, '.', '_' and '-')");
		}
		validateQuantity(event.quantity());
		validateOccurredAt(event.occurredAt());
		maxLength("userId", event.userId(), MAX_USER_LENGTH);
		maxLength("resource", event.resource(), MAX_RESOURCE_LENGTH);
		if (event.source() == null) {
			throw new InvalidUsageEventException("source", "must not be null");
		}
		if (event.idempotencyKey() != null) {
			if (event.idempotencyKey().isBlank()) {
				throw new InvalidUsageEventException("idempotencyKey", "must not be blank when present");
			}
			String key = event.idempotencyKey();
			if (Character.isWhitespace(key.charAt(0)) || Character.isWhitespace(key.charAt(key.length() - 1))) {
				// MySQL and MariaDB compare 'k' and 'k ' as one key: refused everywhere, never
				// taken here and dropped as a duplicate there.
				throw new InvalidUsageEventException("idempotencyKey", "must not start or end with whitespace");
			}
			maxLength("idempotencyKey", event.idempotencyKey(), MAX_IDEMPOTENCY_KEY_LENGTH);
		}
		validateDimensions(event.dimensions());
	}

	/**
	 * A principal name as the ledger can hold it: cut to {@link #MAX_USER_LENGTH} without
	 * splitting a surrogate pair, NUL and unpaired surrogates replaced by U+FFFD. The user is a
	 * detail of an event: a name no ledger can store must not keep the event from being recorded.
	 * @param name the principal's name
	 * @return the storable name, {@code null} when {@code name} is
	 */
	public static @Nullable String storableUser(@Nullable String name) {
		if (name == null) {
			return null;
		}
		StringBuilder user = new StringBuilder(Math.min(name.length(), MAX_USER_LENGTH));
		for (int i = 0; i < name.length() && user.length() < MAX_USER_LENGTH; i++) {
			char c = name.charAt(i);
			if (Character.isHighSurrogate(c) && i + 1 < name.length() && Character.isLowSurrogate(name.charAt(i + 1))) {
				if (user.length() + 2 > MAX_USER_LENGTH) {
					break;
				}
				user.append(c).append(name.charAt(++i));
			}
			else {
				user.append((c == '\u0000' || Character.isSurrogate(c)) ? '\uFFFD' : c);
			}
		}
		return user.toString();
	}

	/**
	 * Checks an event the kit built itself (the metering filter's request event). A
	 * {@linkplain #standard standard} validator holds only the kit's rules, which such an event
	 * passes by construction but for its caller's fields, so it checks those
	 * ({@link #validateCallerFields}); a validator made with the constructor, or a subclass, may
	 * hold rules of the application's own and checks the event in full ({@link #validate}).
	 * @param event an event built by the kit
	 * @throws InvalidUsageEventException naming the first invalid field
	 */
	public void validateBuiltByKit(UsageEvent event) {
		if (this.kitRulesOnly) {
			validateCallerFields(event);
		}
		else {
			validate(event);
		}
	}

	/**
	 * Checks only the fields of an event the kit built itself that come from the caller: the
	 * tenant and the user (a request's header or principal). Everything else of such an event is
	 * valid by construction (a meter name checked once at start-up, quantity one, occurred now,
	 * a route template checked when first seen, a numeric status), so it is not checked again on
	 * every request. Events recorded through {@link UsageRecorder} by the application get
	 * {@link #validate(UsageEvent)}.
	 * @param event an event built by the kit
	 * @throws InvalidUsageEventException naming the first invalid field
	 */
	public void validateCallerFields(UsageEvent event) {
		requireId("tenantId", event.tenantId());
		if (event.billingScopeId() != event.tenantId()) {
			requireId("billingScopeId", event.billingScopeId());
		}
		maxLength("userId", event.userId(), MAX_USER_LENGTH);
	}

	/**
	 * Whether a tenant or billing scope id can be stored in the ledger: not blank, at most
	 * {@link #MAX_ID_LENGTH} characters, no NUL and no unpaired surrogate.
	 * @param value the id
	 * @return true when an event may carry it
	 */
	public static boolean isStorableId(@Nullable String value) {
		try {
			requireId("tenantId", value);
			return true;
		}
		catch (InvalidUsageEventException ex) {
			return false;
		}
	}

	/**
	 * Checks a resource name once, for a caller that reuses it for many events.
	 * @param resource a resource name, such as a route template
	 * @throws InvalidUsageEventException if no ledger can store it
	 */
	public static void validateResource(String resource) {
		maxLength("resource", resource, MAX_RESOURCE_LENGTH);
	}

	private void validateQuantity(BigDecimal quantity) {
		if (quantity == null) {
			throw new InvalidUsageEventException("quantity", "must not be null");
		}
		String problem = quantityProblem(quantity);
		if (problem != null) {
			throw new InvalidUsageEventException("quantity", problem);
		}
		// Both numbers are bounded now, so comparing them cannot expand either.
		if (quantity.compareTo(this.maxQuantity) > 0) {
			throw new InvalidUsageEventException("quantity", "must be at most " + abbreviate(this.maxQuantity)
					+ " (metering.ledger.max-quantity), was " + abbreviate(quantity));
		}
	}

	/**
	 * Why a number is no quantity the ledger can hold, or {@code null} when it is one: negative,
	 * written with more than {@value #MAX_QUANTITY_DIGITS} digits, more than
	 * {@value #MAX_QUANTITY_SCALE} decimal places, or 10^29 or more. Looks only at the sign, the
	 * scale and the unscaled value's bit length before anything else, so {@code 1e999999999}
	 * costs what {@code 1} costs: call it before any arithmetic on a number from outside.
	 * @param quantity a number from a caller
	 * @return what is wrong with it, for a message, or {@code null}
	 */
	public static @Nullable String quantityProblem(BigDecimal quantity) {
		if (quantity.signum() < 0) {
			return "must not be negative, was " + abbreviate(quantity);
		}
		if (quantity.unscaledValue().bitLength() > MAX_QUANTITY_BITS) {
			return "must have at most " + MAX_QUANTITY_DIGITS + " digits, was " + abbreviate(quantity);
		}
		long scale = quantity.scale();
		if (quantity.signum() == 0) {
			return (scale < -MAX_QUANTITY_INTEGER_DIGITS || scale > MAX_QUANTITY_DIGITS)
					? "zero must be written with at most " + MAX_QUANTITY_DIGITS + " digits and no exponent above "
							+ MAX_QUANTITY_INTEGER_DIGITS + ", was " + abbreviate(quantity)
					: null;
		}
		if (quantity.precision() - scale > MAX_QUANTITY_INTEGER_DIGITS) {
			return "must be less than 1E+" + MAX_QUANTITY_INTEGER_DIGITS + ", was " + abbreviate(quantity);
		}
		// At most 64 digits: stripping zeros is cheap, and 1.50000000000 is 1.5.
		if (scale > MAX_QUANTITY_SCALE && quantity.stripTrailingZeros().scale() > MAX_QUANTITY_SCALE) {
			return "must have at most " + MAX_QUANTITY_SCALE + " decimal places, was " + abbreviate(quantity);
		}
		return null;
	}

	/**
	 * A number as a message may quote it: plain when short, else in scientific notation, else
	 * only its size. Never expands the number ({@code toPlainString()} of {@code 1e999999999} is a
	 * billion characters).
	 * @param number any number
	 * @return at most about 80 characters
	 */
	public static String abbreviate(BigDecimal number) {
		int bits = number.unscaledValue().bitLength();
		if (bits > MAX_QUANTITY_BITS) {
			return "a number of about " + (long) Math.ceil(bits * Math.log10(2)) + " digits";
		}
		int scale = number.scale();
		return (scale >= -MAX_QUANTITY_DIGITS && scale <= MAX_QUANTITY_DIGITS) ? number.toPlainString()
				: number.toString();
	}

	/**
	 * Caller text as a message may quote it: its first {@value #MAX_EXCERPT} characters and its
	 * length when longer, so a refusal of a megabyte value is not a megabyte itself.
	 * @param text any text
	 * @return at most about 100 characters
	 */
	public static String abbreviate(@Nullable String text) {
		if (text == null || text.length() <= MAX_EXCERPT) {
			return String.valueOf(text);
		}
		int end = Character.isHighSurrogate(text.charAt(MAX_EXCERPT - 1)) ? MAX_EXCERPT - 1 : MAX_EXCERPT;
		return text.substring(0, end) + "... (" + text.length() + " characters)";
	}

	private void validateOccurredAt(Instant occurredAt) {
		if (occurredAt == null) {
			throw new InvalidUsageEventException("occurredAt", "must not be null");
		}
		Instant now = this.clock.instant();
		if (occurredAt.isAfter(now.plus(MAX_CLOCK_SKEW))) {
			throw new InvalidUsageEventException("occurredAt",
					"must not be more than " + MAX_CLOCK_SKEW.toMinutes() + " minutes in the future, was " + occurredAt);
		}
		if (occurredAt.isBefore(now.minus(this.lateWindow))) {
			throw new InvalidUsageEventException("occurredAt", "must not be older than the late window of "
					+ this.lateWindow + " (metering.ledger.late-window), was " + occurredAt);
		}
	}

	private static void validateDimensions(Map<String, String> dimensions) {
		if (dimensions.size() > MAX_DIMENSIONS) {
			throw new InvalidUsageEventException("dimensions", "must have at most " + MAX_DIMENSIONS + " entries");
		}
		for (Map.Entry<String, String> entry : dimensions.entrySet()) {
			if (entry.getKey() == null || entry.getKey().isBlank()) {
				throw new InvalidUsageEventException("dimensions", "names must not be blank");
			}
			if (entry.getValue() == null) {
				throw new InvalidUsageEventException("dimensions", "value of '" + abbreviate(entry.getKey()) + "' must not be null");
			}
			requireStorable("dimensions", entry.getKey());
			requireStorable("dimensions", entry.getValue());
		}
		if (DimensionsJson.encodedLength(dimensions) > MAX_DIMENSIONS_JSON_LENGTH) {
			throw new InvalidUsageEventException("dimensions",
					"must encode to at most " + MAX_DIMENSIONS_JSON_LENGTH + " characters of JSON");
		}
	}

	private static void requireId(String field, @Nullable String value) {
		if (value == null || value.isBlank()) {
			throw new InvalidUsageEventException(field, "must not be blank");
		}
		maxLength(field, value, MAX_ID_LENGTH);
	}

	private static void maxLength(String field, @Nullable String value, int max) {
		if (value != null && value.length() > max) {
			throw new InvalidUsageEventException(field,
					"must be at most " + max + " characters, was " + value.length());
		}
		requireStorable(field, value);
	}

	/**
	 * Refuses text no ledger can store as given: U+0000 (PostgreSQL text cannot hold it) and
	 * unpaired surrogates (not Unicode: encoders replace them with '?', silently changing the value).
	 */
	private static void requireStorable(String field, String value) {
		if (value == null) {
			return;
		}
		for (int i = 0; i < value.length(); i++) {
			char c = value.charAt(i);
			if (c == '\u0000') {
				throw new InvalidUsageEventException(field, "must not contain the NUL character (U+0000)");
			}
			if (Character.isSurrogate(c)) {
				boolean paired = Character.isHighSurrogate(c) && i + 1 < value.length()
						&& Character.isLowSurrogate(value.charAt(i + 1));
				if (!paired) {
					throw new InvalidUsageEventException(field,
							"must be valid Unicode: unpaired surrogate at index " + i);
				}
				i++;
			}
		}
	}

}
