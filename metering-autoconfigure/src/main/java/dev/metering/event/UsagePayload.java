package dev.metering.event;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;

import org.jspecify.annotations.Nullable;

/**
 * Something that happened, with its data, before meters read it: the meter definitions that
 * read its {@link #type()} turn it into one {@link UsageEvent} per meter
 * ({@link UsageRecorder#record(UsagePayload)}). Without a definition it is one event of the
 * meter named by its type, with its quantity, as a {@link UsageEvent} built by hand would be.
 *
 * @param tenantId the tenant
 * @param type what happened: the CloudEvents {@code type}, or a meter's name
 * @param quantity the quantity of a meter that reads no value from the data (1 by default)
 * @param data the payload: a tree of {@code Map<String, Object>}, {@code List}, {@code String},
 * {@code Number}, {@code Boolean} and {@code null}; read, never copied deeply
 * @param dimensions the caller's own dimensions, given to every event
 * @param occurredAt when it happened
 * @param dedupKey a key naming this payload among the tenant's: the same key gives the same event
 * ids, so a payload sent twice is recorded once per meter ({@code null}: new ids each time)
 * @param userId the user within the tenant, if known
 * @param resource the route template or operation name, if any
 * @param source where it came from
 */
public record UsagePayload(String tenantId, String type, BigDecimal quantity, Map<String, @Nullable Object> data,
		Map<String, String> dimensions, Instant occurredAt, @Nullable String dedupKey, @Nullable String userId,
		@Nullable String resource, UsageSource source) {

	public UsagePayload {
		Objects.requireNonNull(tenantId, "tenantId");
		Objects.requireNonNull(type, "type");
		Objects.requireNonNull(quantity, "quantity");
		Objects.requireNonNull(occurredAt, "occurredAt");
		Objects.requireNonNull(source, "source");
		data = (data == null) ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(data));
		dimensions = (dimensions == null) ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(dimensions));
	}

	/**
	 * A builder of a payload of the given tenant and type, quantity 1, no data, occurring now.
	 * @param tenantId the tenant
	 * @param type the event type (or a meter's name)
	 * @return a builder
	 */
	public static Builder builder(String tenantId, String type) {
		return new Builder(tenantId, type);
	}

	/**
	 * The event id of this payload's event of a meter: derived from the tenant, the dedup key and
	 * the meter when there is a key (the same payload gives the same id), a new UUID v7 otherwise.
	 * @param meter the meter
	 * @return the event id
	 */
	public UUID eventIdFor(String meter) {
		return (this.dedupKey != null) ? derivedEventId(this.tenantId, this.dedupKey, meter) : UuidV7.randomUuid();
	}

	/**
	 * This payload's event of one meter.
	 * @param meter the meter
	 * @param quantity the event's quantity
	 * @param dimensions the event's dimensions (the caller's and those the meter read)
	 * @return the event
	 */
	public UsageEvent toEvent(String meter, BigDecimal quantity, Map<String, String> dimensions) {
		return UsageEvent.builder(this.tenantId, meter)
			.eventId(eventIdFor(meter))
			.quantity(quantity)
			.occurredAt(this.occurredAt)
			.userId(this.userId)
			.resource(this.resource)
			.source(this.source)
			.dimensions(dimensions)
			.build();
	}

	/**
	 * A name-based UUID (version 8, RFC 9562) of SHA-256 over the tenant, the key and the meter,
	 * each length-prefixed so no two triples share an input.
	 */
	static UUID derivedEventId(String tenantId, String dedupKey, String meter) {
		MessageDigest sha256;
		try {
			sha256 = MessageDigest.getInstance("SHA-256");
		}
		catch (NoSuchAlgorithmException ex) {
			throw new IllegalStateException("Every Java platform has SHA-256", ex);
		}
		for (String part : new String[] { tenantId, dedupKey, meter }) {
			byte[] bytes = part.getBytes(StandardCharsets.UTF_8);
			sha256.update(new byte[] { (byte) (bytes.length >>> 24), (byte) (bytes.length >>> 16),
					(byte) (bytes.length >>> 8), (byte) bytes.length });
			sha256.update(bytes);
		}
		byte[] hash = sha256.digest();
		long msb = 0;
		long lsb = 0;
		for (int i = 0; i < 8; i++) {
			msb = (msb << 8) | (hash[i] & 0xFF);
			lsb = (lsb << 8) | (hash[8 + i] & 0xFF);
		}
		msb = (msb & ~0xF000L) | 0x8000L;
		lsb = (lsb & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
		return new UUID(msb, lsb);
	}

	/**
	 * Builds {@link UsagePayload}s; unset fields get their defaults: quantity 1, no data, no
	 * dimensions, now, no dedup key, source {@link UsageSource#APPLICATION}.
	 */
	public static final class Builder {

		private final String tenantId;

		private final String type;

		private BigDecimal quantity = BigDecimal.ONE;

		private Map<String, @Nullable Object> data = Map.of();

		private final Map<String, String> dimensions = new LinkedHashMap<>();

		private @Nullable Instant occurredAt;

		private @Nullable String dedupKey;

		private @Nullable String userId;

		private @Nullable String resource;

		private UsageSource source = UsageSource.APPLICATION;

		private Builder(String tenantId, String type) {
			this.tenantId = tenantId;
			this.type = type;
		}

		public Builder quantity(BigDecimal quantity) {
			this.quantity = quantity;
			return this;
		}

		public Builder quantity(long quantity) {
			this.quantity = BigDecimal.valueOf(quantity);
			return this;
		}

		public Builder data(Map<String, ? extends @Nullable Object> data) {
			this.data = new LinkedHashMap<>(data);
			return this;
		}

		public Builder dimension(String name, String value) {
			this.dimensions.put(name, value);
			return this;
		}

		public Builder dimensions(Map<String, String> dimensions) {
			this.dimensions.putAll(dimensions);
			return this;
		}

		public Builder occurredAt(Instant occurredAt) {
			this.occurredAt = occurredAt;
			return this;
		}

		public Builder dedupKey(@Nullable String dedupKey) {
			this.dedupKey = dedupKey;
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

		public UsagePayload build() {
			return new UsagePayload(this.tenantId, this.type, this.quantity, this.data, this.dimensions,
					(this.occurredAt != null) ? this.occurredAt : Instant.now(), this.dedupKey, this.userId,
					this.resource, this.source);
		}

	}

}
