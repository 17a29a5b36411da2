package dev.metering.rollup;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import dev.metering.test.TestDatabase;
import dev.metering.test.TestSchema;

/**
 * The defined meters' aggregations computed by SQL directly over the ledger, the side the meter
 * rollup tests compare the rollups with. A group is matched on the ledger's {@code dimensions}
 * text, which starts with the group-by values (the kit writes them first; PostgreSQL's
 * {@code jsonb} puts the shorter names first, and group-by names here are shorter than the
 * reserved {@code __unique__}).
 */
final class MeterLedgerTruth {

	private final TestSchema schema;

	MeterLedgerTruth(TestSchema schema) {
		this.schema = schema;
	}

	/** SUM, COUNT, MIN, MAX and the latest value (latest occurred_at, then larger event id) of one group and window. */
	Aggregates aggregates(String tenant, String meter, Map<String, String> group, Instant from, Instant to) {
		String where = " FROM " + this.schema.tables().usageEvent() + " WHERE tenant_id = ? AND meter = ? "
				+ "AND occurred_at >= ? AND occurred_at < ?" + groupCondition(group);
		Object[] args = args(tenant, meter, group, from, to);
		return this.schema.jdbc()
			.queryForObject("SELECT SUM(quantity), COUNT(*), MIN(quantity), MAX(quantity)" + where, (rs, n) -> {
				List<BigDecimal> latest = this.schema.jdbc()
					.queryForList("SELECT quantity" + where + " ORDER BY occurred_at DESC, event_id DESC", BigDecimal.class,
							args);
				return new Aggregates(rs.getBigDecimal(1), rs.getLong(2), rs.getBigDecimal(3), rs.getBigDecimal(4),
						latest.isEmpty() ? null : latest.get(0));
			}, args);
	}

	/** COUNT(DISTINCT) of the counted value of one group's events in {@code [from, to)}. */
	long uniqueCount(String tenant, String meter, Map<String, String> group, Instant from, Instant to) {
		// Within one group the dimensions differ exactly where the counted value does.
		String text = (this.schema.database() == TestDatabase.POSTGRESQL) ? "CAST(dimensions AS TEXT)" : "dimensions";
		Long count = this.schema.jdbc()
			.queryForObject("SELECT COUNT(DISTINCT " + text + ") FROM " + this.schema.tables().usageEvent()
					+ " WHERE tenant_id = ? AND meter = ? AND occurred_at >= ? AND occurred_at < ?"
					+ groupCondition(group), Long.class, args(tenant, meter, group, from, to));
		return (count != null) ? count : 0;
	}

	private String groupCondition(Map<String, String> group) {
		if (group.isEmpty()) {
			return "";
		}
		return (this.schema.database() == TestDatabase.POSTGRESQL) ? " AND CAST(dimensions AS TEXT) LIKE ?"
				: " AND dimensions LIKE ?";
	}

	private Object[] args(String tenant, String meter, Map<String, String> group, Instant from, Instant to) {
		Object start = this.schema.dialect().timestamp(from);
		Object end = this.schema.dialect().timestamp(to);
		if (group.isEmpty()) {
			return new Object[] { tenant, meter, start, end };
		}
		Map.Entry<String, String> only = group.entrySet().iterator().next();
		String separator = (this.schema.database() == TestDatabase.POSTGRESQL) ? ": " : ":";
		return new Object[] { tenant, meter, start, end,
				"{\"" + only.getKey() + "\"" + separator + "\"" + only.getValue() + "\"%" };
	}

	record Aggregates(BigDecimal sum, long count, BigDecimal min, BigDecimal max, BigDecimal latest) {

	}

}
