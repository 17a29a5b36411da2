package dev.metering.admin;

import java.math.BigDecimal;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;

import javax.sql.DataSource;

import dev.metering.internal.json.DimensionsJson;
import dev.metering.internal.sql.DefinitionSql;
import dev.metering.internal.sql.FeatureSql;
import dev.metering.billing.PlanAssignment;
import dev.metering.internal.sql.LedgerDatabase;
import dev.metering.internal.sql.TableNames;
import dev.metering.ledger.MeteringTables;
import dev.metering.meter.MeterDefinition;
import dev.metering.quota.Enforcement;
import dev.metering.quota.QuotaWindow;

import org.jspecify.annotations.Nullable;

import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.RowMapper;
import org.springframework.util.function.SingletonSupplier;

/**
 * The runtime definitions' tables: plans, plan quotas, tenants, tenant quotas, meter definitions
 * and the audit trail. Writes run in the caller's transaction ({@link MeteringAdmin} holds it).
 * <p>
 * Over 350 lines: the one store of every runtime definition table, each read and written the same way.
 */
public class JdbcRuntimeDefinitions {

	private final JdbcTemplate jdbc;

	private final DefinitionSql sql;

	private final SingletonSupplier<LedgerDatabase> database;

	private final RowMapper<QuotaRow> quotaRows = (rs, n) -> quotaRow(rs);

	private final CachedDefinitionReads reads;

	private final FeatureRows features;

	/** Told when the cached reads are forgotten or refreshed: the meter definitions of the tables. */
	private final List<Runnable> readsChanged = new CopyOnWriteArrayList<>();

	/**
	 * Creates the store, its cached reads serving 30 seconds.
	 * @param dataSource the database
	 * @param tables the table names
	 * @param database the database, asked on first use
	 */
	public JdbcRuntimeDefinitions(DataSource dataSource, MeteringTables tables, Supplier<LedgerDatabase> database) {
		this(dataSource, tables, database, Duration.ofSeconds(30));
	}

	/**
	 * Creates the store.
	 * @param dataSource the database
	 * @param tables the table names
	 * @param database the database, asked on first use
	 * @param ttl how long the reads enforcement makes of tenants it has not seen (which tenants
	 * have rows, a plan's quotas) serve before they are reloaded ({@code metering.cache.definitions-ttl})
	 */
	public JdbcRuntimeDefinitions(DataSource dataSource, MeteringTables tables, Supplier<LedgerDatabase> database,
			Duration ttl) {
		this.jdbc = new JdbcTemplate(dataSource);
		this.sql = new DefinitionSql(new TableNames(tables.prefix()));
		this.database = SingletonSupplier.of(database);
		this.features = new FeatureRows(this.jdbc, new FeatureSql(new TableNames(tables.prefix())));
		this.reads = new CachedDefinitionReads(this, ttl);
	}

	/** The runtime feature values' table. */
	FeatureRows features() {
		return this.features;
	}

	/** What enforcement reads, cached: which tenants have rows, plans' quotas, feature values. */
	CachedDefinitionReads reads() {
		return this.reads;
	}

	/**
	 * Forgets the cached reads (which tenants have rows, plans' quotas): called on every
	 * invalidation of a change the bus delivers.
	 */
	public void forgetCachedReads() {
		this.reads.forget();
		this.readsChanged.forEach(Runnable::run);
	}

	/**
	 * Adds what reads the tables itself and is told with the cached reads.
	 * @param forget forgets what it read
	 */
	void onForget(Runnable forget) {
		this.readsChanged.add(forget);
	}

	/**
	 * Reads the cached reads again in the background, serving them meanwhile and on if the reads
	 * fail: called when invalidations may have been missed (the bus reconnected).
	 * @return completes when the reads are done
	 */
	public CompletableFuture<Void> refreshCachedReads() {
		this.readsChanged.forEach(Runnable::run);
		return this.reads.refresh();
	}

	/** Every tenant with a row or a tenant quota, or {@code null} when there are more than {@code most}. */
	@Nullable Set<String> tenantsWithRows(int most) {
		JdbcTemplate bounded = new JdbcTemplate(this.jdbc.getDataSource());
		bounded.setMaxRows(most + 1);
		List<String> ids = bounded.query(this.sql.selectTenantsWithRows, (rs, n) -> rs.getString(1));
		return (ids.size() > most) ? null : Set.copyOf(new HashSet<>(ids));
	}

	/**
	 * Whether the database holds a plan.
	 * @param plan the plan name
	 * @return {@code true} when it has a row
	 */
	public boolean hasPlan(String plan) {
		return !this.jdbc.queryForList(this.sql.selectPlan, plan).isEmpty();
	}

	/**
	 * The plans of the database.
	 * @return plan names, sorted
	 */
	public List<String> planNames() {
		return this.jdbc.query(this.sql.selectPlans, (rs, n) -> rs.getString(1));
	}

	/**
	 * The quotas the database gives a plan.
	 * @param plan the plan name
	 * @return its rows, by meter and window
	 */
	public List<QuotaRow> planQuotas(String plan) {
		return this.jdbc.query(this.sql.selectPlanQuotas, this.quotaRows, plan);
	}

	/**
	 * Whether any quota row, of a plan or a tenant, has thresholds.
	 * @return {@code true} when one has
	 */
	boolean anyThresholds() {
		Long count = this.jdbc.queryForObject(this.sql.countQuotasWithThresholds, Long.class);
		return count != null && count > 0;
	}

	Optional<QuotaRow> planQuota(String plan, String meter, Map<String, String> filter, QuotaWindow window) {
		return this.jdbc.query(this.sql.selectPlanQuota, this.quotaRows, plan, meter, filterColumn(filter), window.id())
			.stream()
			.findFirst();
	}

	/**
	 * The database's row of a tenant.
	 * @param tenantId the tenant
	 * @return its row, empty when it has none
	 */
	Optional<TenantRow> tenant(String tenantId) {
		return this.jdbc.query(this.sql.selectTenant, (rs, n) -> tenantRow(rs), tenantId).stream().findFirst();
	}

	/**
	 * The database's rows that shape the hierarchy (a parent, a payer or an exemption), by tenant id.
	 * @return the rows
	 */
	List<TenantRow> hierarchyTenants() {
		return this.jdbc.query(this.sql.selectHierarchyTenants, (rs, n) -> tenantRow(rs));
	}

	/**
	 * Creates the hierarchy's lock row if it is missing; outside a transaction.
	 * @param now when
	 */
	void createHierarchyLock(Instant now) {
		try {
			this.jdbc.update(this.sql.insertHierarchyLock, ts(now));
		}
		catch (DuplicateKeyException ex) {
			// There already.
		}
	}

	/**
	 * Locks the tenant hierarchy until the caller's transaction ends: another change waits.
	 * @param now when
	 * @return {@code false} when the lock row is missing ({@link #createHierarchyLock})
	 */
	boolean lockHierarchy(Instant now) {
		return this.jdbc.update(this.sql.lockHierarchy, ts(now)) > 0;
	}

	/**
	 * The quotas the database gives a tenant of its own.
	 * @param tenantId the tenant
	 * @return its rows, by meter and window
	 */
	public List<QuotaRow> tenantQuotas(String tenantId) {
		return this.jdbc.query(this.sql.selectTenantQuotas, this.quotaRows, tenantId);
	}

	Optional<QuotaRow> tenantQuota(String tenantId, String meter, Map<String, String> filter, QuotaWindow window) {
		return this.jdbc.query(this.sql.selectTenantQuota, this.quotaRows, tenantId, meter, filterColumn(filter),
				window.id())
			.stream()
			.findFirst();
	}

	long tenantsOnPlan(String plan) {
		Long count = this.jdbc.queryForObject(this.sql.countTenantsOnPlan, Long.class, plan);
		return (count != null) ? count : 0;
	}

	void insertPlan(String plan, @Nullable String description, Instant now) {
		this.jdbc.update(this.sql.insertPlan, plan, description, ts(now), ts(now));
	}

	void deletePlan(String plan) {
		this.jdbc.update(this.sql.deletePlanQuotas, plan);
		this.jdbc.update(this.sql.deletePlan, plan);
	}

	void savePlanQuota(String plan, QuotaRow row, boolean exists, Instant now) {
		if (exists) {
			this.jdbc.update(this.sql.updatePlanQuota, row.limit(), row.enforcement().id(), row.softThreshold(),
					row.thresholdsColumn(), ts(now), plan, row.meter(), row.filterColumn(), row.window().id());
		}
		else {
			this.jdbc.update(this.sql.insertPlanQuota, plan, row.meter(), row.window().id(), row.limit(),
					row.enforcement().id(), row.softThreshold(), row.filterColumn(), row.thresholdsColumn(), ts(now));
		}
	}

	void deletePlanQuota(String plan, String meter, Map<String, String> filter, QuotaWindow window) {
		this.jdbc.update(this.sql.deletePlanQuota, plan, meter, filterColumn(filter), window.id());
	}

	private static String filterColumn(Map<String, String> filter) {
		return new QuotaRow("m", QuotaWindow.DAY, java.math.BigDecimal.ZERO, Enforcement.HARD, null, filter)
			.filterColumn();
	}

	void saveTenant(TenantRow row, boolean exists, Instant now) {
		if (exists) {
			this.jdbc.update(this.sql.updateTenant, row.plan(), row.exempt(), row.parentId(), row.billingAttribution(),
					row.exemptDescendants(), row.timeZone(), row.anchorDay(), ts(now), row.tenantId());
		}
		else {
			this.jdbc.update(this.sql.insertTenant, row.tenantId(), row.plan(), row.exempt(), row.parentId(),
					row.billingAttribution(), row.exemptDescendants(), row.timeZone(), row.anchorDay(), ts(now), ts(now));
		}
	}

	void deleteTenant(String tenantId) {
		this.jdbc.update(this.sql.deletePlanHistory, tenantId);
		this.jdbc.update(this.sql.deleteTenantQuotas, tenantId);
		this.jdbc.update(this.sql.deleteTenant, tenantId);
	}

	void deleteTenantRow(String tenantId) {
		this.jdbc.update(this.sql.deleteTenant, tenantId);
	}

	void saveTenantQuota(String tenantId, QuotaRow row, boolean exists, Instant now) {
		if (exists) {
			this.jdbc.update(this.sql.updateTenantQuota, row.limit(), row.enforcement().id(), row.softThreshold(),
					row.thresholdsColumn(), ts(now), tenantId, row.meter(), row.filterColumn(), row.window().id());
		}
		else {
			this.jdbc.update(this.sql.insertTenantQuota, tenantId, row.meter(), row.window().id(), row.limit(),
					row.enforcement().id(), row.softThreshold(), row.filterColumn(), row.thresholdsColumn(), ts(now));
		}
	}

	void deleteTenantQuota(String tenantId, String meter, Map<String, String> filter, QuotaWindow window) {
		this.jdbc.update(this.sql.deleteTenantQuota, tenantId, meter, filterColumn(filter), window.id());
	}

	/**
	 * The meter definitions of the database.
	 * @return the rows, by meter
	 */
	public List<MeterDefinition> meterDefinitions() {
		return this.jdbc.query(this.sql.selectMeterDefinitions, (rs, n) -> meterDefinition(rs));
	}

	void saveMeterDefinition(MeterDefinition definition, boolean exists, Instant now) {
		String value = (definition.value() != null) ? definition.value().text() : null;
		String groupBy = groupByColumn(definition);
		if (exists) {
			this.jdbc.update(this.sql.updateMeterDefinition, definition.aggregation().configName(),
					definition.eventType(), value, groupBy, definition.unit(), definition.description(),
					definition.maxGroups(), ts(now), definition.name());
		}
		else {
			this.jdbc.update(this.sql.insertMeterDefinition, definition.name(), definition.aggregation().configName(),
					definition.eventType(), value, groupBy, definition.unit(), definition.description(),
					definition.maxGroups(), ts(now));
		}
	}

	void deleteMeterDefinition(String meter) {
		this.jdbc.update(this.sql.deleteMeterDefinition, meter);
	}

	/** Whether the meter has rows in the rollups of defined meters. */
	boolean meterHasRollups(String meter) {
		return anyRow(this.sql.meterHasRollups, meter);
	}

	/** Whether the meter has rows in the rollups of every meter's sum of quantity. */
	boolean meterHasUsage(String meter) {
		return anyRow(this.sql.meterHasUsage, meter);
	}

	private boolean anyRow(String sql, String meter) {
		Long rows = this.jdbc.queryForObject(sql, Long.class, meter);
		return rows != null && rows > 0;
	}

	private static String groupByColumn(MeterDefinition definition) {
		Map<String, String> pointers = new LinkedHashMap<>();
		definition.groupBy().forEach((dimension, pointer) -> pointers.put(dimension, pointer.text()));
		String json = DimensionsJson.encode(pointers);
		return (json != null) ? json : "";
	}

	private static MeterDefinition meterDefinition(ResultSet rs) throws SQLException {
		MeterChange change = new MeterChange(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4),
				DimensionsJson.decode(rs.getString(5)), rs.getString(6), rs.getString(7), rs.getInt(8));
		return change.toDefinition();
	}

	void audit(Instant at, String actor, String action, String target, @Nullable String oldValue,
			@Nullable String newValue) {
		this.jdbc.update(this.sql.insertAudit, ts(at), actor, action, target, oldValue, newValue);
	}

	/**
	 * The audit trail of targets starting with a prefix, newest first.
	 * @param targetPrefix e.g. {@code tenant:acme} or {@code plan:} ({@code %} and {@code _} are
	 * matched literally)
	 * @param limit the most entries
	 * @return the entries
	 */
	public List<AuditEntry> audit(String targetPrefix, int limit) {
		String pattern = targetPrefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%";
		JdbcTemplate bounded = new JdbcTemplate(this.jdbc.getDataSource());
		bounded.setMaxRows(limit);
		return bounded.query(this.sql.selectAudit,
				(rs, n) -> new AuditEntry(rs.getLong(1), this.database.obtain().readTimestamp(rs, 2), rs.getString(3),
						rs.getString(4), rs.getString(5), rs.getString(6), rs.getString(7)),
				pattern);
	}

	/**
	 * Ledger rows above the rollup's watermark.
	 * @param rollupName the rollup's name in the state table
	 * @return the lag in ledger ids, 0 when everything is folded
	 */
	public long rollupLag(String rollupName) {
		Long lag = this.jdbc.queryForObject(this.sql.rollupLag, Long.class, rollupName);
		return (lag != null) ? Math.max(0, lag) : 0;
	}

	/**
	 * Whether the ledger can be written: a connection that is not read-only reaches its table.
	 * @return {@code true} when it can
	 */
	public boolean ledgerWritable() {
		Boolean writable = this.jdbc.execute((java.sql.Connection connection) -> {
			if (connection.isReadOnly()) {
				return false;
			}
			try (var statement = connection.prepareStatement(this.sql.ledgerProbe)) {
				statement.executeQuery().close();
			}
			return true;
		});
		return Boolean.TRUE.equals(writable);
	}

	private Object ts(Instant instant) {
		return this.database.obtain().timestamp(instant);
	}

	private static QuotaRow quotaRow(ResultSet rs) throws SQLException {
		BigDecimal limit = rs.getBigDecimal(3);
		double value = rs.getDouble(5);
		Double threshold = rs.wasNull() ? null : value;
		return new QuotaRow(rs.getString(1), QuotaWindow.of(rs.getString(2)), limit.stripTrailingZeros(),
				Enforcement.of(rs.getString(4)), threshold, QuotaRow.filterOf(rs.getString(6)),
				QuotaRow.thresholdsOf(rs.getString(7)));
	}

	private static TenantRow tenantRow(ResultSet rs) throws SQLException {
		int anchor = rs.getInt(8);
		return new TenantRow(rs.getString(1), rs.getString(2), nullableBoolean(rs, 3), rs.getString(4), rs.getString(5),
				nullableBoolean(rs, 6), rs.getString(7), rs.wasNull() ? null : anchor);
	}

	/**
	 * A tenant's plan assignments, oldest first.
	 * @param tenantId the tenant
	 * @return each plan with the instant it took effect
	 */
	public List<PlanAssignment> planHistory(String tenantId) {
		LedgerDatabase database = this.database.get();
		return this.jdbc.query(this.sql.selectPlanHistory,
				(rs, n) -> new PlanAssignment(rs.getString(2), database.readTimestamp(rs, 1)), tenantId);
	}

	/**
	 * Records that a plan takes effect at an instant: later assignments are replaced (a backdated
	 * change wins over what was assigned after it), and a tenant's first assignment keeps the
	 * plan it had before as in effect since the epoch.
	 */
	void assignPlan(String tenantId, @Nullable String previous, String plan, Instant effectiveFrom, Instant now) {
		List<PlanAssignment> history = planHistory(tenantId);
		if (history.isEmpty() && previous != null && !previous.equals(plan)) {
			this.jdbc.update(this.sql.insertPlanHistory, tenantId, ts(Instant.EPOCH), previous, ts(now));
		}
		this.jdbc.update(this.sql.deletePlanHistoryAfter, tenantId, ts(effectiveFrom));
		boolean exists = history.stream().anyMatch((assignment) -> assignment.effectiveFrom().equals(effectiveFrom));
		if (exists) {
			this.jdbc.update(this.sql.updatePlanHistory, plan, tenantId, ts(effectiveFrom));
		}
		else {
			this.jdbc.update(this.sql.insertPlanHistory, tenantId, ts(effectiveFrom), plan, ts(now));
		}
	}

	void deletePlanHistory(String tenantId) {
		this.jdbc.update(this.sql.deletePlanHistory, tenantId);
	}

	private static @Nullable Boolean nullableBoolean(ResultSet rs, int column) throws SQLException {
		boolean value = rs.getBoolean(column);
		return rs.wasNull() ? null : value;
	}

}
