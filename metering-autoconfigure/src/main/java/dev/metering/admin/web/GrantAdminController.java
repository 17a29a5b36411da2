package dev.metering.admin.web;

import java.math.BigDecimal;
import java.net.URI;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.annotation.JsonFormat;
import com.fasterxml.jackson.annotation.JsonInclude;
import dev.metering.admin.InvalidDefinitionException;
import dev.metering.api.BoundedJson;
import dev.metering.grant.Grant;
import dev.metering.grant.GrantBalance;
import dev.metering.grant.GrantService;
import dev.metering.grant.MeterBalance;
import dev.metering.grant.MoneyBalance;
import dev.metering.grant.MoneyGrants;
import dev.metering.grant.NewGrant;
import jakarta.servlet.http.HttpServletRequest;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.PropertyNamingStrategies;
import tools.jackson.databind.annotation.JsonNaming;

import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * The admin REST API's grants (prepaid credits) under {@code metering.admin.web.base-path}:
 * create a tenant's grant (of units, or of money with {@code currency}), list its grants with their
 * balances, void a grant. Authorized like every admin route; every change is audited by
 * {@link GrantService}.
 */
@RestController
@RequestMapping("${metering.admin.web.base-path:/metering/admin}")
public class GrantAdminController {

	private final GrantService grants;

	private final AdminAccess access;

	private final long maxBodyBytes;

	private final @Nullable MoneyGrants money;

	/**
	 * Creates the routes.
	 * @param grants the grants
	 * @param settings the authority, API key and body limit
	 * @param useSecurity whether callers without the API key are checked with Spring Security
	 */
	public GrantAdminController(GrantService grants, AdminApiSettings settings, boolean useSecurity) {
		this(grants, null, settings, useSecurity);
	}

	/**
	 * Creates the routes, with the money balances.
	 * @param grants the grants
	 * @param money the money grants' balances, {@code null} without them
	 * @param settings the authority, API key and body limit
	 * @param useSecurity whether callers without the API key are checked with Spring Security
	 */
	public GrantAdminController(GrantService grants, @Nullable MoneyGrants money, AdminApiSettings settings,
			boolean useSecurity) {
		this.grants = grants;
		this.money = money;
		this.access = new AdminAccess(settings, useSecurity);
		this.maxBodyBytes = settings.maxBodyBytes();
	}

	@PostMapping("/tenants/{tenant}/grants")
	ResponseEntity<GrantBody> create(HttpServletRequest request, @PathVariable String tenant) {
		String actor = this.access.authorize(request);
		GrantRequest body = BoundedJson.read(
				BoundedJson.body(request, this.maxBodyBytes, "metering.admin.web.max-body-size"), GrantRequest.class);
		Grant grant = this.grants.create(actor, new NewGrant(tenant, body.meter(), body.amount(), body.priority(),
				instant("effective_at", body.effectiveAt()), instant("expires_at", body.expiresAt()),
				body.description(), body.recurrence(), rolloverMax(body.rollover()), body.currency(), body.meters()));
		return ResponseEntity.created(URI.create(request.getRequestURI()))
			.contentType(MediaType.APPLICATION_JSON)
			.body(GrantBody.of(grant, grant.amount(), BigDecimal.ZERO, null));
	}

	@GetMapping("/tenants/{tenant}/grants")
	ResponseEntity<List<BalanceBody>> balances(HttpServletRequest request, @PathVariable String tenant) {
		this.access.authorize(request);
		List<BalanceBody> balances = new ArrayList<>(this.grants.balancesOf(tenant).stream().map(BalanceBody::of).toList());
		if (this.money != null) {
			this.money.balancesOf(tenant).forEach((balance) -> balances.add(BalanceBody.of(balance)));
		}
		return ResponseEntity.ok().contentType(MediaType.APPLICATION_JSON).body(balances);
	}

	@DeleteMapping("/grants/{id}")
	ResponseEntity<GrantBody> voidGrant(HttpServletRequest request, @PathVariable String id) {
		Grant grant = this.grants.voidGrant(this.access.authorize(request), id);
		return ResponseEntity.ok().contentType(MediaType.APPLICATION_JSON).body(GrantBody.of(grant, null, null, "voided"));
	}

	private static @Nullable Instant instant(String field, @Nullable String value) {
		if (value == null) {
			return null;
		}
		try {
			return Instant.parse(value);
		}
		catch (DateTimeParseException ex) {
			throw new InvalidDefinitionException(field, value, "an ISO-8601 instant, e.g. 2026-12-01T00:00:00Z");
		}
	}

	private static @Nullable BigDecimal rolloverMax(@Nullable Rollover rollover) {
		if (rollover == null) {
			return null;
		}
		if (rollover.maxAmount() == null) {
			throw new InvalidDefinitionException("rollover.max_amount", null,
					"the most that carries into the next month is required");
		}
		return rollover.maxAmount();
	}

	/** A new grant. */
	@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
	record GrantRequest(@Nullable String meter, @Nullable BigDecimal amount, @Nullable Integer priority,
			@Nullable String effectiveAt, @Nullable String expiresAt, @Nullable String description,
			@Nullable String recurrence, @Nullable Rollover rollover, @Nullable String currency,
			@Nullable List<String> meters) {
	}

	/** A recurring grant's rollover rule. */
	@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
	record Rollover(@Nullable BigDecimal maxAmount) {
	}

	/** A grant and, when known, what is left of it; a money grant has a currency and its meters, no meter. */
	@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
	@JsonInclude(JsonInclude.Include.ALWAYS)
	record GrantBody(String id, String tenantId, @Nullable String meter, BigDecimal amount, int priority,
			@JsonFormat(shape = JsonFormat.Shape.STRING) Instant effectiveAt,
			@JsonFormat(shape = JsonFormat.Shape.STRING) @Nullable Instant expiresAt,
			@JsonFormat(shape = JsonFormat.Shape.STRING) @Nullable Instant voidedAt, @Nullable BigDecimal remaining,
			@Nullable BigDecimal used, @Nullable String state, @Nullable String description,
			@Nullable String recurrence, @Nullable BigDecimal rolloverMax, BigDecimal carried,
			@JsonInclude(JsonInclude.Include.NON_NULL) @Nullable String currency,
			@JsonInclude(JsonInclude.Include.NON_NULL) @Nullable List<String> meters) {

		static GrantBody of(Grant grant, @Nullable BigDecimal remaining, @Nullable BigDecimal used,
				@Nullable String state) {
			return new GrantBody(grant.id(), grant.tenantId(), grant.meter(), grant.amount(), grant.priority(),
					grant.effectiveAt(), grant.expiresAt(), grant.voidedAt(), remaining, used, state,
					grant.description(), grant.recurrence(), grant.rolloverMax(), grant.carried(), grant.currency(),
					grant.isMoney() ? grant.meters() : null);
		}

		static GrantBody of(GrantBalance balance) {
			return of(balance.grant(), balance.remaining(), balance.used(), balance.state());
		}

	}

	/** A meter's balance of units and its grants, or (with a currency, no meter) a currency's money grants. */
	@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
	@JsonInclude(JsonInclude.Include.ALWAYS)
	record BalanceBody(@Nullable String meter, @Nullable String grantBacked, BigDecimal balance, BigDecimal overage,
			List<GrantBody> grants, @JsonInclude(JsonInclude.Include.NON_NULL) @Nullable String currency) {

		static BalanceBody of(MeterBalance balance) {
			return new BalanceBody(balance.meter(),
					(balance.enforcement() != null) ? balance.enforcement().name().toLowerCase(java.util.Locale.ROOT) : null,
					balance.balance(), balance.overage(), balance.grants().stream().map(GrantBody::of).toList(), null);
		}

		static BalanceBody of(MoneyBalance balance) {
			return new BalanceBody(null, null, balance.balance(), BigDecimal.ZERO,
					balance.grants().stream().map(GrantBody::of).toList(), balance.currency());
		}

	}

}
