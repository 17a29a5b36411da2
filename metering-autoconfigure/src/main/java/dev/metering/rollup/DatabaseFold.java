package dev.metering.rollup;

import java.sql.PreparedStatement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import dev.metering.internal.sql.DatabaseSql;
import dev.metering.internal.sql.LedgerDatabase;
import dev.metering.internal.sql.PostgresSql;

import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Folds a batch of new ledger rows in the database, inside the caller's transaction: the rows
 * are summed and added to the rollups and the per-user rollups by the database
 * ({@link DatabaseSql}), never sent to Java. When the rows above the watermark fill their id range, one range covers them; otherwise
 * their ids are read to open the gaps, and the contiguous ranges between the gaps are folded.
 * Each range holds only ids that exist, so the fold sums exactly the rows seen, whatever
 * commits meanwhile and whatever the transaction's isolation. On PostgreSQL the whole batch is
 * one statement instead: one snapshot reads the rows once, folds them and reports their gaps.
 */
final class DatabaseFold {

	/** Id ranges per fold statement (two parameters each). */
	private static final int RANGES_PER_STATEMENT = 100;

	/** Runs of batch sums looked at per fold: a batch of the writer each. */
	private static final int SUM_RUNS = 10_000;

	private final JdbcTemplate jdbc;

	private final LedgerDatabase dialect;

	private final DatabaseSql sql;

	DatabaseFold(JdbcTemplate jdbc, DatabaseSql sql) {
		this.jdbc = jdbc;
		this.dialect = sql.database();
		this.sql = sql;
	}

	/**
	 * Folds up to {@code limit} rows above the watermark, opening a gap for each run of ids skipped.
	 * @param watermark the highest id looked at so far
	 * @param limit the most rows to fold
	 * @param gaps the open gaps, to add the new ones to
	 * @param now the {@code updated_at} of the rollups and the first-seen time of new gaps
	 * @param sums whether the ledger has batch sums to fold (PostgreSQL)
	 * @return the highest id folded (the watermark when none) and how many rows
	 */
	Folded foldAbove(long watermark, int limit, GapSet gaps, Instant now, boolean sums) {
		if (this.sql instanceof PostgresSql postgres) {
			return foldAboveInPostgres(postgres, watermark, limit, gaps, now, sums);
		}
		long[] countAndMax = this.jdbc.queryForObject(this.sql.countNewRowsSql(),
				(rs, n) -> new long[] { rs.getLong(1), rs.getLong(2) }, watermark, limit);
		if (countAndMax == null || countAndMax[0] == 0) {
			return new Folded(watermark, 0, false, List.of());
		}
		int count = (int) countAndMax[0];
		List<long[]> ranges;
		long highest;
		if (countAndMax[1] - watermark == count) {
			ranges = List.<long[]>of(new long[] { watermark + 1, countAndMax[1] });
			highest = countAndMax[1];
		}
		else {
			ranges = contiguousRanges(watermark, limit, gaps, now);
			if (ranges.isEmpty()) {
				return new Folded(watermark, 0, false, List.of());
			}
			highest = ranges.get(ranges.size() - 1)[1];
			count = ranges.stream().mapToInt((range) -> (int) (range[1] - range[0] + 1)).sum();
		}
		foldRanges(ranges, now, true);
		return new Folded(highest, count, false, ranges);
	}

	/**
	 * Folds the rows of id ranges the caller read (the rows it summed in Java) into the per-user
	 * rollups, which {@link RollupDialect#upsert} does not write.
	 * @param ranges inclusive id ranges, every id of which exists
	 * @param now the {@code updated_at} of the rows
	 */
	void foldUsers(List<long[]> ranges, Instant now) {
		foldRanges(ranges, now, false);
	}

	private void foldRanges(List<long[]> ranges, Instant now, boolean withTenantRollups) {
		Object updatedAt = this.dialect.timestamp(now);
		for (int from = 0; from < ranges.size(); from += RANGES_PER_STATEMENT) {
			List<long[]> chunk = ranges.subList(from, Math.min(ranges.size(), from + RANGES_PER_STATEMENT));
			Object[] args = new Object[1 + chunk.size() * 2];
			args[0] = updatedAt;
			for (int i = 0; i < chunk.size(); i++) {
				args[1 + 2 * i] = chunk.get(i)[0];
				args[2 + 2 * i] = chunk.get(i)[1];
			}
			if (withTenantRollups) {
				this.jdbc.update(this.sql.foldRangesSql(chunk.size()), args);
			}
			this.jdbc.update(this.sql.foldUserRangesSql(chunk.size()), args);
			this.jdbc.update(this.sql.foldUserDayRangesSql(chunk.size()), args);
		}
	}

	/**
	 * PostgreSQL: the id runs that batch sums cover are folded from their sums; the ids before the
	 * first such run (or all, when there are none) are read once, folded and their gaps found in
	 * one statement (one snapshot). One of the two per call: the run of sums that starts right
	 * after the watermark, or the rows up to the next run of sums.
	 * <p>
	 * Exact because a run's sums commit with its rows and cover ids that no other batch takes: a
	 * run is folded from its sums only while every id of it is above the watermark, and the
	 * watermark then moves past it; ids below the watermark (in gaps) are only ever folded from
	 * rows, and sums of runs that start below it are deleted unused.
	 */
	private Folded foldAboveInPostgres(PostgresSql postgres, long watermark, int limit, GapSet gaps,
			Instant now, boolean sums) {
		this.jdbc.execute(postgres.plannerSettings());
		long bound = Long.MAX_VALUE;
		if (sums) {
			List<long[]> runs = this.jdbc.query(postgres.sumRunsSql(),
					(rs, n) -> new long[] { rs.getLong(1), rs.getLong(2), rs.getLong(3) }, watermark, SUM_RUNS);
			long end = watermark;
			long count = 0;
			long lastFirst = 0;
			for (long[] run : runs) {
				if (run[0] != end + 1 || (count > 0 && count + run[2] > limit)) {
					break;
				}
				end = run[1];
				count += run[2];
				lastFirst = run[0];
			}
			if (end > watermark) {
				Long folded = this.jdbc.queryForObject(postgres.foldSumsSql(), Long.class, watermark + 1,
						lastFirst, this.dialect.timestamp(now), this.dialect.timestamp(now), this.dialect.timestamp(now));
				this.jdbc.update(postgres.deleteSumsSql(), end);
				// Every id of the runs exists: each run holds exactly the ids its batch took.
				return new Folded(end, (folded != null) ? folded.intValue() : 0, true,
						List.<long[]>of(new long[] { watermark + 1, end }));
			}
			if (!runs.isEmpty()) {
				bound = runs.get(0)[0] - 1;
			}
		}
		long[] countAndMax = new long[2];
		List<long[]> skipped = new ArrayList<>();
		this.jdbc.query(postgres.foldBatchSql(), (rs) -> {
			long gapStart = rs.getLong(3);
			if (rs.wasNull()) {
				countAndMax[0] = rs.getLong(1);
				countAndMax[1] = rs.getLong(2);
			}
			else {
				// Ids skipped over: not committed yet, or never to be. Wait for them.
				gaps.open(gapStart, rs.getLong(4), now);
				skipped.add(new long[] { gapStart, rs.getLong(4) });
			}
		}, watermark, bound, limit, this.dialect.timestamp(now), this.dialect.timestamp(now), this.dialect.timestamp(now),
				watermark, watermark,
				watermark);
		int count = (int) countAndMax[0];
		long highest = (count == 0) ? watermark : countAndMax[1];
		List<long[]> folded = (count == 0) ? List.of() : between(watermark + 1, highest, skipped);
		boolean bounded = bound != Long.MAX_VALUE;
		if (bounded && count < limit && highest < bound) {
			// Every visible row before the next run of sums was read: the ids left are not committed
			// yet, or never to be (rolled back, or skipped by a batch), and wait in a gap.
			gaps.open(highest + 1, bound, now);
			highest = bound;
		}
		if (sums && highest > watermark) {
			this.jdbc.update(postgres.deleteSumsSql(), highest);
		}
		return new Folded(highest, count, bounded, folded);
	}

	/** The ids of {@code [from, to]} outside the skipped runs, as inclusive ranges. */
	private static List<long[]> between(long from, long to, List<long[]> skipped) {
		List<long[]> sorted = new ArrayList<>(skipped);
		sorted.sort(java.util.Comparator.comparingLong((long[] run) -> run[0]));
		List<long[]> ranges = new ArrayList<>();
		long next = from;
		for (long[] run : sorted) {
			if (run[0] > next) {
				ranges.add(new long[] { next, run[0] - 1 });
			}
			next = Math.max(next, run[1] + 1);
		}
		if (next <= to) {
			ranges.add(new long[] { next, to });
		}
		return ranges;
	}

	/** Reads the ids above the watermark; each run of ids is a range, each skip a new gap. */
	private List<long[]> contiguousRanges(long watermark, int limit, GapSet gaps, Instant now) {
		List<long[]> ranges = new ArrayList<>();
		this.jdbc.query((connection) -> {
			PreparedStatement statement = connection.prepareStatement(this.sql.newIdsSql());
			statement.setLong(1, watermark);
			statement.setInt(2, limit);
			statement.setFetchSize(Math.min(limit, 5_000));
			return statement;
		}, (rs) -> {
			long id = rs.getLong(1);
			long previous = ranges.isEmpty() ? watermark : ranges.get(ranges.size() - 1)[1];
			if (id == previous + 1 && !ranges.isEmpty()) {
				ranges.get(ranges.size() - 1)[1] = id;
				return;
			}
			if (id > previous + 1) {
				// Ids skipped over: not committed yet, or never to be. Wait for them.
				gaps.open(previous + 1, id - 1, now);
			}
			ranges.add(new long[] { id, id });
		});
		return ranges;
	}

	/**
	 * What one fold did.
	 * @param watermark the highest id folded or given up to a gap, or the old watermark when none
	 * @param count how many rows were folded
	 * @param more whether ids beyond the watermark wait for the next fold whatever the count (the
	 * fold stopped at a run of batch sums, or folded one)
	 * @param ranges the ids folded, as inclusive ranges every id of which exists (the defined
	 * meters' fold reads them again)
	 */
	record Folded(long watermark, int count, boolean more, List<long[]> ranges) {

	}

}
