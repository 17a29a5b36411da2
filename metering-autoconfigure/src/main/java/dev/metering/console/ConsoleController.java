package dev.metering.console;

import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;

import dev.metering.admin.DefinitionConflictException;
import dev.metering.admin.DefinitionNotFoundException;
import dev.metering.admin.InvalidDefinitionException;
import dev.metering.admin.MeteringAdmin;
import dev.metering.admin.MeteringStatus;
import dev.metering.admin.QuotaChange;
import dev.metering.billing.BillingException;
import dev.metering.billing.BillingPeriod;
import dev.metering.billing.BillingReportService;
import dev.metering.billing.InvoiceStore;
import dev.metering.grant.GrantService;
import dev.metering.grant.MoneyGrants;
import dev.metering.billing.Granularity;
import dev.metering.billing.UsageSummaryService;
import dev.metering.event.UsageEventValidator;
import dev.metering.quota.QuotaEnforcementService;
import dev.metering.rollup.UsageReader;
import dev.metering.tenant.TenantDefinitionSource;
import dev.metering.tenant.TenantDirectory;
import jakarta.servlet.http.HttpServletRequest;
import org.jspecify.annotations.Nullable;

import org.springframework.core.io.ClassPathResource;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseCookie;
import org.springframework.http.ResponseEntity;
import org.springframework.stereotype.Controller;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;

/**
 * The console's routes under {@value ConsoleSettings#PATH}. Pages are HTML written on the server
 * with a strict Content-Security-Policy (no script, nothing from another origin); a form that
 * changes something carries a CSRF token and answers with a redirect. A script that sends the
 * admin key in the header gets the same pages, and refusals as problem+json.
 */
@Controller
@RequestMapping(ConsoleSettings.PATH)
public class ConsoleController {

	private static final Duration LOGIN_FORM_LIFETIME = Duration.ofMinutes(15);

	private final ConsoleAccess access;

	private final ConsoleTokens tokens;

	private final ConsoleReads reads;

	private final MeteringAdmin admin;

	private final ConsoleSettings settings;

	private final Clock clock;

	/**
	 * The console.
	 * @param settings its protection and meters
	 * @param useSecurity whether callers are checked with Spring Security (else the admin key)
	 * @param summaries usage and top users from the rollups
	 * @param reports the bill preview
	 * @param quotas quota status, {@code null} without quota enforcement
	 * @param usage the rollups' usage of a quota's window
	 * @param admin quota changes, explanations and the audit trail
	 * @param directory the tenant hierarchy
	 * @param tenants the configured tenants, for the overview, or {@code null}
	 * @param status the kit's health, or {@code null}
	 * @param invoices the finalized invoices, listed under the bill preview, or {@code null}
	 * @param grants the balances of grants of units, or {@code null} without grants
	 * @param money the balances of money grants, or {@code null} without them
	 * @param clock the clock
	 */
	public ConsoleController(ConsoleSettings settings, boolean useSecurity, UsageSummaryService summaries,
			BillingReportService reports, @Nullable QuotaEnforcementService quotas, UsageReader usage,
			MeteringAdmin admin, TenantDirectory directory, @Nullable TenantDefinitionSource tenants,
			@Nullable MeteringStatus status, @Nullable InvoiceStore invoices, @Nullable GrantService grants,
			@Nullable MoneyGrants money, Clock clock) {
		this.settings = settings;
		this.tokens = new ConsoleTokens(settings.adminKey(), settings.sessionTimeout(), clock);
		this.access = new ConsoleAccess(settings, this.tokens, useSecurity);
		this.reads = new ConsoleReads(summaries, reports, quotas, usage, admin, directory, tenants, status, invoices,
				new ConsoleReads.Grants(grants, money), settings.meters(), clock);
		this.admin = admin;
		this.clock = clock;
	}

	@GetMapping
	ResponseEntity<String> home(HttpServletRequest request) {
		ConsoleCaller caller = this.access.caller(request);
		if (caller == null) {
			if (this.access.loginForm()) {
				return ConsoleResponses.redirect(request, "/login");
			}
			throw new ConsoleException(HttpStatus.UNAUTHORIZED, null, "The console needs an authenticated caller");
		}
		if (!caller.operator()) {
			return ConsoleResponses.redirect(request, "/tenants/" + Html.segment(caller.tenant()));
		}
		Html page = page(request, "Overview", caller);
		return ConsoleResponses.html(HttpStatus.OK, OperatorPages.overview(page, this.reads.definedTenants(), this.reads.health()));
	}

	@GetMapping("/login")
	ResponseEntity<String> loginForm(HttpServletRequest request) {
		if (!this.access.loginForm()) {
			throw new ConsoleException(HttpStatus.NOT_FOUND, null, "Log in through the application's security");
		}
		return login(request, HttpStatus.OK, null);
	}

	@PostMapping("/login")
	ResponseEntity<String> login(HttpServletRequest request, @RequestParam(required = false) @Nullable String key,
			@RequestParam(required = false) @Nullable String csrf) {
		if (!this.access.loginForm()) {
			throw new ConsoleException(HttpStatus.NOT_FOUND, null, "Log in through the application's security");
		}
		String nonce = ConsoleAccess.cookie(request, ConsoleAccess.LOGIN_COOKIE);
		if (nonce == null || !this.tokens.csrfMatches("login|" + nonce, csrf)) {
			return login(request, HttpStatus.FORBIDDEN, "The login form expired or did not come from this console: try again.");
		}
		if (!this.access.keyMatches(key)) {
			return login(request, HttpStatus.UNAUTHORIZED, "That is not the admin key.");
		}
		return ResponseEntity.status(HttpStatus.SEE_OTHER)
			.location(URI.create(ConsoleResponses.base(request)))
			.header(HttpHeaders.SET_COOKIE, cookie(request, ConsoleAccess.SESSION_COOKIE, this.tokens.newSession(null),
					this.tokens.timeout()))
			.header(HttpHeaders.SET_COOKIE, cookie(request, ConsoleAccess.LOGIN_COOKIE, "", Duration.ZERO))
			.build();
	}

	@PostMapping("/logout")
	ResponseEntity<String> logout(HttpServletRequest request, @RequestParam(required = false) @Nullable String csrf) {
		ConsoleCaller caller = requireCaller(request);
		requireCsrf(caller, csrf);
		return ResponseEntity.status(HttpStatus.SEE_OTHER)
			.location(URI.create(ConsoleResponses.base(request) + "/login"))
			.header(HttpHeaders.SET_COOKIE, cookie(request, ConsoleAccess.SESSION_COOKIE, "", Duration.ZERO))
			.build();
	}

	@GetMapping("/tenants")
	ResponseEntity<String> openTenant(HttpServletRequest request, @RequestParam(required = false) @Nullable String tenant) {
		requireCaller(request);
		return ConsoleResponses.redirect(request, "/tenants/" + Html.segment(ConsoleInput.tenantId(tenant)));
	}

	@GetMapping("/tenants/{tenant}")
	ResponseEntity<String> tenant(HttpServletRequest request, @PathVariable String tenant,
			@RequestParam(required = false) @Nullable String meter,
			@RequestParam(required = false) @Nullable String granularity,
			@RequestParam(required = false) @Nullable String period) {
		ConsoleCaller caller = requireTenant(request, tenant);
		if (meter != null && !meter.isEmpty() && !UsageEventValidator.isValidMeterName(meter)) {
			throw ConsoleException.badRequest("meter", "must match [a-z0-9][a-z0-9._-]*, was '"
					+ UsageEventValidator.abbreviate(meter) + "'");
		}
		Granularity buckets = ConsoleInput.granularity(granularity);
		BillingPeriod range = ConsoleInput.period(period, this.clock);
		TenantView view = this.reads.tenant(tenant, (meter == null || meter.isEmpty()) ? null : meter, buckets, range,
				caller);
		Html page = page(request, "Tenant " + tenant, caller);
		return ConsoleResponses.html(HttpStatus.OK, TenantPage.render(page, view, buckets, range, caller, csrf(caller)));
	}

	@PostMapping("/tenants/{tenant}/quota")
	ResponseEntity<String> changeQuota(HttpServletRequest request, @PathVariable String tenant,
			@RequestParam(required = false) @Nullable String csrf, @RequestParam(required = false) @Nullable String meter,
			@RequestParam(required = false) @Nullable String window,
			@RequestParam(required = false) @Nullable String limit,
			@RequestParam(required = false) @Nullable String enforcement,
			@RequestParam(name = "soft_threshold", required = false) @Nullable String softThreshold) {
		ConsoleCaller caller = requireOperator(request);
		requireCsrf(caller, csrf);
		ConsoleInput.tenantId(tenant);
		QuotaChange change = new QuotaChange(meter, window, ConsoleInput.decimal("limit", limit), enforcement,
				ConsoleInput.blank(softThreshold) ? null : ConsoleInput.decimal("soft_threshold", softThreshold).doubleValue());
		this.admin.putTenantQuota(caller.actor(), tenant, change);
		return ConsoleResponses.redirect(request, "/tenants/" + Html.segment(tenant) + "?meter=" + Html.segment(String.valueOf(meter)));
	}

	@PostMapping("/tenants/{tenant}/view-as")
	ResponseEntity<String> viewAs(HttpServletRequest request, @PathVariable String tenant,
			@RequestParam(required = false) @Nullable String csrf) {
		ConsoleCaller caller = requireOperator(request);
		requireCsrf(caller, csrf);
		if (!caller.session()) {
			throw new ConsoleException(HttpStatus.NOT_FOUND, null, "The tenant view is opened from the login form's session");
		}
		return ResponseEntity.status(HttpStatus.SEE_OTHER)
			.location(URI.create(ConsoleResponses.base(request) + "/tenants/" + Html.segment(ConsoleInput.tenantId(tenant))))
			.header(HttpHeaders.SET_COOKIE, cookie(request, ConsoleAccess.SESSION_COOKIE, this.tokens.newSession(tenant),
					this.tokens.timeout()))
			.build();
	}

	@GetMapping("/audit")
	ResponseEntity<String> audit(HttpServletRequest request) {
		ConsoleCaller caller = requireOperator(request);
		return ConsoleResponses.html(HttpStatus.OK, OperatorPages.audit(page(request, "Audit log", caller), this.reads.audit(100)));
	}

	@GetMapping("/assets/console.css")
	ResponseEntity<byte[]> stylesheet() throws IOException {
		try (InputStream in = new ClassPathResource("dev/metering/console/console.css").getInputStream()) {
			return ResponseEntity.ok()
				.contentType(MediaType.parseMediaType("text/css;charset=UTF-8"))
				.header(HttpHeaders.CACHE_CONTROL, "max-age=3600")
				.header("X-Content-Type-Options", "nosniff")
				.body(in.readAllBytes());
		}
	}

	@ExceptionHandler
	ResponseEntity<?> refused(ConsoleException ex, HttpServletRequest request) {
		return refusal(request, ex.status(), ex.field(), ex.getMessage());
	}

	@ExceptionHandler
	ResponseEntity<?> invalid(InvalidDefinitionException ex, HttpServletRequest request) {
		// The form's fields are named as the admin API's bodies name them (soft_threshold).
		return refusal(request, HttpStatus.BAD_REQUEST, ex.getField().replace('-', '_'), ex.getMessage());
	}

	@ExceptionHandler
	ResponseEntity<?> invalidRange(BillingException ex, HttpServletRequest request) {
		return refusal(request, HttpStatus.BAD_REQUEST, ex.getField(), ex.getMessage());
	}

	@ExceptionHandler
	ResponseEntity<?> notFound(DefinitionNotFoundException ex, HttpServletRequest request) {
		return refusal(request, HttpStatus.NOT_FOUND, null, ex.getMessage());
	}

	@ExceptionHandler
	ResponseEntity<?> conflict(DefinitionConflictException ex, HttpServletRequest request) {
		return refusal(request, HttpStatus.CONFLICT, null, ex.getMessage());
	}

	private ResponseEntity<?> refusal(HttpServletRequest request, HttpStatus status, @Nullable String field,
			@Nullable String message) {
		String detail = (message != null) ? message : status.getReasonPhrase();
		String accept = request.getHeader(HttpHeaders.ACCEPT);
		if (request.getHeader(ConsoleAccess.KEY_HEADER) != null || (accept != null && accept.contains("json"))) {
			ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, detail);
			if (field != null) {
				problem.setProperty("field", field);
			}
			return ResponseEntity.status(status).contentType(MediaType.APPLICATION_PROBLEM_JSON).body(problem);
		}
		ConsoleCaller caller = null;
		if (status != HttpStatus.UNAUTHORIZED) {
			try {
				caller = this.access.caller(request);
			}
			catch (ConsoleException ignored) {
				// The refusal page is shown without navigation.
			}
		}
		Html page = page(request, status.value() + " " + status.getReasonPhrase(), caller);
		boolean loginLink = status == HttpStatus.UNAUTHORIZED && this.access.loginForm();
		return ConsoleResponses.html(status, OperatorPages.refusal(page, status.value(), field, detail, loginLink));
	}

	private ConsoleCaller requireCaller(HttpServletRequest request) {
		ConsoleCaller caller = this.access.caller(request);
		if (caller == null) {
			throw new ConsoleException(HttpStatus.UNAUTHORIZED, null,
					this.access.loginForm() ? "Log in with the admin key first" : "The console needs an authenticated caller");
		}
		return caller;
	}

	private ConsoleCaller requireOperator(HttpServletRequest request) {
		ConsoleCaller caller = requireCaller(request);
		if (!caller.operator()) {
			throw ConsoleException.forbidden("This page is for operators; the tenant view shows tenant "
					+ caller.tenant() + " only");
		}
		return caller;
	}

	private ConsoleCaller requireTenant(HttpServletRequest request, String tenant) {
		ConsoleCaller caller = requireCaller(request);
		ConsoleInput.tenantId(tenant);
		if (!caller.maySee(tenant)) {
			throw ConsoleException.forbidden("The tenant view of " + caller.tenant() + " may not open tenant " + tenant);
		}
		return caller;
	}

	private void requireCsrf(ConsoleCaller caller, @Nullable String csrf) {
		if (caller.csrfBinding() != null && !this.tokens.csrfMatches(caller.csrfBinding(), csrf)) {
			throw new ConsoleException(HttpStatus.FORBIDDEN, "csrf",
					"The form's CSRF token is missing or wrong: reload the page and try again");
		}
	}

	private @Nullable String csrf(@Nullable ConsoleCaller caller) {
		return (caller != null && caller.csrfBinding() != null) ? this.tokens.csrf(caller.csrfBinding()) : null;
	}

	private ResponseEntity<String> login(HttpServletRequest request, HttpStatus status, @Nullable String error) {
		String nonce = this.tokens.nonce();
		Html page = page(request, "Log in", null);
		return ResponseEntity.status(status)
			.headers(ConsoleResponses.pageHeaders())
			.header(HttpHeaders.SET_COOKIE, cookie(request, ConsoleAccess.LOGIN_COOKIE, nonce, LOGIN_FORM_LIFETIME))
			.body(OperatorPages.login(page, this.tokens.csrf("login|" + nonce), error));
	}

	private Html page(HttpServletRequest request, String title, @Nullable ConsoleCaller caller) {
		return new Html(ConsoleResponses.base(request), title, caller, csrf(caller),
				ConsoleAccess.securityCsrfToken(request));
	}

	private String cookie(HttpServletRequest request, String name, String value, Duration maxAge) {
		return ResponseCookie.from(name, value)
			.path(ConsoleResponses.base(request))
			.httpOnly(true)
			.secure(this.settings.secureCookie())
			.sameSite("Strict")
			.maxAge(maxAge)
			.build()
			.toString();
	}


}
