package dev.metering.quota;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import dev.metering.tenant.BillingCalendar;

/**
 * The quotas that apply to one scope (a tenant).
 *
 * @param scope the tenant (or, with tenant hierarchies, any scope of a lineage)
 * @param exempt whether the scope is recorded but never limited
 * @param byMeter the policies of each meter; a meter absent here is unlimited
 * @param calendar the scope's calendar: where its day and month windows start
 */
public record TenantQuotas(String scope, boolean exempt, Map<String, List<QuotaPolicy>> byMeter,
		BillingCalendar calendar) {

	public TenantQuotas {
		// Each meter's policies carry what a check would otherwise work out per call.
		Map<String, List<QuotaPolicy>> lists = new HashMap<>(byMeter.size() * 2);
		byMeter.forEach((meter, policies) -> lists.put(meter, MeterPolicies.of(scope, meter, policies, calendar)));
		byMeter = Map.copyOf(lists);
	}

	/**
	 * The quotas of a scope whose windows are UTC days and calendar months.
	 * @param scope the scope
	 * @param exempt whether the scope is never limited
	 * @param byMeter the policies of each meter
	 */
	public TenantQuotas(String scope, boolean exempt, Map<String, List<QuotaPolicy>> byMeter) {
		this(scope, exempt, byMeter, BillingCalendar.UTC);
	}

	/**
	 * These quotas counted in another calendar.
	 * @param calendar the scope's calendar
	 * @return a copy with the calendar replaced
	 */
	public TenantQuotas in(BillingCalendar calendar) {
		return calendar.equals(this.calendar) ? this : new TenantQuotas(this.scope, this.exempt, this.byMeter, calendar);
	}

	/**
	 * A scope without quotas.
	 * @param scope the scope
	 * @param exempt whether it is exempt
	 * @return quotas that limit nothing
	 */
	public static TenantQuotas unlimited(String scope, boolean exempt) {
		return new TenantQuotas(scope, exempt, Map.of());
	}

	/**
	 * The policies of one meter.
	 * @param meter the meter
	 * @return the policies, empty when the meter is unlimited or the scope exempt
	 */
	public List<QuotaPolicy> policies(String meter) {
		if (this.exempt) {
			return List.of();
		}
		List<QuotaPolicy> policies = this.byMeter.get(meter);
		return (policies != null) ? policies : List.of();
	}

}
