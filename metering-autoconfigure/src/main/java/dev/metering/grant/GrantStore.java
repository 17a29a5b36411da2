package dev.metering.grant;

import java.math.BigDecimal;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

import javax.sql.DataSource;

import dev.metering.internal.sql.GrantSql;
import dev.metering.internal.sql.LedgerDatabase;
import dev.metering.internal.sql.TableNames;
import dev.metering.ledger.MeteringTables;

import org.jspecify.annotations.Nullable;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.SqlParameterValue;
import org.springframework.util.function.SingletonSupplier;

/** The grant table and the audit rows of its changes. */
final class GrantStore {

	/** The meter column of a money grant's row: no meter name can be it. */
	private static final String MONEY_METER = "*";

	private final JdbcTemplate jdbc;

	private final GrantSql sql;

	private final SingletonSupplier<LedgerDatabase> database;

	GrantStore(DataSource dataSource, MeteringTables tables) {
		this.jdbc = new JdbcTemplate(dataSource);
		this.sql = new GrantSql(new TableNames(tables.prefix()));
		this.database = SingletonSupplier.of(() -> LedgerDatabase.detect(dataSource));
	}

	void insert(Grant grant) {
		this.jdbc.update(this.sql.insert, grant.id(), grant.tenantId(),
				(grant.meter() != null) ? grant.meter() : MONEY_METER, grant.amount(), grant.priority(),
				grant.effectiveAt().toEpochMilli(), millis(grant.expiresAt()), millis(grant.voidedAt()),
				grant.createdAt().toEpochMilli(), grant.createdBy(), text(grant.description()), text(grant.recurrence()),
				decimal(grant.rolloverMax()), grant.carried(), text(grant.currency()),
				grant.isMoney() ? String.join(",", grant.meters()) : text(null));
	}

	List<Grant> dueRenewals(Instant endingBy) {
		return this.jdbc.query(this.sql.selectDueRenewals, GrantStore::grant, endingBy.toEpochMilli());
	}

	boolean markRenewed(String id, Instant at) {
		return this.jdbc.update(this.sql.markRenewed, at.toEpochMilli(), id) == 1;
	}

	List<Grant> dueRollovers(Instant endedBy) {
		return this.jdbc.query(this.sql.selectDueRollovers, GrantStore::grant, endedBy.toEpochMilli());
	}

	boolean markRolledOver(String id, Instant at) {
		return this.jdbc.update(this.sql.markRolledOver, at.toEpochMilli(), id) == 1;
	}

	boolean addCarried(String id, BigDecimal carried) {
		return this.jdbc.update(this.sql.addCarried, carried, carried, id) == 1;
	}

	boolean voidGrant(String id, Instant at) {
		return this.jdbc.update(this.sql.voidGrant, at.toEpochMilli(), id) == 1;
	}

	List<Grant> ofTenant(String tenant) {
		return this.jdbc.query(this.sql.selectOfTenant, GrantStore::grant, tenant);
	}

	Optional<Grant> find(String id) {
		return this.jdbc.query(this.sql.selectOne, GrantStore::grant, id).stream().findFirst();
	}

	List<String> tenantsWithLiveGrants(Instant now) {
		return this.jdbc.queryForList(this.sql.selectTenantsWithLiveGrants, String.class, now.toEpochMilli(),
				now.toEpochMilli());
	}

	void audit(Instant at, String actor, String action, String target, @Nullable String oldValue,
			@Nullable String newValue) {
		this.jdbc.update(this.sql.insertAudit, this.database.obtain().timestamp(at), actor, action, target,
				text(oldValue), text(newValue));
	}

	private static Object millis(@Nullable Instant instant) {
		return (instant != null) ? instant.toEpochMilli() : new SqlParameterValue(Types.BIGINT, null);
	}

	private static Object decimal(@Nullable BigDecimal value) {
		return (value != null) ? value : new SqlParameterValue(Types.DECIMAL, null);
	}

	private static Object text(@Nullable String text) {
		return (text != null) ? text : new SqlParameterValue(Types.VARCHAR, null);
	}

	private static Grant grant(ResultSet rs, int row) throws SQLException {
		BigDecimal amount = rs.getBigDecimal(4).stripTrailingZeros();
		String currency = rs.getString(15);
		String meters = rs.getString(16);
		return new Grant(rs.getString(1), rs.getString(2), (currency != null) ? null : rs.getString(3),
				(amount.scale() < 0) ? amount.setScale(0) : amount, rs.getInt(5),
				Instant.ofEpochMilli(rs.getLong(6)), instant(rs, 7), instant(rs, 8), Instant.ofEpochMilli(rs.getLong(9)),
				rs.getString(10), rs.getString(11), rs.getString(12), nullable(rs.getBigDecimal(13)),
				plain(rs.getBigDecimal(14)), currency,
				(meters == null || meters.isEmpty()) ? List.of() : Arrays.asList(meters.split(",")));
	}

	private static @Nullable BigDecimal nullable(@Nullable BigDecimal value) {
		return (value != null) ? plain(value) : null;
	}

	/** A decimal column without trailing zeros ({@code 500}, not {@code 500.000000000}); zero for NULL. */
	private static BigDecimal plain(@Nullable BigDecimal value) {
		if (value == null) {
			return BigDecimal.ZERO;
		}
		BigDecimal stripped = value.stripTrailingZeros();
		return (stripped.scale() < 0) ? stripped.setScale(0) : stripped;
	}

	private static @Nullable Instant instant(ResultSet rs, int column) throws SQLException {
		long millis = rs.getLong(column);
		return rs.wasNull() ? null : Instant.ofEpochMilli(millis);
	}

}
