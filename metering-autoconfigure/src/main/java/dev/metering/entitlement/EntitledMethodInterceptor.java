package dev.metering.entitlement;

import org.aopalliance.intercept.MethodInterceptor;
import org.aopalliance.intercept.MethodInvocation;
import org.jspecify.annotations.Nullable;

import dev.metering.operation.OperationTenantResolver;

import org.springframework.aop.support.AopUtils;

/**
 * Checks an {@code @Entitled} bean method before it runs: the tenant of its expression, else
 * the current request's.
 */
public class EntitledMethodInterceptor implements MethodInterceptor {

	private final EntitledMethods methods;

	private final EntitlementService entitlements;

	private final OperationTenantResolver tenants;

	/**
	 * Creates the interceptor.
	 * @param methods the checked methods
	 * @param entitlements answers entitlements
	 * @param tenants the current request's tenant
	 */
	public EntitledMethodInterceptor(EntitledMethods methods, EntitlementService entitlements,
			OperationTenantResolver tenants) {
		this.methods = methods;
		this.entitlements = entitlements;
		this.tenants = tenants;
	}

	@Override
	public @Nullable Object invoke(MethodInvocation invocation) throws Throwable {
		Object target = invocation.getThis();
		Class<?> targetClass = (target != null) ? AopUtils.getTargetClass(target)
				: invocation.getMethod().getDeclaringClass();
		EntitledMethods.EntitledMethod entitled = this.methods.find(invocation.getMethod(), targetClass);
		if (entitled != null) {
			String tenant = (entitled.tenant() != null)
					? entitled.tenantOf(invocation.getMethod(), invocation.getArguments())
					: this.tenants.currentTenant(this.tenants.currentRequest());
			this.entitlements.requireEntitled(tenant, entitled.feature());
		}
		return invocation.proceed();
	}

}
