package dev.metering.ledger;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import dev.metering.event.UsageEvent;
import dev.metering.internal.postgres.PostgresCopyBinary;
import org.jspecify.annotations.Nullable;

/**
 * The sums of one ledger batch by the rollups' finest key (tenant, meter, billing scope, UTC hour,
 * user), computed before the batch is COPYed and written in its transaction, so that the rollup
 * can fold the batch's sums instead of reading its rows ({@code metering_usage_event_sum}).
 * Each value is what the ledger stores: quantities rounded to the column's nine places as
 * {@code numeric(38, 9)} rounds them, hours of the instant as {@code timestamptz} stores it
 * (rounded to the microsecond), so a sum equals the sum of its rows in the database.
 */
final class LedgerBatchSums {

	/**
	 * Rows per key at least: a batch of fewer writes no sums (the fold reads its rows). A sum
	 * row costs its writing and its fold about what a dozen ledger rows cost the fold to read
	 * (docs/BENCHMARKS.md, "Rollup fold"): below this the sums would cost more than they save.
	 */
	static final int ROWS_PER_KEY = 16;

	/** The ledger's quantity scale. */
	private static final int QUANTITY_SCALE = 9;

	/** A sum at or above this no longer fits {@code numeric(38, 9)}: 10^29. */
	private static final BigDecimal TOO_LARGE = BigDecimal.TEN.pow(38 - QUANTITY_SCALE);

	private static final long MICROS_PER_HOUR = 3_600_000_000L;

	/** Seconds from 1970-01-01 to 2000-01-01, PostgreSQL's epoch (a whole number of hours). */
	private static final long POSTGRES_EPOCH_SECONDS = 946_684_800L;

	private final Map<Key, Sum> sums = new HashMap<>();

	/** More keys than this and the sums are not worth writing: adding stops. */
	private final int maxKeys;

	private final int rows;

	private @Nullable UsageEvent lastEvent;

	private long lastHour;

	private @Nullable Sum lastSum;

	private LedgerBatchSums(int events) {
		this.rows = events;
		this.maxKeys = events / ROWS_PER_KEY;
	}

	/**
	 * The sums of a batch's events, if worth writing.
	 * @param events the batch
	 * @return the sums, or null when the batch has too many keys for its rows (or a sum too large)
	 */
	static @Nullable LedgerBatchSums of(List<UsageEvent> events) {
		LedgerBatchSums sums = new LedgerBatchSums(events.size());
		for (UsageEvent event : events) {
			if (!sums.add(event)) {
				// Too many keys for the batch's rows, whatever follows: spare the rest the work.
				return null;
			}
		}
		return sums.withinRange() ? sums : null;
	}

	/** Adds an event; false when it is a key too many. */
	private boolean add(UsageEvent event) {
		long micros = PostgresCopyBinary.postgresMicros(event.occurredAt());
		long hour = Math.floorDiv(micros, MICROS_PER_HOUR);
		BigDecimal quantity = event.quantity();
		if (quantity.scale() > QUANTITY_SCALE) {
			quantity = quantity.setScale(QUANTITY_SCALE, RoundingMode.HALF_UP);
		}
		// A batch is mostly runs of one key (a tenant's requests): the last key is compared
		// before a key is made and hashed.
		Sum last = this.lastSum;
		if (last != null && hour == this.lastHour && sameKey(this.lastEvent, event)) {
			last.add(quantity);
			return true;
		}
		Key key = new Key(event.tenantId(), event.meter(), event.billingScopeId(), hour, event.userId());
		Sum sum = this.sums.get(key);
		if (sum == null) {
			if (this.sums.size() == this.maxKeys) {
				return false;
			}
			sum = new Sum();
			this.sums.put(key, sum);
		}
		sum.add(quantity);
		this.lastEvent = event;
		this.lastHour = hour;
		this.lastSum = sum;
		return true;
	}

	private static boolean sameKey(@Nullable UsageEvent last, UsageEvent event) {
		return last != null && last.tenantId().equals(event.tenantId()) && last.meter().equals(event.meter())
				&& last.billingScopeId().equals(event.billingScopeId())
				&& Objects.equals(last.userId(), event.userId());
	}

	/** The rows summed: the batch's events. */
	long rows() {
		return this.rows;
	}

	/**
	 * Whether every sum fits the column: a larger one would fail the batch, where the rows alone
	 * fail only the rollup.
	 */
	private boolean withinRange() {
		for (Sum sum : this.sums.values()) {
			if (sum.total().abs().compareTo(TOO_LARGE) >= 0) {
				return false;
			}
		}
		return true;
	}

	/** The sums as parallel text arrays, in the order of the sum table's columns after the id range. */
	String[][] columns() {
		int size = this.sums.size();
		String[][] columns = new String[7][size];
		int i = 0;
		for (Map.Entry<Key, Sum> entry : this.sums.entrySet()) {
			Key key = entry.getKey();
			columns[0][i] = key.tenant();
			columns[1][i] = key.meter();
			columns[2][i] = key.scope();
			columns[3][i] = Instant.ofEpochSecond(POSTGRES_EPOCH_SECONDS + key.hour() * 3_600).toString();
			columns[4][i] = key.user();
			columns[5][i] = entry.getValue().total().toPlainString();
			columns[6][i] = Long.toString(entry.getValue().count);
			i++;
		}
		return columns;
	}

	/** The hour is counted from PostgreSQL's epoch, in hours. */
	private record Key(String tenant, String meter, String scope, long hour, @Nullable String user) {

	}

	/**
	 * A key's sum: whole quantities (a request's 1) added as a long, the rest as a BigDecimal, so
	 * that most events add without a new BigDecimal each.
	 */
	private static final class Sum {

		/** Whole quantities below 10^9: fewer than 2^31 of them cannot overflow a long. */
		private long whole;

		private BigDecimal rest = BigDecimal.ZERO;

		private long count;

		void add(BigDecimal quantity) {
			if (quantity.scale() == 0 && quantity.precision() <= 9) {
				this.whole += quantity.longValue();
			}
			else {
				this.rest = this.rest.add(quantity);
			}
			this.count++;
		}

		BigDecimal total() {
			return (this.whole == 0) ? this.rest : this.rest.add(BigDecimal.valueOf(this.whole));
		}

	}

}
