package dev.metering.rollup;

import java.math.BigDecimal;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import dev.metering.internal.sql.LedgerDatabase;

/**
 * Sums the ledger rows of one batch by (tenant, meter, billing scope, UTC hour), so each rollup
 * row is written once per batch whatever the number of its events.
 */
final class Fold {

	private final LedgerDatabase dialect;

	private final Map<Key, Sum> sums = new HashMap<>();

	private long events;

	/** The runs of ids added, for the per-user rollups the database folds from them. */
	private final List<long[]> idRanges = new ArrayList<>();

	Fold(LedgerDatabase dialect) {
		this.dialect = dialect;
	}

	/**
	 * Adds the current row of a result set of {@code RollupSql.FOLD_COLUMNS}.
	 * @param rs the result set
	 * @return the row's ledger id
	 * @throws SQLException when the driver fails
	 */
	long add(ResultSet rs) throws SQLException {
		long id = rs.getLong(1);
		Key key = new Key(rs.getString(2), rs.getString(3), rs.getString(4),
				this.dialect.readTimestamp(rs, 6).truncatedTo(ChronoUnit.HOURS));
		BigDecimal quantity = rs.getBigDecimal(5);
		this.sums.computeIfAbsent(key, (k) -> new Sum()).add(quantity);
		this.events++;
		long[] last = this.idRanges.isEmpty() ? null : this.idRanges.get(this.idRanges.size() - 1);
		if (last != null && id == last[1] + 1) {
			last[1] = id;
		}
		else {
			this.idRanges.add(new long[] { id, id });
		}
		return id;
	}

	long events() {
		return this.events;
	}

	/**
	 * The ids added, as inclusive ranges: every id of a range was added (a range never spans an
	 * id that was not), so folding the ranges again reads exactly these rows.
	 */
	List<long[]> idRanges() {
		return this.idRanges;
	}

	List<RollupDelta> deltas() {
		List<RollupDelta> deltas = new ArrayList<>(this.sums.size());
		this.sums.forEach((key, sum) -> deltas.add(new RollupDelta(key.tenantId(), key.meter(), key.billingScopeId(),
				key.hour(), sum.quantity, sum.count)));
		return deltas;
	}

	private record Key(String tenantId, String meter, String billingScopeId, Instant hour) {

	}

	private static final class Sum {

		private BigDecimal quantity = BigDecimal.ZERO;

		private long count;

		void add(BigDecimal value) {
			this.quantity = this.quantity.add(value);
			this.count++;
		}

	}

}
