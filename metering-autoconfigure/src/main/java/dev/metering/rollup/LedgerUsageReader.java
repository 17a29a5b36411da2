package dev.metering.rollup;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import javax.sql.DataSource;

import dev.metering.internal.sql.LedgerDatabase;
import dev.metering.internal.sql.RollupSql;
import dev.metering.internal.sql.TableNames;
import dev.metering.ledger.MeteringTables;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.RowCallbackHandler;
import org.springframework.util.function.SingletonSupplier;

/**
 * Reads usage straight from the ledger rows: exact, but its cost grows with the rows of the
 * window. The rollup reader replaces it where rollups exist.
 */
public class LedgerUsageReader implements UsageReader {

	private final JdbcTemplate jdbc;

	/** Tenants per grouped statement. */
	static final int TENANTS_PER_STATEMENT = 500;

	private final Supplier<LedgerDatabase> database;

	private final RollupSql sql;

	private final Map<LedgerScopeColumn, String> sumLedger;

	/**
	 * A reader over the ledger of a DataSource.
	 * @param dataSource the DataSource
	 * @param database supplies the database (called once, on the first read)
	 * @param tables the table names
	 */
	public LedgerUsageReader(DataSource dataSource, Supplier<LedgerDatabase> database, MeteringTables tables) {
		this.jdbc = new JdbcTemplate(dataSource);
		this.database = SingletonSupplier.of(database);
		this.sql = new RollupSql(new TableNames(tables.prefix()));
		this.sumLedger = LedgerScopeColumn.resolve(this.sql::sumLedger);
	}

	/** One grouped statement per {@value #TENANTS_PER_STATEMENT} tenants. */
	@Override
	public Map<String, BigDecimal> tenantUsages(Collection<String> tenantIds, String meter, Instant from, Instant to) {
		Map<String, BigDecimal> usages = zeros(tenantIds);
		LedgerDatabase sql = this.database.get();
		for (List<String> part : partition(tenantIds)) {
			List<Object> args = new ArrayList<>(part);
			args.add(meter);
			args.add(sql.timestamp(from));
			args.add(sql.timestamp(to));
			addGrouped(this.jdbc, this.sql.sumLedgerByTenant(part.size()), args, usages);
		}
		return usages;
	}

	static Map<String, BigDecimal> zeros(Collection<String> tenantIds) {
		Map<String, BigDecimal> usages = new LinkedHashMap<>();
		tenantIds.forEach((tenantId) -> usages.put(tenantId, BigDecimal.ZERO));
		return usages;
	}

	static List<List<String>> partition(Collection<String> tenantIds) {
		List<String> all = List.copyOf(tenantIds);
		List<List<String>> parts = new ArrayList<>();
		for (int from = 0; from < all.size(); from += TENANTS_PER_STATEMENT) {
			parts.add(all.subList(from, Math.min(all.size(), from + TENANTS_PER_STATEMENT)));
		}
		return parts;
	}

	/** Adds the (tenant, sum) rows of a grouped statement to the usages. */
	static void addGrouped(JdbcTemplate jdbc, String sql, List<Object> args, Map<String, BigDecimal> usages) {
		jdbc.query(LedgerDatabase.plannedEachExecution(sql, args.toArray()), (RowCallbackHandler) (rs) -> {
			BigDecimal sum = rs.getBigDecimal(2);
			if (sum != null) {
				usages.merge(rs.getString(1), sum, BigDecimal::add);
			}
		});
	}

	@Override
	public BigDecimal tenantUsage(String tenantId, String meter, Instant from, Instant to) {
		return sum(LedgerScopeColumn.TENANT, tenantId, meter, from, to);
	}

	@Override
	public BigDecimal billingScopeUsage(String billingScopeId, String meter, Instant from, Instant to) {
		return sum(LedgerScopeColumn.BILLING_SCOPE, billingScopeId, meter, from, to);
	}

	private BigDecimal sum(LedgerScopeColumn column, String id, String meter, Instant from, Instant to) {
		LedgerDatabase sql = this.database.get();
		BigDecimal sum = this.jdbc.queryForObject(this.sumLedger.get(column), BigDecimal.class, id, meter,
				sql.timestamp(from), sql.timestamp(to));
		return (sum != null) ? sum : BigDecimal.ZERO;
	}

}
