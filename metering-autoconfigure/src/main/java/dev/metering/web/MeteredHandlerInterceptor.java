package dev.metering.web;

import java.math.BigDecimal;
import java.net.URI;
import java.time.Clock;
import java.time.Instant;
import java.util.List;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.jspecify.annotations.Nullable;

import dev.metering.operation.MeteredOperation;
import dev.metering.operation.MeteredOperationSource;
import dev.metering.operation.MeteredRequest;
import dev.metering.operation.OperationTenantResolver;
import dev.metering.quota.QuotaDecision;
import dev.metering.quota.QuotaEnforcementService;
import dev.metering.quota.Reservation;
import dev.metering.tenant.TenantDirectory;

import org.springframework.web.method.HandlerMethod;
import org.springframework.web.servlet.HandlerInterceptor;

/**
 * Checks the quota of a {@code @Metered} controller method in {@code preHandle}, before the
 * arguments are bound and the method runs, and answers an over-quota call with the same 429 as
 * the filter. A constant quantity is checked and reserved here, and the method interceptor takes
 * the reservation over; a quantity over the arguments or {@code #result} is pre-checked for
 * something left of the quota here, and checked exactly by the method interceptor, still before
 * the method body runs. The request's {@link MeteredRequest} carries the reservation over.
 */
public class MeteredHandlerInterceptor implements HandlerInterceptor {

	private final MeteredOperationSource operations;

	private final QuotaEnforcementService quotas;

	private final OperationTenantResolver tenants;

	private final URI problemType;

	private final Clock clock;

	private final TenantDirectory directory;

	public MeteredHandlerInterceptor(MeteredOperationSource operations, QuotaEnforcementService quotas,
			OperationTenantResolver tenants, URI problemType, Clock clock) {
		this(operations, quotas, tenants, problemType, clock, TenantDirectory.FLAT);
	}

	/**
	 * Creates an interceptor that checks every level of a tenant's lineage.
	 * @param operations the parsed operations
	 * @param quotas the enforcement service
	 * @param tenants the current request's tenant
	 * @param problemType the type of the 429 problem
	 * @param clock the clock
	 * @param directory the lineage of each tenant
	 */
	public MeteredHandlerInterceptor(MeteredOperationSource operations, QuotaEnforcementService quotas,
			OperationTenantResolver tenants, URI problemType, Clock clock, TenantDirectory directory) {
		this.directory = directory;
		this.operations = operations;
		this.quotas = quotas;
		this.tenants = tenants;
		this.problemType = problemType;
		this.clock = clock;
	}

	@Override
	public boolean preHandle(HttpServletRequest request, HttpServletResponse response, Object handler)
			throws Exception {
		MeteredOperation operation = operationOf(handler);
		// A tenant expression or data need the arguments: the method interceptor checks those calls,
		// still before the method body runs.
		if (operation == null || !operation.enforce() || operation.tenant() != null || operation.data() != null) {
			return true;
		}
		MeteredRequest metered = MeteringFilter.meteredRequest(request);
		String tenant = (metered != null) ? metered.tenant() : this.tenants.resolveTenant(request);
		if (tenant == null) {
			return true;
		}
		Instant now = this.clock.instant();
		List<String> scopes = ((metered != null) ? metered.lineage(this.directory) : this.directory.lineageOf(tenant))
			.checkedScopes();
		BigDecimal quantity = operation.constantQuantity();
		QuotaDecision decision;
		if (scopes.isEmpty()) {
			decision = QuotaDecision.unlimited(tenant, operation.meter(),
					(quantity != null) ? quantity : BigDecimal.ZERO);
		}
		else {
			decision = (quantity != null) ? this.quotas.check(scopes, operation.meter(), quantity, now)
					: this.quotas.checkRemaining(scopes, operation.meter(), now);
		}
		QuotaResponses.addRateLimitFields(decision, response, now);
		if (!decision.allowed()) {
			QuotaResponses.writeRejection(decision, this.problemType, response, now);
			return false;
		}
		if (quantity != null) {
			if (metered == null) {
				// A request the filter does not meter: the state starts here.
				metered = new MeteredRequest(tenant, null, now, Reservation.NONE);
				request.setAttribute(MeteredRequest.ATTRIBUTE, metered);
			}
			metered.preChecked(operation, decision.reservation());
		}
		return true;
	}

	@Override
	public void afterCompletion(HttpServletRequest request, HttpServletResponse response, Object handler,
			@Nullable Exception ex) {
		// The handler never ran (argument binding failed, say): give its quota back.
		MeteredRequest metered = MeteringFilter.meteredRequest(request);
		if (metered != null) {
			metered.releasePreChecked();
		}
	}

	private @Nullable MeteredOperation operationOf(Object handler) {
		return (handler instanceof HandlerMethod method)
				? this.operations.getOperation(method.getMethod(), method.getBeanType()) : null;
	}

}
