package dev.metering.internal.sql;

import java.math.BigDecimal;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Collectors;

import dev.metering.internal.json.DimensionsJson;
import dev.metering.event.UsageEvent;
import org.jspecify.annotations.Nullable;

/**
 * The ledger columns the kit writes, in the one order every writer uses: each database's JDBC
 * binder, PostgreSQL's {@code unnest} arrays and {@code COPY} text, and the benchmarks.
 */
public enum EventColumn {

	/** The event's UUID: unique, so retries and replays are idempotent. */
	EVENT_ID("event_id", Type.UUID, UsageEvent::eventId),

	/** The caller's idempotency key, unique per tenant when set. */
	IDEMPOTENCY_KEY("idempotency_key", Type.TEXT, UsageEvent::idempotencyKey),

	/** The tenant that used something. */
	TENANT_ID("tenant_id", Type.TEXT, UsageEvent::tenantId),

	/** The scope that pays for it. */
	BILLING_SCOPE_ID("billing_scope_id", Type.TEXT, UsageEvent::billingScopeId),

	/** The meter. */
	METER("meter", Type.TEXT, UsageEvent::meter),

	/** How much. */
	QUANTITY("quantity", Type.DECIMAL, UsageEvent::quantity),

	/** When it happened. */
	OCCURRED_AT("occurred_at", Type.TIMESTAMP, UsageEvent::occurredAt),

	/** When the ledger took it: one value for a whole batch. */
	RECORDED_AT("recorded_at", Type.TIMESTAMP, null),

	/** Who, within the tenant. */
	USER_ID("user_id", Type.TEXT, UsageEvent::userId),

	/** The route template or operation name. */
	RESOURCE("resource", Type.TEXT, UsageEvent::resource),

	/** Where the event came from. */
	SOURCE("source", Type.TEXT, (event) -> event.source().id()),

	/** The dimensions as a JSON object. */
	DIMENSIONS("dimensions", Type.JSON, (event) -> DimensionsJson.encode(event.dimensions()));

	/** Every column, in order. */
	public static final List<EventColumn> ALL = List.of(values());

	private static final String NAMES = ALL.stream().map(EventColumn::columnName).collect(Collectors.joining(", "));

	private final String columnName;

	private final Type type;

	private final @Nullable Function<UsageEvent, @Nullable Object> value;

	EventColumn(String columnName, Type type, @Nullable Function<UsageEvent, @Nullable Object> value) {
		this.columnName = columnName;
		this.type = type;
		this.value = value;
	}

	/**
	 * The column names in order, comma-separated: the column list of an insert or {@code COPY}.
	 * @return the names
	 */
	public static String names() {
		return NAMES;
	}

	/** The column's name. */
	public String columnName() {
		return this.columnName;
	}

	/** What the column holds. */
	public Type type() {
		return this.type;
	}

	/**
	 * The column's value for one event: a {@code UUID}, {@code String}, {@code BigDecimal} or
	 * {@code Instant} as {@link #type()} says.
	 * @param event the event
	 * @param recordedAt the batch's {@code recorded_at}
	 * @return the value, null for an absent optional one
	 */
	public @Nullable Object value(UsageEvent event, Instant recordedAt) {
		return (this.value != null) ? this.value.apply(event) : recordedAt;
	}

	/**
	 * Binds the column's value for one event.
	 * @param statement the statement
	 * @param index the parameter index
	 * @param event the event
	 * @param recordedAt the batch's {@code recorded_at}
	 * @param database how the database takes timestamps and UUIDs
	 * @throws SQLException when the driver fails
	 */
	public void bind(PreparedStatement statement, int index, UsageEvent event, Instant recordedAt,
			LedgerDatabase database) throws SQLException {
		Object value = value(event, recordedAt);
		switch (this.type) {
			case UUID -> {
				if (database == LedgerDatabase.MYSQL) {
					statement.setString(index, value.toString());
				}
				else {
					statement.setObject(index, value);
				}
			}
			case DECIMAL -> statement.setBigDecimal(index, (BigDecimal) value);
			case TIMESTAMP -> statement.setObject(index, database.timestamp((Instant) value));
			case TEXT -> statement.setString(index, (String) value);
			case JSON -> {
				if (database == LedgerDatabase.POSTGRESQL) {
					// Untyped, so the server takes the text as the column's jsonb.
					statement.setObject(index, value, Types.OTHER);
				}
				else {
					statement.setString(index, (String) value);
				}
			}
		}
	}

	/**
	 * The column's value for one event as text, as {@code COPY} and PostgreSQL's text arrays
	 * take it (not escaped).
	 * @param event the event
	 * @param recordedAt the batch's {@code recorded_at}
	 * @return the text, null for an absent optional value
	 */
	public @Nullable String text(UsageEvent event, Instant recordedAt) {
		Object value = value(event, recordedAt);
		if (value == null) {
			return null;
		}
		return (value instanceof BigDecimal decimal) ? decimal.toPlainString() : value.toString();
	}

	/** What a column holds, which says how each database binds it. */
	public enum Type {

		/** A {@link java.util.UUID}. */
		UUID,

		/** A string. */
		TEXT,

		/** A {@code BigDecimal}. */
		DECIMAL,

		/** An {@code Instant}. */
		TIMESTAMP,

		/** A JSON document as a string. */
		JSON;

		/** Whether its text can hold characters that {@code COPY} text must escape. */
		public boolean isFreeText() {
			return this == TEXT || this == JSON;
		}

	}

}
