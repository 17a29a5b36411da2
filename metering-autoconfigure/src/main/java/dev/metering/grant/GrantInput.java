package dev.metering.grant;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Currency;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import dev.metering.admin.InvalidDefinitionException;
import dev.metering.event.UsageEventValidator;
import dev.metering.quota.QuotaWindow;

import org.jspecify.annotations.Nullable;

/** The checks of a new grant (each names the field) and a grant's text in the audit trail. */
final class GrantInput {

	private static final BigDecimal MAX_AMOUNT = new BigDecimal("1e20");

	/** The most meters a money grant lists (they are kept comma-separated in a 2,000-character column). */
	static final int MAX_METERS = 15;

	private GrantInput() {
	}

	/**
	 * The grant a request asks for.
	 * @throws InvalidDefinitionException naming the field
	 */
	static Grant validate(String actor, NewGrant request, Instant now) {
		requireActor(actor);
		String tenant = requireTenant(request.tenantId());
		if (request.currency() != null) {
			return validateMoney(actor, tenant, request, now);
		}
		if (request.meters() != null && !request.meters().isEmpty()) {
			throw new InvalidDefinitionException("meters", request.meters(),
					"only a money grant (with a currency) pays a list of meters; a grant of units has one meter");
		}
		String meter = request.meter();
		if (meter == null || meter.length() > 126 || !UsageEventValidator.isValidMeterName(meter)) {
			throw new InvalidDefinitionException("meter", meter,
					"a meter name is required, at most 126 characters matching [a-z0-9][a-z0-9._-]*");
		}
		BigDecimal amount = request.amount();
		if (amount == null || amount.signum() <= 0 || amount.compareTo(MAX_AMOUNT) >= 0
				|| amount.stripTrailingZeros().scale() > 9) {
			throw new InvalidDefinitionException("amount", amount,
					"a positive number below 1e20 with at most 9 decimal places");
		}
		int priority = priority(request);
		Instant effective = effective(request, now);
		String recurrence = recurrence(request);
		BigDecimal rolloverMax = request.rolloverMax();
		if (rolloverMax != null && (recurrence == null || rolloverMax.signum() < 0
				|| rolloverMax.compareTo(MAX_AMOUNT) >= 0 || rolloverMax.stripTrailingZeros().scale() > 9)) {
			throw new InvalidDefinitionException("rollover.max_amount", rolloverMax, (recurrence == null)
					? "only a recurring grant rolls over: set recurrence" : "zero or more, below 1e20, at most 9 decimal places");
		}
		Instant expires = (recurrence != null) ? QuotaWindow.MONTH.bounds(effective).end() : request.expiresAt();
		Grant grant = new Grant(UUID.randomUUID().toString(), tenant, meter, plain(amount), priority, effective, expires,
				null, now, actor, request.description(), recurrence, (rolloverMax != null) ? plain(rolloverMax) : null,
				BigDecimal.ZERO);
		return grant;
	}

	/**
	 * A money grant: an amount of a currency (at most its decimals) that pays the charges of the
	 * meters it lists, or of every meter; it may renew each month and roll over, as a grant of
	 * units does, its rollover cap in the currency's decimals.
	 */
	private static Grant validateMoney(String actor, String tenant, NewGrant request, Instant now) {
		Currency currency = currency(request.currency());
		if (request.meter() != null) {
			throw new InvalidDefinitionException("meter", request.meter(),
					"a money grant names the meters it pays in 'meters' (none: every meter of the plan), not 'meter'");
		}
		BigDecimal amount = request.amount();
		if (amount == null || amount.signum() <= 0 || amount.compareTo(MAX_AMOUNT) >= 0
				|| amount.stripTrailingZeros().scale() > currency.getDefaultFractionDigits()) {
			throw new InvalidDefinitionException("amount", amount, "a positive amount below 1e20 with at most "
					+ currency.getDefaultFractionDigits() + " decimal places (" + currency.getCurrencyCode() + ")");
		}
		List<String> meters = new ArrayList<>();
		if (request.meters() != null) {
			for (String meter : request.meters()) {
				if (meter == null || meter.length() > 126 || !UsageEventValidator.isValidMeterName(meter)
						|| meters.contains(meter)) {
					throw new InvalidDefinitionException("meters", request.meters(),
							"distinct meter names, each at most 126 characters matching [a-z0-9][a-z0-9._-]*");
				}
				meters.add(meter);
			}
		}
		if (meters.size() > MAX_METERS) {
			throw new InvalidDefinitionException("meters", meters.size() + " meters",
					"at most " + MAX_METERS + " (none: every meter of the plan)");
		}
		int priority = priority(request);
		Instant effective = effective(request, now);
		String recurrence = recurrence(request);
		BigDecimal rolloverMax = request.rolloverMax();
		if (rolloverMax != null && (recurrence == null || rolloverMax.signum() < 0
				|| rolloverMax.compareTo(MAX_AMOUNT) >= 0
				|| rolloverMax.stripTrailingZeros().scale() > currency.getDefaultFractionDigits())) {
			throw new InvalidDefinitionException("rollover.max_amount", rolloverMax, (recurrence == null)
					? "only a recurring grant rolls over: set recurrence" : "zero or more, below 1e20, at most "
							+ currency.getDefaultFractionDigits() + " decimal places (" + currency.getCurrencyCode() + ")");
		}
		Instant expires = (recurrence != null) ? QuotaWindow.MONTH.bounds(effective).end() : request.expiresAt();
		return new Grant(UUID.randomUUID().toString(), tenant, null, plain(amount), priority, effective, expires, null,
				now, actor, request.description(), recurrence, (rolloverMax != null) ? plain(rolloverMax) : null,
				BigDecimal.ZERO, currency.getCurrencyCode(), meters);
	}

	/** The recurrence asked for: {@code month} or none; a recurring grant has no expiry of its own. */
	private static @Nullable String recurrence(NewGrant request) {
		String recurrence = request.recurrence();
		if (recurrence != null && !GrantService.MONTH.equals(recurrence)) {
			throw new InvalidDefinitionException("recurrence", recurrence, "'month' (each UTC month) or none");
		}
		if (recurrence != null && request.expiresAt() != null) {
			throw new InvalidDefinitionException("expires_at", request.expiresAt(),
					"a recurring grant ends with each month and renews: void it to stop it");
		}
		return recurrence;
	}

	/** The priority asked for (default {@link GrantService#DEFAULT_PRIORITY}), checked. */
	private static int priority(NewGrant request) {
		int priority = (request.priority() != null) ? request.priority() : GrantService.DEFAULT_PRIORITY;
		if (priority < 0 || priority > 1000) {
			throw new InvalidDefinitionException("priority", priority, "from 0 (burned first) to 1000");
		}
		return priority;
	}

	/** The effective instant asked for (default now), with the expiry and description checked against it. */
	private static Instant effective(NewGrant request, Instant now) {
		Instant effective = (request.effectiveAt() != null) ? request.effectiveAt() : now;
		if (request.expiresAt() != null && !request.expiresAt().isAfter(effective)) {
			throw new InvalidDefinitionException("expires_at", request.expiresAt(), "must be after effective_at");
		}
		if (request.description() != null && request.description().length() > 512) {
			throw new InvalidDefinitionException("description", request.description().substring(0, 32) + "...",
					"at most 512 characters");
		}
		return effective;
	}

	/** An ISO 4217 code of a currency with minor units (not XXX, XAU and the like). */
	private static Currency currency(String code) {
		Currency currency = null;
		if (code.length() == 3 && code.chars().allMatch((c) -> c >= 'A' && c <= 'Z')) {
			try {
				currency = Currency.getInstance(code);
			}
			catch (IllegalArgumentException ex) {
				currency = null;
			}
		}
		if (currency == null || currency.getDefaultFractionDigits() < 0) {
			throw new InvalidDefinitionException("currency", code,
					"an ISO 4217 currency code in capitals, e.g. EUR (that of the plan's prices)");
		}
		return currency;
	}

	static BigDecimal plain(BigDecimal amount) {
		BigDecimal stripped = amount.stripTrailingZeros();
		return (stripped.scale() < 0) ? stripped.setScale(0) : stripped;
	}

	static String target(Grant grant) {
		return "tenant:" + grant.tenantId() + "/grant/" + grant.id();
	}

	static String describe(Grant grant) {
		Map<String, Object> fields = new LinkedHashMap<>();
		if (grant.isMoney()) {
			fields.put("currency", grant.currency());
			fields.put("meters", grant.meters().isEmpty() ? "*" : String.join(",", grant.meters()));
		}
		else {
			fields.put("meter", grant.meter());
		}
		fields.put("amount", grant.amount().toPlainString());
		fields.put("priority", grant.priority());
		fields.put("effective-at", grant.effectiveAt());
		if (grant.expiresAt() != null) {
			fields.put("expires-at", grant.expiresAt());
		}
		if (grant.recurrence() != null) {
			fields.put("recurrence", grant.recurrence());
		}
		if (grant.rolloverMax() != null) {
			fields.put("rollover-max", grant.rolloverMax().toPlainString());
		}
		if (grant.carried().signum() != 0) {
			fields.put("carried", grant.carried().toPlainString());
		}
		StringBuilder text = new StringBuilder();
		fields.forEach((name, value) -> text.append((text.length() > 0) ? " " : "").append(name).append('=').append(value));
		return text.toString();
	}

	static void requireActor(@Nullable String actor) {
		if (actor == null || actor.isBlank() || actor.length() > 256) {
			throw new InvalidDefinitionException("actor", actor, "required, at most 256 characters");
		}
	}

	static String requireTenant(@Nullable String tenant) {
		if (tenant == null || tenant.isBlank() || tenant.length() > 128
				|| tenant.chars().anyMatch(Character::isISOControl)) {
			throw new InvalidDefinitionException("tenant", tenant,
					"a tenant id is required, at most 128 characters without control characters");
		}
		return tenant;
	}

}
