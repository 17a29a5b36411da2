package dev.metering.event;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;

import org.jspecify.annotations.Nullable;

/**
 * One metered thing: an append-only row of the usage ledger.
 *
 * @param eventId time-ordered unique id (UUID v7); a retry with the same id is recorded once
 * @param tenantId the tenant that used something
 * @param billingScopeId who pays for it (the tenant itself unless billed to an ancestor)
 * @param meter what was used, e.g. {@code http.requests}
 * @param quantity how much, never negative
 * @param occurredAt when it happened
 * @param userId the user within the tenant, if known
 * @param resource the route template or operation name, never a raw path
 * @param source where the event came from
 * @param idempotencyKey optional caller key; a repeated (tenant, key) is recorded once
 * @param dimensions optional extra attributes (for example the HTTP status)
 */
public record UsageEvent(UUID eventId, String tenantId, String billingScopeId, String meter, BigDecimal quantity,
		Instant occurredAt, @Nullable String userId, @Nullable String resource, UsageSource source,
		@Nullable String idempotencyKey, Map<String, String> dimensions) {

	public UsageEvent {
		Map<String, String> single;
		dimensions = (dimensions == null || dimensions.isEmpty()) ? Map.of()
				: ((single = singleEntryCopy(dimensions)) != null) ? single
				: Collections.unmodifiableMap(new LinkedHashMap<>(dimensions));
	}

	/**
	 * An immutable copy of a map of one entry, or {@code null} when it has more or a null name or
	 * value (which the validator reports by field): one entry has no order to keep, and the copy
	 * of a {@link Map#of} map is the map itself, which the request path relies on. Looking at the
	 * entry first would cost an entry set and an iterator per call; {@link Map#copyOf} refuses
	 * the null instead.
	 */
	private static @Nullable Map<String, String> singleEntryCopy(Map<String, String> dimensions) {
		if (dimensions.size() != 1) {
			return null;
		}
		try {
			return Map.copyOf(dimensions);
		}
		catch (NullPointerException ex) {
			return null;
		}
	}

	/**
	 * A builder for an event of the given tenant and meter, quantity 1, occurring now.
	 * @param tenantId the tenant
	 * @param meter the meter
	 * @return a builder
	 */
	public static Builder builder(String tenantId, String meter) {
		return new Builder(tenantId, meter);
	}

	/**
	 * This event billed to another scope.
	 * @param billingScopeId who pays
	 * @return a copy with the billing scope replaced
	 */
	public UsageEvent withBillingScope(String billingScopeId) {
		return new UsageEvent(this.eventId, this.tenantId, billingScopeId, this.meter, this.quantity, this.occurredAt,
				this.userId, this.resource, this.source, this.idempotencyKey, this.dimensions);
	}

	/**
	 * Builds {@link UsageEvent}s; unset fields get their defaults: a new UUID v7, quantity 1, now,
	 * billed to the tenant itself, source {@link UsageSource#APPLICATION}.
	 */
	public static final class Builder {

		private @Nullable UUID eventId;

		private String tenantId;

		private @Nullable String billingScopeId;

		private String meter;

		private BigDecimal quantity = BigDecimal.ONE;

		private @Nullable Instant occurredAt;

		private @Nullable String userId;

		private @Nullable String resource;

		private UsageSource source = UsageSource.APPLICATION;

		private @Nullable String idempotencyKey;

		/** Not copied until {@link #dimension} adds to it: the event copies it anyway. */
		private Map<String, String> dimensions = Map.of();

		private boolean dimensionsOwned;

		private Builder(String tenantId, String meter) {
			this.tenantId = tenantId;
			this.meter = meter;
		}

		public Builder eventId(UUID eventId) {
			this.eventId = eventId;
			return this;
		}

		public Builder billingScopeId(String billingScopeId) {
			// The default is the tenant's own String instance; one set here is never that instance,
			// so the recorder can tell "billed to itself on purpose" from "not said".
			this.billingScopeId = (billingScopeId != null && billingScopeId.equals(this.tenantId))
					? new String(billingScopeId) : billingScopeId;
			return this;
		}

		public Builder quantity(BigDecimal quantity) {
			this.quantity = quantity;
			return this;
		}

		public Builder quantity(long quantity) {
			this.quantity = BigDecimal.valueOf(quantity);
			return this;
		}

		/**
		 * Sets a floating-point quantity.
		 * @param quantity the quantity; NaN and infinities are rejected here, naming the field
		 * @return this builder
		 */
		public Builder quantity(double quantity) {
			if (Double.isNaN(quantity) || Double.isInfinite(quantity)) {
				throw new InvalidUsageEventException("quantity", "must be a finite number, was " + quantity);
			}
			this.quantity = BigDecimal.valueOf(quantity);
			return this;
		}

		public Builder occurredAt(Instant occurredAt) {
			this.occurredAt = occurredAt;
			return this;
		}

		public Builder userId(@Nullable String userId) {
			this.userId = userId;
			return this;
		}

		public Builder resource(@Nullable String resource) {
			this.resource = resource;
			return this;
		}

		public Builder source(UsageSource source) {
			this.source = source;
			return this;
		}

		public Builder idempotencyKey(@Nullable String idempotencyKey) {
			this.idempotencyKey = idempotencyKey;
			return this;
		}

		public Builder dimension(String name, String value) {
			if (!this.dimensionsOwned) {
				this.dimensions = new LinkedHashMap<>(this.dimensions);
				this.dimensionsOwned = true;
			}
			this.dimensions.put(name, value);
			return this;
		}

		public Builder dimensions(Map<String, String> dimensions) {
			// A copy, as always; one of a Map.of map is the map itself (the request path's case).
			Map<String, String> single = singleEntryCopy(Objects.requireNonNull(dimensions, "dimensions"));
			this.dimensionsOwned = single == null;
			this.dimensions = (single != null) ? single : new LinkedHashMap<>(dimensions);
			return this;
		}

		public UsageEvent build() {
			return new UsageEvent((this.eventId != null) ? this.eventId : UuidV7.randomUuid(), this.tenantId,
					(this.billingScopeId != null) ? this.billingScopeId : this.tenantId, this.meter, this.quantity,
					(this.occurredAt != null) ? this.occurredAt : Instant.now(), this.userId, this.resource,
					this.source, this.idempotencyKey, this.dimensions);
		}

	}

}
