package dev.metering.ledger;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

import dev.metering.event.UsageEvent;
import dev.metering.internal.json.DimensionsJson;
import dev.metering.internal.postgres.PostgresCopyBinary;
import org.jspecify.annotations.Nullable;

/**
 * What one ledger batch holds for the defined meters' fold, by (tenant, meter, billing scope, UTC
 * hour, dimensions): sum, count, minimum, maximum, the latest value with its instant and event id,
 * the earliest instant and the lowest row of each key, written in the batch's transaction
 * ({@code metering_meter_batch}), so that the fold reads these instead of the batch's rows
 * ({@code dev.metering.rollup.MeterFold}). Keyed by the whole dimensions, not by a definition's
 * group values: the fold applies the definitions in force when it runs, as it does to rows. Each
 * value is what the ledger stores (nine places, the microsecond), as with {@link LedgerBatchSums}.
 */
final class LedgerBatchMeters {

	/**
	 * Rows per key at least: a batch of fewer writes none (the fold reads its rows). A key costs
	 * one row written and read where it spares the fold reading and parsing the rows it holds.
	 */
	static final int ROWS_PER_KEY = 4;

	private static final int QUANTITY_SCALE = 9;

	/** A value at or above this no longer fits {@code numeric(38, 9)}: 10^29. */
	private static final BigDecimal TOO_LARGE = BigDecimal.TEN.pow(38 - QUANTITY_SCALE);

	private static final long MICROS_PER_HOUR = 3_600_000_000L;

	/** Seconds from 1970-01-01 to 2000-01-01, PostgreSQL's epoch. */
	private static final long POSTGRES_EPOCH_SECONDS = 946_684_800L;

	private final Map<Key, Aggregate> aggregates = new HashMap<>();

	private final int maxKeys;

	private LedgerBatchMeters(int events) {
		this.maxKeys = events / ROWS_PER_KEY;
	}

	/**
	 * The aggregates of a batch, if worth writing: only a batch with an event of a defined meter
	 * has any (the fold reads no other meter's rows), and then of every event, so that they cover
	 * the batch's rows whatever the definitions are when the fold runs.
	 * @param events the batch, in the order its rows take their ids
	 * @param defined whether a meter has a definition
	 * @return the aggregates, or null when the batch has no defined meter or too many keys for its rows
	 */
	static @Nullable LedgerBatchMeters of(List<UsageEvent> events, Predicate<String> defined) {
		boolean any = false;
		String last = null;
		for (int i = 0, n = events.size(); i < n && !any; i++) {
			String meter = events.get(i).meter();
			// Events of one meter usually follow each other (and share the name): one look-up each run.
			if (!meter.equals(last)) {
				any = defined.test(meter);
				last = meter;
			}
		}
		if (!any) {
			return null;
		}
		LedgerBatchMeters meters = new LedgerBatchMeters(events.size());
		for (int i = 0, n = events.size(); i < n; i++) {
			if (!meters.add(events.get(i), i)) {
				return null;
			}
		}
		return meters.withinRange() ? meters : null;
	}

	private boolean add(UsageEvent event, int offset) {
		long micros = PostgresCopyBinary.postgresMicros(event.occurredAt());
		Key key = new Key(event.tenantId(), event.meter(), event.billingScopeId(),
				Math.floorDiv(micros, MICROS_PER_HOUR), event.dimensions());
		BigDecimal quantity = event.quantity();
		if (quantity.scale() > QUANTITY_SCALE) {
			quantity = quantity.setScale(QUANTITY_SCALE, RoundingMode.HALF_UP);
		}
		String eventId = event.eventId().toString();
		Aggregate aggregate = this.aggregates.get(key);
		if (aggregate == null) {
			if (this.aggregates.size() == this.maxKeys) {
				return false;
			}
			this.aggregates.put(key, new Aggregate(quantity, micros, eventId, offset));
		}
		else {
			aggregate.add(quantity, micros, eventId);
		}
		return true;
	}

	private boolean withinRange() {
		for (Aggregate aggregate : this.aggregates.values()) {
			if (aggregate.sum.abs().compareTo(TOO_LARGE) >= 0) {
				return false;
			}
		}
		return true;
	}

	/**
	 * The aggregates as parallel text arrays, in the order of the table's columns after the id
	 * range; the last is each key's first row as an offset from the batch's first row.
	 */
	String[][] columns() {
		int size = this.aggregates.size();
		String[][] columns = new String[14][size];
		int i = 0;
		for (Map.Entry<Key, Aggregate> entry : this.aggregates.entrySet()) {
			Key key = entry.getKey();
			Aggregate aggregate = entry.getValue();
			columns[0][i] = key.tenant();
			columns[1][i] = key.meter();
			columns[2][i] = key.scope();
			columns[3][i] = Instant.ofEpochSecond(POSTGRES_EPOCH_SECONDS + key.hour() * 3_600).toString();
			columns[4][i] = key.dimensions().isEmpty() ? null : DimensionsJson.encode(key.dimensions());
			columns[5][i] = aggregate.sum.toPlainString();
			columns[6][i] = Long.toString(aggregate.count);
			columns[7][i] = aggregate.min.toPlainString();
			columns[8][i] = aggregate.max.toPlainString();
			columns[9][i] = aggregate.latest.toPlainString();
			columns[10][i] = instant(aggregate.latestAt);
			columns[11][i] = aggregate.latestEventId;
			columns[12][i] = instant(aggregate.firstAt);
			columns[13][i] = Integer.toString(aggregate.firstOffset);
			i++;
		}
		return columns;
	}

	private static String instant(long postgresMicros) {
		return Instant.ofEpochSecond(POSTGRES_EPOCH_SECONDS + Math.floorDiv(postgresMicros, 1_000_000L),
				Math.floorMod(postgresMicros, 1_000_000L) * 1_000L)
			.toString();
	}

	/** The hour is counted from PostgreSQL's epoch, in hours. */
	private record Key(String tenant, String meter, String scope, long hour, Map<String, String> dimensions) {

	}

	private static final class Aggregate {

		private BigDecimal sum;

		private long count = 1;

		private BigDecimal min;

		private BigDecimal max;

		private BigDecimal latest;

		private long latestAt;

		/** Canonical lower-case text: its order is the order the fold gives event ids. */
		private String latestEventId;

		private long firstAt;

		/** Events come in id order: the first one added has the key's lowest id. */
		private final int firstOffset;

		Aggregate(BigDecimal value, long at, String eventId, int offset) {
			this.sum = value;
			this.min = value;
			this.max = value;
			this.latest = value;
			this.latestAt = at;
			this.latestEventId = eventId;
			this.firstAt = at;
			this.firstOffset = offset;
		}

		void add(BigDecimal value, long at, String eventId) {
			this.sum = this.sum.add(value);
			this.count++;
			if (value.compareTo(this.min) < 0) {
				this.min = value;
			}
			if (value.compareTo(this.max) > 0) {
				this.max = value;
			}
			if (at > this.latestAt || (at == this.latestAt && eventId.compareTo(this.latestEventId) > 0)) {
				this.latest = value;
				this.latestAt = at;
				this.latestEventId = eventId;
			}
			if (at < this.firstAt) {
				this.firstAt = at;
			}
		}

	}

}
