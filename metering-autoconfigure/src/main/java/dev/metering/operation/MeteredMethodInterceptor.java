package dev.metering.operation;

import java.math.BigDecimal;

import org.aopalliance.intercept.MethodInterceptor;
import org.aopalliance.intercept.MethodInvocation;
import org.jspecify.annotations.Nullable;

import dev.metering.event.UsageEvent;
import dev.metering.event.UsageRecorder;
import dev.metering.event.UsageSource;

import org.springframework.aop.support.AopUtils;

/**
 * Records (and, with a quota guard, enforces) each call of a {@code @Metered} method.
 */
public class MeteredMethodInterceptor implements MethodInterceptor {

	private final MeteredOperationSource operations;

	private final UsageRecorder recorder;

	private final OperationTenantResolver tenants;

	public MeteredMethodInterceptor(MeteredOperationSource operations, UsageRecorder recorder,
			OperationTenantResolver tenants) {
		this.operations = operations;
		this.recorder = recorder;
		this.tenants = tenants;
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
		// Evaluate what can be known before the call, so a bad expression fails it without side effects.
		BigDecimal quantity = operation.resultDependent() ? null : call.evaluateQuantity();
		String idempotencyKey = call.evaluateString(operation.idempotencyKey(), "idempotencyKey");
		Object result;
		try {
			result = invocation.proceed();
		}
		catch (Throwable ex) {
			if (operation.recordPolicy() == Metered.RecordPolicy.ALWAYS) {
				call.result(null);
				record(call, tenant, (quantity != null) ? quantity : call.evaluateQuantity(), idempotencyKey);
			}
			throw ex;
		}
		call.result(result);
		record(call, tenant, (quantity != null) ? quantity : call.evaluateQuantity(), idempotencyKey);
		return result;
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

	private void record(MeteredCall call, String tenant, BigDecimal quantity, @Nullable String idempotencyKey) {
		MeteredOperation operation = call.operation();
		this.recorder.record(UsageEvent.builder(tenant, operation.meter())
			.quantity(quantity)
			.userId(this.tenants.currentUser())
			.resource(operation.name())
			.source(UsageSource.OPERATION)
			.idempotencyKey(idempotencyKey)
			.build());
	}

}
