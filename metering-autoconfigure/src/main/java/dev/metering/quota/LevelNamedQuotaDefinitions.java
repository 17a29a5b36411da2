package dev.metering.quota;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

import dev.metering.tenant.TenantCalendars;

/**
 * Names each policy of a tenant in a hierarchy after its level, so a 429 and
 * {@code RateLimit-Policy} say which level of the lineage limits the call: a plan's
 * {@code business-http.requests-day} becomes {@code org-1/business-http.requests-day} for tenant
 * {@code org-1}. A tenant's own quotas, already named after the tenant, and tenants outside any
 * hierarchy keep their names.
 */
public final class LevelNamedQuotaDefinitions implements QuotaDefinitionSource {

	private final QuotaDefinitionSource source;

	private final Predicate<String> inHierarchy;

	private final TenantCalendars calendars;

	/**
	 * Creates the definitions, every scope in UTC.
	 * @param source the definitions to rename
	 * @param inHierarchy whether a scope has a parent or children
	 */
	public LevelNamedQuotaDefinitions(QuotaDefinitionSource source, Predicate<String> inHierarchy) {
		this(source, inHierarchy, TenantCalendars.UTC);
	}

	/**
	 * Creates the definitions.
	 * @param source the definitions to rename
	 * @param inHierarchy whether a scope has a parent or children
	 * @param calendars each scope's calendar, given to its quotas unless the source set one
	 */
	public LevelNamedQuotaDefinitions(QuotaDefinitionSource source, Predicate<String> inHierarchy,
			TenantCalendars calendars) {
		this.source = source;
		this.inHierarchy = inHierarchy;
		this.calendars = calendars;
	}

	@Override
	public TenantQuotas quotasOf(String scope) {
		TenantQuotas quotas = this.source.quotasOf(scope);
		if (quotas.calendar().isUtc() && !quotas.byMeter().isEmpty()) {
			quotas = quotas.in(this.calendars.calendarOf(scope));
		}
		if (quotas.byMeter().isEmpty() || !this.inHierarchy.test(scope)) {
			return quotas;
		}
		Map<String, List<QuotaPolicy>> named = new LinkedHashMap<>();
		quotas.byMeter()
			.forEach((meter, policies) -> named.put(meter, policies.stream().map((policy) -> named(scope, policy)).toList()));
		return new TenantQuotas(quotas.scope(), quotas.exempt(), named, quotas.calendar());
	}

	private static QuotaPolicy named(String scope, QuotaPolicy policy) {
		if (policy.name().startsWith(scope + "-")) {
			return policy;
		}
		return policy.named(scope + "/" + policy.name());
	}

}
