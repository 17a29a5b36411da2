package dev.metering.billing;

import java.util.List;

import dev.metering.internal.sql.BillingSql;
import dev.metering.rollup.RollupJob;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * A lower bound of every ledger id the rollup has not folded, now or later: the watermark only
 * rises and new gaps open only above it. The statements read the exact progress themselves;
 * the bound lets the database scan the primary key from there instead of a whole window.
 */
final class UnfoldedRows {

	private UnfoldedRows() {
	}

	static long lowestId(JdbcTemplate jdbc, BillingSql sql) {
		List<Long> lowest = jdbc.query(sql.rollupProgress, (rs, n) -> {
			long next = rs.getLong(1) + 1;
			long gap = rs.getLong(2);
			return rs.wasNull() ? next : Math.min(next, gap);
		}, RollupJob.NAME);
		return lowest.isEmpty() ? 0 : lowest.get(0);
	}

}
