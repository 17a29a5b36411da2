package dev.metering.correction;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.function.Function;
import java.util.function.Supplier;

import javax.sql.DataSource;

import dev.metering.billing.BillingPeriod;
import dev.metering.event.Correction;
import dev.metering.event.CorrectionException;
import dev.metering.event.CorrectionException.Reason;
import dev.metering.event.EventCorrections;
import dev.metering.internal.sql.CorrectionSql;
import dev.metering.internal.sql.DefinitionSql;
import dev.metering.internal.sql.LedgerDatabase;
import dev.metering.ledger.MeteringTables;
import dev.metering.meter.Aggregation;
import dev.metering.meter.MeterDefinition;
import dev.metering.meter.MeterDefinitions;
import dev.metering.quota.QuotaWindow;
import dev.metering.tenant.TenantCalendars;
import org.jspecify.annotations.Nullable;

import org.springframework.dao.DataAccessException;
import org.springframework.dao.PessimisticLockingFailureException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;
import org.springframework.util.function.SingletonSupplier;

/**
 * Voids and corrections in the kit's ledger. One transaction locks the event's row (so the
 * corrections of one event are made one after the other, on any instance), reads what its
 * corrections add up to, appends the compensating row (quantity = the right quantity minus the
 * current one), moves the hard quotas' allocations of the row's windows by the same amount (so a
 * voided event's budget can be leased again by every instance) and writes the audit row.
 * <p>
 * The compensating row keeps the event's {@code occurred_at}, so it lands in the event's hourly
 * cell, unless the event's billing period (in its billing scope's calendar) has closed: then it counts at the time
 * of the correction, and the report of that later period bills it as an adjustment line naming
 * the event's period; the closed period's figures never change.
 * <p>
 * An event still in a writer's buffer (this instance's or another's) is waited for, up to
 * {@code wait}; then it is unknown. The compensating row's id is derived from the event's and
 * the number of its corrections, so a repeated call never appends twice.
 */
public class LedgerCorrections implements EventCorrections {

	private static final int MAX_ACTOR = 256;

	private static final int MAX_REASON = 200;

	/** Runs of a change that a deadlock or lock timeout rolled back, before the failure is the caller's. */
	private static final int ATTEMPTS = 5;

	private final JdbcTemplate jdbc;

	private final TransactionTemplate transactions;

	private final Supplier<LedgerDatabase> database;

	private final MeteringTables tables;

	private final Clock clock;

	private final Duration closeAfter;

	private final TenantCalendars calendars;

	private final Duration wait;

	private final Function<String, List<String>> quotaScopes;

	private final Supplier<MeterDefinitions> meters;

	/**
	 * Corrections in a ledger.
	 * @param dataSource the kit's DataSource
	 * @param database the ledger's database (asked once, on first use)
	 * @param tables the table names
	 * @param clock the clock
	 * @param closeAfter how long after its end a billing period closes
	 * @param wait how long to wait for an event not in the ledger yet
	 * @param quotaScopes the scopes whose hard quotas count a tenant's usage (its lineage)
	 * @param meters the meter definitions in force
	 */
	public LedgerCorrections(DataSource dataSource, Supplier<LedgerDatabase> database, MeteringTables tables,
			Clock clock, Duration closeAfter, Duration wait, Function<String, List<String>> quotaScopes,
			Supplier<MeterDefinitions> meters) {
		this(dataSource, database, tables, clock, closeAfter, wait, quotaScopes, meters, TenantCalendars.UTC);
	}

	/**
	 * Corrections whose closed periods follow each billing scope's calendar.
	 * @param dataSource the kit's DataSource
	 * @param database supplies the database (called once, on first use)
	 * @param tables the table names
	 * @param clock the clock
	 * @param closeAfter how long after its end a billing period closes
	 * @param wait how long to wait for an event not in the ledger yet
	 * @param quotaScopes the scopes whose hard quotas count a tenant's usage (its lineage)
	 * @param meters the meter definitions in force
	 * @param calendars each billing scope's calendar (its periods)
	 */
	public LedgerCorrections(DataSource dataSource, Supplier<LedgerDatabase> database, MeteringTables tables,
			Clock clock, Duration closeAfter, Duration wait, Function<String, List<String>> quotaScopes,
			Supplier<MeterDefinitions> meters, TenantCalendars calendars) {
		this.calendars = calendars;
		this.jdbc = new JdbcTemplate(dataSource);
		this.transactions = new TransactionTemplate(new DataSourceTransactionManager(dataSource));
		this.database = SingletonSupplier.of(database);
		this.tables = tables;
		this.clock = clock;
		this.closeAfter = closeAfter;
		this.wait = wait;
		this.quotaScopes = quotaScopes;
		this.meters = meters;
	}

	@Override
	public Correction voidEvent(String tenantId, UUID eventId, String actor, String reason) {
		return apply(tenantId, eventId, null, actor, reason);
	}

	@Override
	public Correction correct(String tenantId, UUID eventId, BigDecimal quantity, String actor, String reason) {
		if (quantity.signum() < 0) {
			throw new CorrectionException(Reason.INVALID, "quantity", "must not be negative (void the event instead)");
		}
		if (quantity.stripTrailingZeros().scale() > 9 || quantity.precision() - quantity.scale() > 29) {
			throw new CorrectionException(Reason.INVALID, "quantity", "must have at most 29 digits and 9 decimal places");
		}
		return apply(tenantId, eventId, quantity, actor, reason);
	}

	/** A void when {@code target} is {@code null}, else a correction to it. */
	private Correction apply(String tenantId, UUID eventId, @Nullable BigDecimal target, String actor,
			String reason) {
		check("actor", actor, MAX_ACTOR, true);
		check("reason", reason, MAX_REASON, false);
		LedgerDatabase database = this.database.get();
		CorrectionSql sql = database.sql(this.tables.prefix()).corrections();
		Row found = awaitEvent(sql, database, eventId);
		if (!found.tenantId().equals(tenantId)) {
			throw new CorrectionException(Reason.OTHER_TENANT, "id",
					"event " + eventId + " is not an event of tenant '" + tenantId + "'");
		}
		if (found.correctsEventId() != null) {
			throw new CorrectionException(Reason.CONFLICT, "id", "event " + eventId + " is itself a correction of "
					+ found.correctsEventId() + ": correct that event");
		}
		MeterDefinition definition = this.meters.get().find(found.meter());
		if (target != null && definition != null && (definition.aggregation() == Aggregation.COUNT
				|| definition.aggregation() == Aggregation.UNIQUE_COUNT)) {
			throw new CorrectionException(Reason.CONFLICT, "id", "meter '" + found.meter() + "' counts events ("
					+ definition.aggregation().name().toLowerCase(Locale.ROOT).replace('_', '-')
					+ "), not their quantities: an event of it can be voided, not corrected");
		}
		for (int attempt = 1;; attempt++) {
			try {
				Correction done = this.transactions.execute((status) -> inTransaction(sql, database, found, target,
						actor, reason, definition));
				if (done == null) {
					throw new IllegalStateException("the correction's transaction returned nothing");
				}
				return done;
			}
			catch (DataAccessException ex) {
				// A deadlock or lock timeout rolled the whole change back, so running it again appends
				// once: its row's id follows from the corrections already made.
				if (attempt == ATTEMPTS || !rolledBackByLocks(ex)) {
					throw ex;
				}
			}
		}
	}

	/**
	 * A deadlock or lock timeout. InnoDB reports one met while taking the table's auto-increment
	 * lock (the compensating row's {@code INSERT ... SELECT} takes it) as error 1467, "failed to
	 * read auto-increment value", which Spring does not translate.
	 */
	private static boolean rolledBackByLocks(DataAccessException ex) {
		return ex instanceof PessimisticLockingFailureException
				|| (ex.getMostSpecificCause() instanceof SQLException sql && sql.getErrorCode() == 1467);
	}

	private Correction inTransaction(CorrectionSql sql, LedgerDatabase database, Row found,
			@Nullable BigDecimal target, String actor, String reason, @Nullable MeterDefinition definition) {
		Object id = bind(database, found.eventId());
		Row event = this.jdbc.queryForObject(sql.lockEvent, (rs, n) -> row(rs, database), id);
		State state = this.jdbc.queryForObject(sql.correctionsOf,
				(rs, n) -> new State(rs.getBigDecimal(1), rs.getLong(2), rs.getLong(3)), id);
		BigDecimal current = event.quantity().add(state.sum());
		boolean voided = state.voids() > 0;
		Instant now = this.clock.instant();
		if (voided || (target != null && current.compareTo(target) == 0)) {
			if (voided && target != null) {
				throw new CorrectionException(Reason.CONFLICT, "id",
						"event " + event.eventId() + " is voided: it cannot be corrected");
			}
			return new Correction(event.eventId(), null, event.tenantId(), event.meter(), current, current, voided,
					false, event.occurredAt(), false);
		}
		BigDecimal quantity = (target != null) ? target : BigDecimal.ZERO;
		BigDecimal change = quantity.subtract(current);
		Instant closesAt = this.calendars.calendarOf(event.billingScopeId()).period(event.occurredAt()).end()
			.plus(this.closeAfter);
		boolean adjustment = !now.isBefore(closesAt);
		if (adjustment && definition != null) {
			// A defined meter's closed period is billed from cells a later row cannot amend (a maximum,
			// a distinct count) or by dimension filters an adjustment line does not carry.
			throw new CorrectionException(Reason.CONFLICT, "id", "the billing period of event " + event.eventId()
					+ " has closed and meter '" + event.meter() + "' is a defined meter ("
					+ definition.aggregation().name().toLowerCase(Locale.ROOT).replace('_', '-')
					+ "): its closed periods take no adjustment lines; correct events before the period closes");
		}
		// A closed period's figures never change: the row counts now, in an open period.
		Instant occurredAt = adjustment ? now : event.occurredAt();
		UUID correctionId = UUID.nameUUIDFromBytes(("metering-correction:" + event.eventId() + ":" + (state.count() + 1))
			.getBytes(StandardCharsets.UTF_8));
		String source = (target == null) ? CorrectionSql.VOID : CorrectionSql.CORRECTION;
		this.jdbc.update(sql.insertCorrection, bind(database, correctionId), change, database.timestamp(occurredAt),
				database.timestamp(now), source, id);
		for (String scope : this.quotaScopes.apply(event.tenantId())) {
			for (QuotaWindow window : QuotaWindow.values()) {
				this.jdbc.update(sql.moveAllocation, change, scope, event.meter(), window.id(),
						window.start(occurredAt).getEpochSecond());
			}
		}
		DefinitionSql definitions = database.sql(this.tables.prefix()).definitions();
		String what = "event " + event.eventId() + " of " + event.tenantId() + " (" + event.meter() + ")"
				+ (reason.isBlank() ? "" : ": " + reason);
		this.jdbc.update(definitions.insertAudit, database.timestamp(now), actor,
				(source.equals(CorrectionSql.VOID)) ? "event.void" : "event.correct", what, current.toPlainString(),
				quantity.toPlainString());
		return new Correction(event.eventId(), correctionId, event.tenantId(), event.meter(), current, quantity,
				target == null, true, occurredAt, adjustment);
	}

	private Row awaitEvent(CorrectionSql sql, LedgerDatabase database, UUID eventId) {
		long deadline = System.nanoTime() + this.wait.toNanos();
		long pause = 20;
		while (true) {
			List<Row> rows = this.jdbc.query(sql.selectEvent, (rs, n) -> row(rs, database), bind(database, eventId));
			if (!rows.isEmpty()) {
				return rows.get(0);
			}
			long left = deadline - System.nanoTime();
			if (left <= 0) {
				throw new CorrectionException(Reason.NOT_FOUND, "id", "no event " + eventId + " in the ledger after "
						+ this.wait.toMillis() + " ms: one recorded moments ago may still be in a writer's buffer, "
						+ "so retry");
			}
			try {
				Thread.sleep(Math.min(pause, Duration.ofNanos(left).toMillis() + 1));
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				throw new CorrectionException(Reason.NOT_FOUND, "id", "interrupted while waiting for event " + eventId);
			}
			pause = Math.min(pause * 2, 200);
		}
	}

	private static void check(String field, String value, int max, boolean required) {
		if (required && value.isBlank()) {
			throw new CorrectionException(Reason.INVALID, field, "is required");
		}
		if (value.length() > max) {
			throw new CorrectionException(Reason.INVALID, field, "must be at most " + max + " characters");
		}
	}

	private static Object bind(LedgerDatabase database, UUID id) {
		return (database == LedgerDatabase.MYSQL) ? id.toString() : id;
	}

	private static Row row(java.sql.ResultSet rs, LedgerDatabase database) throws java.sql.SQLException {
		String corrects = rs.getString(7);
		return new Row(UUID.fromString(rs.getString(1)), rs.getString(2), rs.getString(3), rs.getString(4),
				rs.getBigDecimal(5), database.readTimestamp(rs, 6), (corrects != null) ? UUID.fromString(corrects) : null);
	}

	private record Row(UUID eventId, String tenantId, String billingScopeId, String meter, BigDecimal quantity,
			Instant occurredAt, @Nullable UUID correctsEventId) {
	}

	private record State(BigDecimal sum, long count, long voids) {
	}

}
