package dev.metering.entitlement;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import dev.metering.operation.MeteredRequest;
import dev.metering.operation.OperationTenantResolver;

import org.springframework.web.method.HandlerMethod;
import org.springframework.web.servlet.HandlerInterceptor;

/**
 * Checks an {@code @Entitled} controller method in {@code preHandle}, before its arguments are
 * bound and it runs; the 403 is the {@link FeatureNotEntitledException} it throws, answered by
 * {@link FeatureNotEntitledExceptionHandler}. A method whose tenant is an expression over its
 * arguments is left to {@link EntitledMethodInterceptor}.
 */
public class EntitledHandlerInterceptor implements HandlerInterceptor {

	private final EntitledMethods methods;

	private final EntitlementService entitlements;

	private final OperationTenantResolver tenants;

	/**
	 * Creates the interceptor.
	 * @param methods the checked methods
	 * @param entitlements answers entitlements
	 * @param tenants resolves a request's tenant when the metering filter has not
	 */
	public EntitledHandlerInterceptor(EntitledMethods methods, EntitlementService entitlements,
			OperationTenantResolver tenants) {
		this.methods = methods;
		this.entitlements = entitlements;
		this.tenants = tenants;
	}

	@Override
	public boolean preHandle(HttpServletRequest request, HttpServletResponse response, Object handler) {
		if (!(handler instanceof HandlerMethod method)) {
			return true;
		}
		EntitledMethods.EntitledMethod entitled = this.methods.find(method.getMethod(), method.getBeanType());
		if (entitled == null || entitled.tenant() != null) {
			return true;
		}
		String tenant = (request.getAttribute(MeteredRequest.ATTRIBUTE) instanceof MeteredRequest metered)
				? metered.tenant() : this.tenants.resolveTenant(request);
		this.entitlements.requireEntitled(tenant, entitled.feature());
		return true;
	}

}
