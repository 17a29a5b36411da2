package dev.metering.web;

import java.io.IOException;
import java.net.URI;
import java.security.Principal;
import java.time.Clock;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

import jakarta.servlet.DispatcherType;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import dev.metering.event.InvalidUsageEventException;
import dev.metering.event.UsageEvent;
import dev.metering.event.UsageNotRecordedException;
import dev.metering.event.UsageEventValidator;
import dev.metering.event.UsageRecorder;
import dev.metering.event.UsageSource;
import dev.metering.operation.MeteredRequest;
import dev.metering.quota.QuotaDecision;
import dev.metering.quota.QuotaEnforcementService;
import dev.metering.quota.QuotaExceededException;
import dev.metering.quota.Reservation;
import dev.metering.tenant.HeaderTenantResolver;
import dev.metering.tenant.TenantDirectory;
import dev.metering.tenant.TenantLineage;
import dev.metering.tenant.TenantResolver;

import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.web.filter.OncePerRequestFilter;
import org.springframework.web.servlet.HandlerMapping;
import org.springframework.web.servlet.resource.ResourceHttpRequestHandler;

/**
 * Meters every request: after the response, one event of the request meter with the tenant, the
 * user, the route template ({@code GET /api/projects/{id}}, never the raw path) and the status.
 * Recording hands the event to the buffered writer; the request thread never runs JDBC.
 * <p>
 * Registered for REQUEST and ASYNC dispatches with order {@link #DEFAULT_ORDER}, after Spring
 * Security's filter chain, so the authenticated principal is known. An async request is
 * recorded once, when its last dispatch completes.
 * <p>
 * A request with a tenant gets one {@link MeteredRequest} (tenant, lineage, start, the request
 * meter's reservation), kept in a local through the chain and set as its one request attribute
 * for the {@code @Metered} interceptors and an async dispatch.
 * <p>
 * Over 350 lines: a request's whole metering life (tenant, check, refusal, recording, async
 * completion) reads best in the one filter.
 */
public class MeteringFilter extends OncePerRequestFilter {

	/**
	 * Ten after Spring Security's default filter-chain order ({@code -100}), so the principal is
	 * set, and before Spring MVC.
	 */
	public static final int DEFAULT_ORDER = -90;

	/** Resource of a request that no handler matched: the raw path is never recorded. */
	public static final String UNMATCHED = "UNMATCHED";

	private static final Log logger = LogFactory.getLog(MeteringFilter.class);

	private final UsageRecorder recorder;

	private final TenantResolver tenantResolver;

	private final MeteringFilterSettings settings;

	private final RequestMatcher matcher;

	private final Clock clock;

	private final RequestResources resources = new RequestResources();

	private final @Nullable QuotaEnforcementService quotas;

	private final @Nullable QuotaEnforcementSettings quotaSettings;

	private final TenantDirectory directory;

	private static final URI ABOUT_BLANK = URI.create("about:blank");

	private static final long WARNING_INTERVAL_NANOS = Duration.ofMinutes(1).toNanos();

	private final AtomicLong nextWarning = new AtomicLong(Long.MIN_VALUE);

	private final AtomicLong refusedTenants = new AtomicLong();

	private volatile @Nullable String alreadyFilteredAttributeName;

	public MeteringFilter(UsageRecorder recorder, TenantResolver tenantResolver, MeteringFilterSettings settings,
			Clock clock) {
		this(recorder, tenantResolver, settings, clock, null, null);
	}

	/**
	 * Creates a filter that also enforces quotas.
	 * @param recorder where request events go
	 * @param tenantResolver tells the tenant of a request
	 * @param settings what to meter
	 * @param clock the clock
	 * @param quotas the enforcement service, or {@code null} to meter only
	 * @param quotaSettings how to enforce, required with {@code quotas}
	 */
	public MeteringFilter(UsageRecorder recorder, TenantResolver tenantResolver, MeteringFilterSettings settings,
			Clock clock, @Nullable QuotaEnforcementService quotas, @Nullable QuotaEnforcementSettings quotaSettings) {
		this(recorder, tenantResolver, settings, clock, quotas, quotaSettings, TenantDirectory.FLAT);
	}

	/**
	 * Creates a filter that enforces quotas at every level of a tenant's lineage.
	 * @param recorder where request events go
	 * @param tenantResolver tells the tenant of a request
	 * @param settings what to meter
	 * @param clock the clock
	 * @param quotas the enforcement service, or {@code null} to meter only
	 * @param quotaSettings how to enforce, required with {@code quotas}
	 * @param directory the lineage of each tenant
	 */
	public MeteringFilter(UsageRecorder recorder, TenantResolver tenantResolver, MeteringFilterSettings settings,
			Clock clock, @Nullable QuotaEnforcementService quotas, @Nullable QuotaEnforcementSettings quotaSettings,
			TenantDirectory directory) {
		this.directory = directory;
		this.recorder = recorder;
		this.tenantResolver = tenantResolver;
		this.settings = settings;
		this.matcher = new RequestMatcher(settings.include(), settings.exclude());
		this.clock = clock;
		this.quotas = quotas;
		this.quotaSettings = (quotas != null && quotaSettings == null)
				? new QuotaEnforcementSettings(QuotaExceededException.DEFAULT_TYPE, false, null) : quotaSettings;
	}

	@Override
	protected boolean shouldNotFilterAsyncDispatch() {
		return false;
	}

	@Override
	protected boolean shouldNotFilter(HttpServletRequest request) {
		return !this.matcher.matches(request);
	}

	/**
	 * The attribute {@link OncePerRequestFilter} marks a request with: built once, where the base
	 * class concatenates the filter's name anew on every request.
	 */
	@Override
	protected String getAlreadyFilteredAttributeName() {
		String name = this.alreadyFilteredAttributeName;
		if (name == null) {
			name = super.getAlreadyFilteredAttributeName();
			this.alreadyFilteredAttributeName = name;
		}
		return name;
	}

	/**
	 * {@link OncePerRequestFilter}'s work for the two dispatches the filter is registered for,
	 * without its mark: the base class sets, reads and removes a request attribute of its own on
	 * every request, and Tomcat copies its listener array and makes an event for each change of
	 * an attribute. A request dispatch is run once by the {@link MeteredRequest} attribute
	 * instead (a request without one recorded nothing, so a second pass would record nothing
	 * either); an async dispatch always reaches {@link #doFilterInternal}, as with the base class
	 * and {@link #shouldNotFilterAsyncDispatch()} false. Any other dispatch goes through the base
	 * class unchanged.
	 */
	@Override
	public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
			throws ServletException, IOException {
		if (!(request instanceof HttpServletRequest httpRequest) || !(response instanceof HttpServletResponse httpResponse)) {
			super.doFilter(request, response, chain);
			return;
		}
		DispatcherType dispatch = httpRequest.getDispatcherType();
		if (dispatch != DispatcherType.REQUEST && dispatch != DispatcherType.ASYNC) {
			super.doFilter(request, response, chain);
			return;
		}
		boolean skip = (dispatch == DispatcherType.REQUEST && meteredRequest(httpRequest) != null)
				|| shouldNotFilter(httpRequest);
		if (skip) {
			chain.doFilter(request, response);
		}
		else {
			doFilterInternal(httpRequest, httpResponse, chain);
		}
	}

	@Override
	protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
			throws ServletException, IOException {
		MeteredRequest metered;
		if (isAsyncDispatch(request)) {
			metered = meteredRequest(request);
		}
		else {
			Instant started = this.clock.instant();
			String tenant = tenantOf(request);
			metered = null;
			if (tenant != null) {
				if (!UsageEventValidator.isStorableId(tenant)) {
					// Served, it could be neither metered nor limited: refused instead, and said rarely.
					refuseTenant(response);
					return;
				}
				metered = (this.quotas != null) ? enforce(tenant, started, request, response)
						: new MeteredRequest(tenant, null, started, Reservation.NONE);
				if (metered == null) {
					return;
				}
				request.setAttribute(MeteredRequest.ATTRIBUTE, metered);
			}
		}
		boolean failed = false;
		try {
			chain.doFilter(request, response);
		}
		catch (IOException | ServletException | RuntimeException | Error ex) {
			failed = true;
			throw ex;
		}
		finally {
			// Spring's async handling starts the servlet's: ask the request's own flag first, a field,
			// before the async manager, which is a request attribute to look up.
			if (metered != null && !(request.isAsyncStarted() && isAsyncStarted(request))) {
				complete(request, response, failed, metered);
			}
		}
	}

	/**
	 * The request's metering state, set by the filter on its first dispatch.
	 * @param request the request
	 * @return its {@link MeteredRequest}, or {@code null} for a request without a tenant or not metered
	 */
	static @Nullable MeteredRequest meteredRequest(HttpServletRequest request) {
		return (request.getAttribute(MeteredRequest.ATTRIBUTE) instanceof MeteredRequest metered) ? metered : null;
	}

	/**
	 * Checks the request meter; sets the RateLimit fields; writes the 429 when denied.
	 * @return the request's state holding its reservation, or {@code null} when denied
	 */
	private @Nullable MeteredRequest enforce(String tenant, Instant started, HttpServletRequest request,
			HttpServletResponse response) throws IOException {
		// Every level of the lineage must be within its quotas; an exempt tenant is never checked.
		TenantLineage lineage = this.directory.lineageOf(tenant);
		List<String> scopes = lineage.checkedScopes();
		QuotaDecision decision = scopes.isEmpty()
				? QuotaDecision.unlimited(tenant, this.settings.requestMeter(), BigDecimal.ONE)
				: this.quotas.check(scopes, this.settings.requestMeter(), BigDecimal.ONE, started);
		// As of the check: the request's start, not a second clock read.
		QuotaResponses.setRateLimitFields(decision, response, started);
		if (decision.allowed()) {
			return new MeteredRequest(tenant, lineage, started, decision.reservation());
		}
		reject(decision, tenant, started, request, response);
		return null;
	}

	private void reject(QuotaDecision decision, String tenant, Instant started, HttpServletRequest request,
			HttpServletResponse response) throws IOException {
		QuotaResponses.writeRejection(decision, this.quotaSettings.problemType(), response, this.clock.instant());
		String rejectedMeter = this.quotaSettings.rejectedMeter();
		if (rejectedMeter != null) {
			// Counted under its own meter, never under the request meter: a rejected call is not billed.
			record(UsageEvent.builder(tenant, rejectedMeter)
				.occurredAt(started)
				.userId(userOf(request))
				.resource(resourceOf(request, 429))
				.source(UsageSource.HTTP)
				.dimension("status", "429"));
		}
	}

	/**
	 * Records the request once its last dispatch is done, with the request meter's reservation,
	 * which the recorded event takes over; what it did not take over is given back.
	 */
	private void complete(HttpServletRequest request, HttpServletResponse response, boolean failed,
			MeteredRequest metered) {
		boolean failure = failed || response.getStatus() >= 500;
		boolean record = !(failure && this.quotaSettings != null && this.quotaSettings.releaseOnFailure());
		try {
			if (record) {
				recordRequest(request, response, failed, metered);
			}
		}
		finally {
			metered.reservation().release();
		}
	}

	private @Nullable String tenantOf(HttpServletRequest request) {
		String tenant = this.tenantResolver.resolveTenant(request);
		if (tenant == null && this.settings.anonymousPolicy() == AnonymousPolicy.RECORD) {
			return this.settings.anonymousTenant();
		}
		return tenant;
	}

	private void recordRequest(HttpServletRequest request, HttpServletResponse response, boolean failed,
			MeteredRequest metered) {
		int status = (failed && response.getStatus() < 400) ? 500 : response.getStatus();
		try {
			UsageEvent event = UsageEvent.builder(metered.tenant(), this.settings.requestMeter())
				.occurredAt(metered.started())
				.userId(userOf(request))
				.resource(resourceOf(request, status))
				.source(UsageSource.HTTP)
				.dimensions(RequestResources.statusDimensions(status))
				.build();
			// Built here from checked parts: the recorder's validator may check only the caller's
			// tenant and user. The reservation goes with the event to the writer's listeners.
			this.recorder.recordBuiltByKit(event, metered.reservation());
		}
		catch (InvalidUsageEventException ex) {
			notMetered(ex);
		}
		catch (UsageNotRecordedException ex) {
			// The request was served: the writer counted and logged the drop (metric and health).
		}
	}

	private void record(UsageEvent.Builder event) {
		try {
			this.recorder.record(event.build());
		}
		catch (InvalidUsageEventException ex) {
			notMetered(ex);
		}
		catch (UsageNotRecordedException ex) {
			// Counted and logged by the writer, as above.
		}
	}

	private void refuseTenant(HttpServletResponse response) throws IOException {
		String field = (this.tenantResolver instanceof HeaderTenantResolver header) ? header.headerName() : "tenant";
		ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.BAD_REQUEST, "the tenant must be 1.."
				+ UsageEventValidator.MAX_ID_LENGTH + " characters of valid Unicode without NUL");
		problem.setType(ABOUT_BLANK);
		problem.setProperty("field", field);
		response.setStatus(HttpStatus.BAD_REQUEST.value());
		response.setContentType(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
		response.setCharacterEncoding("UTF-8");
		response.getWriter().write(ProblemJson.write(problem));
		long refused = this.refusedTenants.incrementAndGet();
		warnRarely(() -> "Refused " + refused + " request(s) so far with a tenant (" + field
				+ ") the ledger cannot hold: longer than " + UsageEventValidator.MAX_ID_LENGTH
				+ " characters or not valid text");
	}

	private void notMetered(InvalidUsageEventException ex) {
		// A user name or tenant id the ledger cannot hold: the request was served, so say why
		// it was not metered, but do not fail it, nor flood the log.
		warnRarely(() -> "Request not metered: " + ex.getMessage());
	}

	/** A warning at most once a minute, so a client repeating a bad request cannot flood the log. */
	private void warnRarely(Supplier<String> message) {
		long now = System.nanoTime();
		long next = this.nextWarning.get();
		if ((next == Long.MIN_VALUE || now - next >= 0) && this.nextWarning.compareAndSet(next, now + WARNING_INTERVAL_NANOS)
				&& logger.isWarnEnabled()) {
			logger.warn(message.get());
		}
	}

	private static @Nullable String userOf(HttpServletRequest request) {
		// Asked once: behind Spring Security's wrapper each call looks the authentication up again.
		Principal principal = request.getUserPrincipal();
		return UsageEventValidator.storableUser((principal != null) ? principal.getName() : null);
	}

	private String resourceOf(HttpServletRequest request, int status) {
		Object pattern = request.getAttribute(HandlerMapping.BEST_MATCHING_PATTERN_ATTRIBUTE);
		// Spring Boot maps /** to static resources, so a path nothing serves still "matches" it.
		boolean missingResource = status == 404 && request
			.getAttribute(HandlerMapping.BEST_MATCHING_HANDLER_ATTRIBUTE) instanceof ResourceHttpRequestHandler;
		String route = (pattern != null && !missingResource) ? pattern.toString() : UNMATCHED;
		return this.resources.resource(request.getMethod(), route);
	}

	/**
	 * The filter's settings.
	 *
	 * @param requestMeter the meter of every request
	 * @param include path patterns to meter
	 * @param exclude path patterns not to meter
	 * @param anonymousPolicy what to do with requests without a tenant
	 * @param anonymousTenant the tenant of anonymous requests under {@link AnonymousPolicy#RECORD}
	 */
	public record MeteringFilterSettings(String requestMeter, List<String> include, List<String> exclude,
			AnonymousPolicy anonymousPolicy, String anonymousTenant) {

		public MeteringFilterSettings {
			if (!UsageEventValidator.isValidMeterName(requestMeter)) {
				throw new IllegalArgumentException("metering.web.request-meter '" + requestMeter
						+ "' must match [a-z0-9][a-z0-9._-]*");
			}
			include = List.copyOf(include);
			exclude = List.copyOf(exclude);
		}

	}

}
