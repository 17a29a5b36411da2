package dev.metering.tenant;

/**
 * Which calendar a scope bills and counts its day and month windows in. The kit's
 * implementation reads the tenant definitions ({@code metering.tenants.<id>.billing}, or the
 * runtime tenant rows over them): a scope's own calendar, else its billing scope's, else UTC.
 */
@FunctionalInterface
public interface TenantCalendars {

	/** Every scope in UTC calendar months. */
	TenantCalendars UTC = (scope) -> BillingCalendar.UTC;

	/**
	 * The calendar of a scope.
	 * @param scope a tenant or billing scope
	 * @return its calendar, {@link BillingCalendar#UTC} when it sets none
	 */
	BillingCalendar calendarOf(String scope);

	/**
	 * The calendars of a source of tenant definitions: a tenant's own, else its payer's.
	 * @param definitions the definitions
	 * @return the calendars
	 */
	static TenantCalendars of(TenantDefinitionSource definitions) {
		return (scope) -> {
			TenantDefinition definition = definitions.find(scope);
			if (definition == null) {
				return BillingCalendar.UTC;
			}
			if (definition.calendar() != null) {
				return definition.calendar();
			}
			TenantDefinition payer = (definition.billingAttribution() != null)
					? definitions.find(definition.billingAttribution()) : null;
			return (payer != null && payer.calendar() != null) ? payer.calendar() : BillingCalendar.UTC;
		};
	}

}
