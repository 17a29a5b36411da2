package dev.metering.rollup;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

import dev.metering.internal.sql.LedgerDatabase;
import dev.metering.test.TestSchema;

/**
 * The two sides the rollup tests compare: the ledger summed by (tenant, meter, scope, hour) in
 * Java, and the rollup table as it is; likewise per (tenant, meter, user, hour) and the per-user
 * rollup table.
 */
public final class RollupTruth {

	private RollupTruth() {
	}

	/** The ledger's SUM(quantity) and COUNT(*) per (tenant, meter, billing scope, UTC hour). */
	static Map<Key, Totals> ledger(TestSchema schema) {
		LedgerDatabase sql = schema.dialect();
		Map<Key, Totals> sums = new HashMap<>();
		schema.jdbc()
			.query("SELECT tenant_id, meter, billing_scope_id, occurred_at, quantity FROM "
					+ schema.tables().usageEvent(), (rs) -> {
						Key key = new Key(rs.getString(1), rs.getString(2), rs.getString(3),
								sql.readTimestamp(rs, 4).truncatedTo(ChronoUnit.HOURS));
						sums.merge(key, new Totals(rs.getBigDecimal(5), 1), Totals::plus);
					});
		sums.replaceAll((key, totals) -> totals.normalized());
		return sums;
	}

	/** The rollup table. */
	static Map<Key, Totals> rollups(TestSchema schema) {
		LedgerDatabase sql = schema.dialect();
		Map<Key, Totals> rows = new HashMap<>();
		schema.jdbc()
			.query("SELECT tenant_id, meter, billing_scope_id, period_start, quantity, event_count FROM "
					+ schema.tables().usageRollup(), (rs) -> {
						Key key = new Key(rs.getString(1), rs.getString(2), rs.getString(3), sql.readTimestamp(rs, 4));
						Totals previous = rows.put(key, new Totals(rs.getBigDecimal(5), rs.getLong(6)).normalized());
						if (previous != null) {
							throw new AssertionError("Two rollup rows for " + key);
						}
					});
		return rows;
	}

	/** The ledger's rows with a user summed per (tenant, meter, user, UTC hour), keyed by "user " + id. */
	static Map<Key, Totals> userLedger(TestSchema schema) {
		LedgerDatabase sql = schema.dialect();
		Map<Key, Totals> sums = new HashMap<>();
		schema.jdbc()
			.query("SELECT tenant_id, meter, user_id, occurred_at, quantity FROM " + schema.tables().usageEvent()
					+ " WHERE user_id IS NOT NULL", (rs) -> {
						Key key = new Key(rs.getString(1), rs.getString(2), "user " + rs.getString(3),
								sql.readTimestamp(rs, 4).truncatedTo(ChronoUnit.HOURS));
						sums.merge(key, new Totals(rs.getBigDecimal(5), 1), Totals::plus);
					});
		sums.replaceAll((key, totals) -> totals.normalized());
		return sums;
	}

	/** The per-user rollup table, keyed as {@link #userLedger}. */
	static Map<Key, Totals> userRollups(TestSchema schema) {
		LedgerDatabase sql = schema.dialect();
		Map<Key, Totals> rows = new HashMap<>();
		schema.jdbc()
			.query("SELECT tenant_id, meter, user_id, period_start, quantity, event_count FROM "
					+ schema.tables().usageUserRollup(), (rs) -> {
						Key key = new Key(rs.getString(1), rs.getString(2), "user " + rs.getString(3),
								sql.readTimestamp(rs, 4));
						Totals previous = rows.put(key, new Totals(rs.getBigDecimal(5), rs.getLong(6)).normalized());
						if (previous != null) {
							throw new AssertionError("Two user rollup rows for " + key);
						}
					});
		return rows;
	}

	/** The ledger's rows with a user summed per (tenant, meter, user, UTC day), keyed by "day " + id. */
	static Map<Key, Totals> userDayLedger(TestSchema schema) {
		Map<Key, Totals> sums = new HashMap<>();
		userLedger(schema).forEach((key, totals) -> sums.merge(new Key(key.tenantId(), key.meter(),
				"day " + key.billingScopeId().substring("user ".length()), key.hour().truncatedTo(ChronoUnit.DAYS)), totals,
				Totals::plus));
		sums.replaceAll((key, totals) -> totals.normalized());
		return sums;
	}

	/** The daily per-user rollup table, keyed as {@link #userDayLedger}. */
	static Map<Key, Totals> userDayRollups(TestSchema schema) {
		LedgerDatabase sql = schema.dialect();
		Map<Key, Totals> rows = new HashMap<>();
		schema.jdbc()
			.query("SELECT tenant_id, meter, user_id, day_start, quantity, event_count FROM "
					+ schema.tables().usageUserDay(), (rs) -> {
						Key key = new Key(rs.getString(1), rs.getString(2), "day " + rs.getString(3),
								sql.readTimestamp(rs, 4));
						Totals previous = rows.put(key, new Totals(rs.getBigDecimal(5), rs.getLong(6)).normalized());
						if (previous != null) {
							throw new AssertionError("Two daily user rollup rows for " + key);
						}
					});
		return rows;
	}

	/** The rollup table with updated_at, to tell whether a run wrote anything. */
	static Map<Key, String> rollupsWithUpdatedAt(TestSchema schema) {
		LedgerDatabase sql = schema.dialect();
		Map<Key, String> rows = new HashMap<>();
		schema.jdbc()
			.query("SELECT tenant_id, meter, billing_scope_id, period_start, quantity, event_count, updated_at FROM "
					+ schema.tables().usageRollup(), (rs) -> {
						Key key = new Key(rs.getString(1), rs.getString(2), rs.getString(3), sql.readTimestamp(rs, 4));
						rows.put(key, rs.getBigDecimal(5).stripTrailingZeros().toPlainString() + "/" + rs.getLong(6)
								+ "/" + sql.readTimestamp(rs, 7));
					});
		return rows;
	}

	/**
	 * The keys whose rollup differs from the ledger, each with both sides: empty when exact.
	 * @param schema the tables
	 * @return ledger and rollup totals of every key where they differ
	 */
	public static Map<Key, String> differences(TestSchema schema) {
		Map<Key, Totals> ledger = ledger(schema);
		Map<Key, Totals> rollups = rollups(schema);
		// The per-user rollups are folded in the same transactions: they must be exact as well.
		ledger.putAll(userLedger(schema));
		rollups.putAll(userRollups(schema));
		ledger.putAll(userDayLedger(schema));
		rollups.putAll(userDayRollups(schema));
		Map<Key, String> differences = new TreeMap<>(Comparator.comparing(Key::toString));
		Set<Key> keys = new HashSet<>(ledger.keySet());
		keys.addAll(rollups.keySet());
		for (Key key : keys) {
			if (!Objects.equals(ledger.get(key), rollups.get(key))) {
				differences.put(key, "ledger " + ledger.get(key) + " rollup " + rollups.get(key));
			}
		}
		return differences;
	}

	/**
	 * Both sides summed per (billing scope, meter), the way bills read them: empty when the
	 * rollups grouped by billing scope equal the ledger.
	 * @param schema the tables
	 * @return ledger and rollup totals of every (billing scope, meter) where they differ
	 */
	public static Map<String, String> billingScopeDifferences(TestSchema schema) {
		Map<String, Totals> ledger = byBillingScope(ledger(schema));
		Map<String, Totals> rollups = byBillingScope(rollups(schema));
		Map<String, String> differences = new TreeMap<>();
		Set<String> keys = new HashSet<>(ledger.keySet());
		keys.addAll(rollups.keySet());
		for (String key : keys) {
			if (!Objects.equals(ledger.get(key), rollups.get(key))) {
				differences.put(key, "ledger " + ledger.get(key) + " rollup " + rollups.get(key));
			}
		}
		return differences;
	}

	/**
	 * The ledger's totals per (billing scope, meter), as {@code scope/meter}.
	 * @param schema the tables
	 * @return the totals
	 */
	public static Map<String, Totals> ledgerByBillingScope(TestSchema schema) {
		return byBillingScope(ledger(schema));
	}

	private static Map<String, Totals> byBillingScope(Map<Key, Totals> rows) {
		Map<String, Totals> sums = new TreeMap<>();
		rows.forEach((key, totals) -> sums.merge(key.billingScopeId() + "/" + key.meter(), totals, Totals::plus));
		sums.replaceAll((key, totals) -> totals.normalized());
		return sums;
	}

	public record Key(String tenantId, String meter, String billingScopeId, Instant hour) {

	}

	public record Totals(BigDecimal quantity, long count) {

		Totals plus(Totals other) {
			return new Totals(this.quantity.add(other.quantity), this.count + other.count);
		}

		Totals normalized() {
			return new Totals(this.quantity.setScale(9, RoundingMode.UNNECESSARY), this.count);
		}

	}

}
