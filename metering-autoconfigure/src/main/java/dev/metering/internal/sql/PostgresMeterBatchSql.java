package dev.metering.internal.sql;

/**
 * PostgreSQL's statements of the defined meters' batch aggregates ({@code metering_meter_batch}):
 * written by the ledger writer beside a batch's sums, read by the defined meters' fold instead of
 * the batch's rows, deleted once folded.
 */
public final class PostgresMeterBatchSql {

	private static final String INSERT_METER_BATCH = "WITH run AS (SELECT CAST(? AS bigint) AS first_id, "
			+ "currval(CAST(? AS regclass)) AS last_id) INSERT INTO %PREFIX%meter_batch (first_id, last_id, "
			+ "tenant_id, meter, billing_scope_id, period_start, dimensions, quantity, event_count, min_value, "
			+ "max_value, latest_value, latest_at, latest_event_id, first_at, first_row_id) SELECT run.first_id, "
			+ "run.last_id, s.t, s.m, s.b, s.p, s.d, s.q, s.c, s.mi, s.ma, s.l, s.la, s.le, s.fa, "
			+ "run.first_id + 1 + s.fo FROM run, unnest(CAST(? AS varchar[]), CAST(? AS varchar[]), "
			+ "CAST(? AS varchar[]), CAST(? AS timestamptz[]), CAST(? AS text[]), CAST(? AS numeric[]), "
			+ "CAST(? AS bigint[]), CAST(? AS numeric[]), CAST(? AS numeric[]), CAST(? AS numeric[]), "
			+ "CAST(? AS timestamptz[]), CAST(? AS varchar[]), CAST(? AS timestamptz[]), CAST(? AS bigint[])) "
			+ "AS s(t, m, b, p, d, q, c, mi, ma, l, la, le, fa, fo) WHERE run.last_id - run.first_id = ?";

	private final TableNames tables;

	private final String insertMeterBatch;

	PostgresMeterBatchSql(TableNames tables) {
		this.tables = tables;
		this.insertMeterBatch = tables.resolve(INSERT_METER_BATCH);
	}

	/**
	 * Writes a batch's meter aggregates with its id run, as {@link PostgresSql#insertSums()} writes sums: only
	 * when the run holds exactly the id taken before the COPY and the rows COPYed.
	 * @return SQL with parameters first id, sequence, the aggregates' fourteen column arrays, rows
	 * COPYed
	 */
	public String insert() {
		return this.insertMeterBatch;
	}

	/**
	 * The id runs of batch meter aggregates that lie within an id range.
	 * @return SQL with parameters the range's lowest and highest id, selecting first and last id
	 */
	public String runsSql() {
		return "SELECT DISTINCT first_id, last_id FROM " + this.tables.meterBatch() + " WHERE first_id >= ? AND last_id <= ?";
	}

	/**
	 * The meter aggregates of runs, of some meters, each key's rows of every run merged into one.
	 * @return SQL with parameters the runs' first ids and the meters (arrays), selecting tenant,
	 * meter, billing scope, hour, dimensions, sum, count, min, max, latest value, its instant and
	 * event id, the earliest instant and the lowest ledger id
	 */
	public String rowsSql() {
		// Each key's rows of all the runs in one: the latest by instant, then by event id in byte order
		// (lower-case hex), as the fold compares them. The key's text columns are grouped in byte
		// order ("C"): the same groups as the columns' own (deterministic) collation, without its
		// costly comparisons in the sort.
		String latestOrder = " ORDER BY latest_at DESC, latest_event_id COLLATE \"C\" DESC))[1]";
		return "SELECT tenant_id COLLATE \"C\", meter COLLATE \"C\", billing_scope_id COLLATE \"C\", period_start, "
				+ "dimensions COLLATE \"C\", SUM(quantity), "
				+ "CAST(SUM(event_count) AS bigint), MIN(min_value), MAX(max_value), (array_agg(latest_value"
				+ latestOrder + ", MAX(latest_at), (array_agg(latest_event_id" + latestOrder + ", MIN(first_at), "
				+ "MIN(first_row_id) FROM " + this.tables.meterBatch() + " WHERE first_id = ANY(CAST(? AS bigint[])) "
				+ "AND meter = ANY(CAST(? AS varchar[])) GROUP BY 1, 2, 3, 4, 5";
	}

	/**
	 * Deletes the meter aggregates of runs that end at or below a watermark: folded, from their
	 * aggregates or their rows.
	 * @return SQL with parameter the watermark
	 */
	public String deleteSql() {
		return "DELETE FROM " + this.tables.meterBatch() + " WHERE last_id <= ?";
	}

	/**
	 * Whether the ledger has a meter aggregate table that this role may insert into.
	 * @return SQL with parameter the table's name, selecting a boolean
	 */
	public String writableSql() {
		return "SELECT COALESCE(has_table_privilege(CAST(to_regclass(?) AS oid), 'INSERT'), false)";
	}

}
