package dev.metering.operation;

import java.math.BigDecimal;
import java.net.URI;
import java.time.Clock;
import java.time.Instant;
import java.util.List;

import org.aopalliance.intercept.MethodInterceptor;
import org.aopalliance.intercept.MethodInvocation;
import org.jspecify.annotations.Nullable;

import dev.metering.event.UsageEvent;
import dev.metering.event.UsageRecorder;
import dev.metering.event.UsageSource;
import dev.metering.quota.QuotaDecision;
import dev.metering.quota.QuotaEnforcementService;
import dev.metering.quota.QuotaExceededException;
import dev.metering.quota.Reservation;

import org.springframework.aop.support.AopUtils;

/**
 * Enforces and records each call of a {@code @Metered} method.
 * <p>
 * Before the call: the tenant, the quantity (unless it depends on {@code #result}) and the
 * idempotency key are evaluated, so a bad expression fails the call before it has any effect;
 * then, with quotas configured and {@code enforce = true}, the quota is checked and the quantity
 * reserved. A denied call throws {@link QuotaExceededException} and records nothing. A quantity
 * over {@code #result} is pre-checked for something left of the quota and recorded with its real
 * value afterwards. The reservation turns into the recorded event, or is given back when the call
 * fails and is not recorded.
 */
public class MeteredMethodInterceptor implements MethodInterceptor {

	private final MeteredOperationSource operations;

	private final UsageRecorder recorder;

	private final OperationTenantResolver tenants;

	private final @Nullable QuotaEnforcementService quotas;

	private final @Nullable URI problemType;

	private final Clock clock;

	/**
	 * An interceptor that records without enforcing.
	 * @param operations the parsed operations
	 * @param recorder where events go
	 * @param tenants the current request's tenant and user
	 */
	public MeteredMethodInterceptor(MeteredOperationSource operations, UsageRecorder recorder,
			OperationTenantResolver tenants) {
		this(operations, recorder, tenants, null, null, Clock.systemUTC());
	}

	/**
	 * An interceptor that enforces quotas when {@code quotas} is given.
	 * @param operations the parsed operations
	 * @param recorder where events go
	 * @param tenants the current request's tenant and user
	 * @param quotas the enforcement service, or {@code null} not to enforce
	 * @param problemType the problem type of {@link QuotaExceededException}, or {@code null} for the default
	 * @param clock the clock placing calls in quota windows
	 */
	public MeteredMethodInterceptor(MeteredOperationSource operations, UsageRecorder recorder,
			OperationTenantResolver tenants, @Nullable QuotaEnforcementService quotas, @Nullable URI problemType,
			Clock clock) {
		this.operations = operations;
		this.recorder = recorder;
		this.tenants = tenants;
		this.quotas = quotas;
		this.problemType = problemType;
		this.clock = clock;
	}

	@Override
	public @Nullable Object invoke(MethodInvocation invocation) throws Throwable {
		Object target = invocation.getThis();
		Class<?> targetClass = (target != null) ? AopUtils.getTargetClass(target) : null;
		MeteredOperation operation = this.operations.getOperation(invocation.getMethod(), targetClass);
		if (operation == null) {
			return invocation.proceed();
		}
		MeteredCall call = new MeteredCall(operation, target, operation.method(), invocation.getArguments());
		String tenant = tenantOf(call);
		BigDecimal quantity = operation.resultDependent() ? null : call.evaluateQuantity();
		String idempotencyKey = call.evaluateString(operation.idempotencyKey(), "idempotencyKey");
		Instant at = this.clock.instant();
		Reservation reservation = enforce(operation, tenant, quantity, at);
		Object result;
		try {
			result = invocation.proceed();
		}
		catch (Throwable ex) {
			if (operation.recordPolicy() == Metered.RecordPolicy.ALWAYS) {
				call.result(null);
				try {
					reservation.recordWith(() -> record(call, tenant, quantity, idempotencyKey, at));
				}
				catch (RuntimeException recordFailure) {
					// The caller must see why the method failed, not why its record failed.
					ex.addSuppressed(recordFailure);
				}
			}
			else {
				reservation.release();
			}
			throw ex;
		}
		call.result(result);
		reservation.recordWith(() -> record(call, tenant, quantity, idempotencyKey, at));
		return result;
	}

	private Reservation enforce(MeteredOperation operation, String tenant, @Nullable BigDecimal quantity,
			Instant now) {
		if (this.quotas == null || !operation.enforce()) {
			return Reservation.NONE;
		}
		Reservation preChecked = PreCheckedCall.take(operation);
		if (preChecked != null) {
			return preChecked;
		}
		QuotaDecision decision = (quantity != null)
				? this.quotas.check(List.of(tenant), operation.meter(), quantity, now)
				: this.quotas.checkRemaining(List.of(tenant), operation.meter(), now);
		if (!decision.allowed()) {
			throw new QuotaExceededException(decision, this.problemType, now);
		}
		return decision.reservation();
	}

	private String tenantOf(MeteredCall call) {
		MeteredOperation operation = call.operation();
		String tenant = (operation.tenant() != null) ? call.evaluateString(operation.tenant(), "tenant")
				: this.tenants.currentTenant();
		if (tenant == null || tenant.isBlank()) {
			throw (operation.tenant() != null)
					? call.failure("tenant", operation.tenant().getExpressionString(), "gave no tenant")
					: new MeteredOperationException("@Metered on " + operation.describe()
							+ ": no tenant (no tenant expression, and no current request with a tenant); nothing recorded");
		}
		return tenant;
	}

	private void record(MeteredCall call, String tenant, @Nullable BigDecimal knownQuantity,
			@Nullable String idempotencyKey, Instant occurredAt) {
		MeteredOperation operation = call.operation();
		BigDecimal quantity = (knownQuantity != null) ? knownQuantity : call.evaluateQuantity();
		this.recorder.record(UsageEvent.builder(tenant, operation.meter())
			.quantity(quantity)
			.occurredAt(occurredAt)
			.userId(this.tenants.currentUser())
			.resource(operation.name())
			.source(UsageSource.OPERATION)
			.idempotencyKey(idempotencyKey)
			.build());
	}

}
