package dev.metering.api;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;

import com.fasterxml.jackson.annotation.JsonFormat;
import com.fasterxml.jackson.annotation.JsonInclude;
import tools.jackson.databind.PropertyNamingStrategies;
import tools.jackson.databind.annotation.JsonNaming;
import dev.metering.billing.BillingPeriod;
import dev.metering.billing.TopUser;

/**
 * {@code GET /usage/{tenant}/{metric}/top-users}: the heaviest users of a period.
 *
 * @param tenantId the tenant
 * @param metric the metric
 * @param from the period's start
 * @param to the period's end
 * @param users the users, heaviest first
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.ALWAYS)
record TopUsersBody(String tenantId, String metric, @JsonFormat(shape = JsonFormat.Shape.STRING) Instant from,
		@JsonFormat(shape = JsonFormat.Shape.STRING) Instant to, List<User> users) {

	static TopUsersBody of(String tenant, String metric, BillingPeriod period, List<TopUser> users) {
		return new TopUsersBody(tenant, metric, period.from(), period.to(), users.stream()
			.map((user) -> new User(user.userId(), Quantities.plain(user.quantity()), user.events()))
			.toList());
	}

	/**
	 * One user.
	 *
	 * @param userId the user
	 * @param quantity its usage
	 * @param events its events
	 */
	@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
	@JsonInclude(JsonInclude.Include.ALWAYS)
	record User(String userId, BigDecimal quantity, long events) {
	}

}
