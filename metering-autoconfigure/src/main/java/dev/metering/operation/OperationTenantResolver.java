package dev.metering.operation;

import jakarta.servlet.http.HttpServletRequest;
import org.jspecify.annotations.Nullable;

import dev.metering.event.UsageEventValidator;
import dev.metering.tenant.TenantResolver;

import org.springframework.util.ClassUtils;
import org.springframework.web.context.request.RequestAttributes;
import org.springframework.web.context.request.RequestContextHolder;
import org.springframework.web.context.request.ServletRequestAttributes;

/**
 * The tenant and user of the current HTTP request, for {@code @Metered} methods without a
 * tenant expression: what the metering filter resolved (its {@link MeteredRequest}), else the
 * {@link TenantResolver}.
 */
public class OperationTenantResolver {

	static final boolean SERVLET_PRESENT = ClassUtils.isPresent("jakarta.servlet.http.HttpServletRequest",
			OperationTenantResolver.class.getClassLoader())
			&& ClassUtils.isPresent("org.springframework.web.context.request.RequestContextHolder",
					OperationTenantResolver.class.getClassLoader());

	private final @Nullable TenantResolver tenantResolver;

	public OperationTenantResolver(@Nullable TenantResolver tenantResolver) {
		this.tenantResolver = tenantResolver;
	}

	/**
	 * The current HTTP request's {@link MeteredRequest}.
	 * @return the request's metering state, or {@code null} outside a request or when the kit
	 * resolved no tenant for it
	 */
	public @Nullable MeteredRequest currentRequest() {
		if (!SERVLET_PRESENT) {
			return null;
		}
		RequestAttributes attributes = RequestContextHolder.getRequestAttributes();
		return (attributes != null && attributes.getAttribute(MeteredRequest.ATTRIBUTE,
				RequestAttributes.SCOPE_REQUEST) instanceof MeteredRequest metered) ? metered : null;
	}

	/**
	 * The current request's tenant.
	 * @param metered the request's metering state, from {@link #currentRequest()}
	 * @return its tenant, else the resolver's for the current request; {@code null} outside a
	 * request or without a tenant
	 */
	public @Nullable String currentTenant(@Nullable MeteredRequest metered) {
		if (metered != null) {
			return metered.tenant();
		}
		HttpServletRequest request = currentServletRequest();
		return (request != null) ? resolveTenant(request) : null;
	}

	/**
	 * Asks the tenant resolver, for a request the metering filter resolved no tenant of.
	 * @param request the request
	 * @return the tenant, or {@code null}
	 */
	public @Nullable String resolveTenant(HttpServletRequest request) {
		return (this.tenantResolver != null) ? this.tenantResolver.resolveTenant(request) : null;
	}

	/**
	 * The current request's principal name, made storable as the filter does: a name the
	 * ledger cannot hold must not keep a completed call from being recorded.
	 * @return the user, or {@code null}
	 */
	public @Nullable String currentUser() {
		HttpServletRequest request = currentServletRequest();
		if (request == null || request.getUserPrincipal() == null) {
			return null;
		}
		return UsageEventValidator.storableUser(request.getUserPrincipal().getName());
	}

	private static @Nullable HttpServletRequest currentServletRequest() {
		if (!SERVLET_PRESENT) {
			return null;
		}
		RequestAttributes attributes = RequestContextHolder.getRequestAttributes();
		return (attributes instanceof ServletRequestAttributes servlet) ? servlet.getRequest() : null;
	}

}
