package dev.metering.billing;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Currency;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Supplier;

import javax.sql.DataSource;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import dev.metering.internal.sql.BillingSql;
import dev.metering.internal.sql.InvoiceSql;
import dev.metering.internal.sql.LedgerDatabase;
import dev.metering.internal.sql.TableNames;
import dev.metering.ledger.MeteringTables;
import dev.metering.rollup.AfterRollup;
import dev.metering.rollup.RollupJob;

import org.springframework.context.ApplicationEventPublisher;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.dao.PessimisticLockingFailureException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;
import org.springframework.util.function.SingletonSupplier;

/**
 * Closes billing periods into invoices: every period of a billing scope with usage that ended
 * {@code close-after} ago (and within the look-back) and has no invoice yet gets one, holding the
 * report as it is then, rendered (JSON and CSV) and stored, never recomputed.
 * <p>
 * Periods are closed in batches, each one transaction that first locks the issuer's sequence
 * row: closing batches of all instances take turns, a batch skips the periods an earlier one
 * (of any instance) invoiced, and the numbers it hands out are the next ones of the sequence,
 * committed with the invoices or not at all, so numbers have no gaps. The unique key on (scope,
 * period) is the last guard: a batch that would add a second invoice fails and is tried again.
 */
public class InvoiceCloser implements AfterRollup {

	/** Attempts of a batch that lost to another instance's (a duplicate key). */
	private static final int ATTEMPTS = 5;

	private static final Log logger = LogFactory.getLog(InvoiceCloser.class);

	private final JdbcTemplate jdbc;

	private final TransactionTemplate transaction;

	private final Supplier<LedgerDatabase> database;

	private final InvoiceSql sql;

	private final BillingSql billingSql;

	private final BillingReportService reports;

	private final BillingPeriods periods;

	private final InvoiceSettings settings;

	private final Clock clock;

	private final @Nullable ApplicationEventPublisher events;

	private volatile boolean sequenceCreated;

	/** When the scheduler's last look for due periods began; null before the first. */
	private volatile @Nullable Instant lastLook;

	/**
	 * A closer.
	 * @param dataSource the kit's DataSource
	 * @param database supplies the database (called once, on first use)
	 * @param tables the table names
	 * @param reports computes the reports to store
	 * @param periods the billing calendar
	 * @param settings issuer, close delay, look-back and batch size
	 * @param clock the clock
	 * @param events publishes {@link InvoiceFinalizedEvent}s, or {@code null}
	 */
	public InvoiceCloser(DataSource dataSource, Supplier<LedgerDatabase> database, MeteringTables tables,
			BillingReportService reports, BillingPeriods periods, InvoiceSettings settings, Clock clock,
			@Nullable ApplicationEventPublisher events) {
		this.jdbc = new JdbcTemplate(dataSource);
		this.transaction = new TransactionTemplate(new DataSourceTransactionManager(dataSource));
		this.database = SingletonSupplier.of(database);
		TableNames names = new TableNames(tables.prefix());
		this.sql = new InvoiceSql(names);
		this.billingSql = new BillingSql(names);
		this.reports = reports;
		this.periods = periods;
		this.settings = settings;
		this.clock = clock;
		this.events = events;
	}

	/**
	 * Finalizes every due period without an invoice. Safe to call from several threads and
	 * instances at once: each period gets one invoice and one number.
	 * @return the invoices this call finalized, in number order
	 */
	public List<Invoice> closeDue() {
		// The precision every database's timestamp column keeps: the list shows what the JSON says.
		Instant now = this.clock.instant().truncatedTo(ChronoUnit.MICROS);
		Instant limit = now.minus(this.settings.closeAfter());
		Instant windowStart = limit.minus(this.settings.lookBack());
		List<Due> due = due(windowStart, limit);
		List<Invoice> finalized = new ArrayList<>();
		for (int from = 0; from < due.size(); from += this.settings.batchSize()) {
			List<Due> batch = due.subList(from, Math.min(due.size(), from + this.settings.batchSize()));
			List<Invoice> written = finalizeWithRetry(batch, windowStart, limit, now);
			finalized.addAll(written);
			if (this.events != null) {
				for (Invoice invoice : written) {
					this.events.publishEvent(new InvoiceFinalizedEvent(this, invoice));
				}
			}
		}
		return finalized;
	}

	/**
	 * Called by the rollup's scheduler after each run: closes due periods at most once per
	 * {@code check-interval}. Every instance's scheduler does; the sequence lock makes them take
	 * turns and the later ones find the periods invoiced.
	 */
	@Override
	public void afterRollup() {
		Instant now = this.clock.instant();
		Instant last = this.lastLook;
		if (last != null && now.isBefore(last.plus(this.settings.checkInterval()))) {
			return;
		}
		this.lastLook = now;
		List<Invoice> finalized = closeDue();
		if (!finalized.isEmpty() && logger.isInfoEnabled()) {
			logger.info("Finalized " + finalized.size() + " invoice(s), " + finalized.get(0).number() + " to "
					+ finalized.get(finalized.size() - 1).number());
		}
	}

	/**
	 * The closed periods without an invoice of the scopes with usage in {@code [windowStart, limit)},
	 * from the period of each one's first usage there.
	 */
	private List<Due> due(Instant windowStart, Instant limit) {
		LedgerDatabase database = this.database.get();
		Object from = database.timestamp(windowStart);
		Object to = database.timestamp(limit);
		Map<String, Instant> firstUsage = new TreeMap<>();
		this.jdbc.query(this.sql.scopesWithUsage, (rs) -> {
			firstUsage.put(rs.getString(1), database.readTimestamp(rs, 2));
		}, from, to, UnfoldedRows.lowestId(this.jdbc, this.billingSql), from, to, RollupJob.NAME, RollupJob.NAME);
		Set<Due> invoiced = invoiced(windowStart, limit);
		List<Due> due = new ArrayList<>();
		for (Map.Entry<String, Instant> scope : firstUsage.entrySet()) {
			// From the period of the scope's first usage: none before it, every one after it (base fees).
			BillingPeriod period = this.periods.periodOf(scope.getKey(), scope.getValue());
			if (period.from().isBefore(windowStart)) {
				// Only periods wholly inside the window: its usage was looked at whole.
				period = this.periods.periodOf(scope.getKey(), period.to());
			}
			while (!period.to().isAfter(limit)) {
				Due candidate = new Due(scope.getKey(), period);
				if (!invoiced.contains(candidate)) {
					due.add(candidate);
				}
				period = this.periods.periodOf(scope.getKey(), period.to());
			}
		}
		// Numbers follow the periods, then the scopes: the same order on every instance.
		due.sort(Comparator.comparing((Due d) -> d.period().from()).thenComparing(Due::scope));
		return due;
	}

	private Set<Due> invoiced(Instant windowStart, Instant limit) {
		LedgerDatabase database = this.database.get();
		return new HashSet<>(this.jdbc.query(this.sql.invoicedPeriods,
				(rs, n) -> new Due(rs.getString(1),
						new BillingPeriod(database.readTimestamp(rs, 2), database.readTimestamp(rs, 3))),
				database.timestamp(windowStart), database.timestamp(limit)));
	}

	private List<Invoice> finalizeWithRetry(List<Due> batch, Instant windowStart, Instant limit, Instant now) {
		for (int attempt = 1;; attempt++) {
			try {
				createSequence();
				List<Invoice> written = this.transaction.execute((status) -> finalizeBatch(batch, windowStart, limit, now));
				return (written != null) ? written : List.of();
			}
			catch (DuplicateKeyException | PessimisticLockingFailureException ex) {
				// Another instance invoiced a period of the batch first, or held the sequence longer
				// than this database waits for a lock (H2 times lock waits out after a few seconds).
				if (attempt >= ATTEMPTS) {
					throw ex;
				}
				logger.debug("Closing batch lost to another instance's; trying again", ex);
			}
		}
	}

	/** In one transaction: the sequence locked, the batch's periods not invoiced meanwhile stored and numbered. */
	private List<Invoice> finalizeBatch(List<Due> batch, Instant windowStart, Instant limit, Instant now) {
		String issuer = this.settings.issuer();
		List<Long> locked = this.jdbc.queryForList(this.sql.lockSequence, Long.class, issuer);
		if (locked.isEmpty()) {
			// Deleted since this closer created it: created again on the next try.
			this.sequenceCreated = false;
			throw new PessimisticLockingFailureException("The invoice sequence '" + issuer + "' is missing");
		}
		long number = locked.get(0);
		// Read after the lock: what every earlier batch of any instance committed.
		Set<Due> invoiced = invoiced(windowStart, limit);
		LedgerDatabase database = this.database.get();
		List<Invoice> written = new ArrayList<>();
		for (Due due : batch) {
			if (invoiced.contains(due)) {
				continue;
			}
			BillingReport report;
			try {
				report = this.reports.report(due.scope(), due.period());
			}
			catch (BillingException ex) {
				// A scope without a priced plan is metered, not billed.
				logger.debug("No invoice for " + due.scope() + " " + due.period() + ": " + ex.getMessage());
				continue;
			}
			number++;
			String invoiceNumber = issuer + "-" + String.format(Locale.ROOT, "%06d", number);
			String json = InvoiceJson.write(report, invoiceNumber, now);
			String csv = BillingReportCsv.write(report);
			this.jdbc.update(this.sql.insertInvoice, invoiceNumber, issuer, number, due.scope(),
					database.timestamp(due.period().from()), database.timestamp(due.period().to()), report.plan(),
					report.currency().getCurrencyCode(), report.subtotal(), database.timestamp(now), json, csv);
			written.add(new Invoice(invoiceNumber, due.scope(), due.period(), report.plan(),
					report.currency().getCurrencyCode(), money(report.subtotal(), report.currency().getCurrencyCode()),
					now));
		}
		if (!written.isEmpty()) {
			this.jdbc.update(this.sql.updateSequence, number, issuer);
		}
		return written;
	}

	private void createSequence() {
		if (this.sequenceCreated) {
			return;
		}
		if (this.jdbc.queryForList(this.sql.selectSequence, Long.class, this.settings.issuer()).isEmpty()) {
			try {
				this.jdbc.update(this.sql.insertSequence, this.settings.issuer());
			}
			catch (DuplicateKeyException ex) {
				// Another instance created it first: what we wanted.
			}
		}
		this.sequenceCreated = true;
	}

	/** An amount at its currency's scale (as the report had it; the column keeps 9 decimals). */
	static BigDecimal money(BigDecimal amount, String currency) {
		int scale;
		try {
			scale = Math.max(0, Currency.getInstance(currency).getDefaultFractionDigits());
		}
		catch (IllegalArgumentException ex) {
			return amount.stripTrailingZeros();
		}
		return amount.setScale(scale, RoundingMode.HALF_UP);
	}

	/** A period of a scope to invoice. */
	private record Due(String scope, BillingPeriod period) {

	}

	/**
	 * How invoices are closed.
	 *
	 * @param issuer the prefix of invoice numbers and the name of their sequence
	 * @param closeAfter how long after its end a period closes ({@code metering.billing.close-after})
	 * @param lookBack how far before the latest closed period's end the closer looks for periods
	 * without an invoice
	 * @param batchSize periods per transaction
	 * @param checkInterval the least time between two looks of the rollup's scheduler for due periods
	 */
	public record InvoiceSettings(String issuer, Duration closeAfter, Duration lookBack, int batchSize,
			Duration checkInterval) {

		public InvoiceSettings {
			if (!issuer.matches("[A-Za-z0-9][A-Za-z0-9_.-]{0,39}")) {
				throw new IllegalArgumentException("metering.billing.invoices.issuer must be 1 to 40 letters, digits, "
						+ "'_', '.' or '-' (starting with a letter or digit), was '" + issuer + "'");
			}
			if (closeAfter.isNegative() || lookBack.isNegative() || lookBack.isZero()) {
				throw new IllegalArgumentException("metering.billing.invoices.look-back must be positive");
			}
			if (batchSize < 1) {
				throw new IllegalArgumentException("metering.billing.invoices.batch-size must be at least 1");
			}
		}

	}

}
