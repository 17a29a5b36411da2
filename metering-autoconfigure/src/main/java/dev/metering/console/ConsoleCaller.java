package dev.metering.console;

import org.jspecify.annotations.Nullable;

/**
 * Who opened a console page.
 *
 * @param actor the name the audit trail records for a change
 * @param tenant the one tenant the caller may see, or {@code null} for an operator
 * @param csrfBinding what the caller's CSRF token is bound to, or {@code null} for a script
 * sending the key in the header (a browser cannot send that header across sites)
 * @param session whether the caller came with the login form's cookie
 */
record ConsoleCaller(String actor, @Nullable String tenant, @Nullable String csrfBinding, boolean session) {

	boolean operator() {
		return this.tenant == null;
	}

	/**
	 * Whether the caller may see a tenant: an operator every tenant, a tenant view its own.
	 * @param tenantId the tenant
	 * @return whether it may
	 */
	boolean maySee(String tenantId) {
		return this.tenant == null || this.tenant.equals(tenantId);
	}

}
