package dev.metering.billing;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

import javax.sql.DataSource;

import dev.metering.internal.sql.InvoiceSql;
import dev.metering.internal.sql.LedgerDatabase;
import dev.metering.internal.sql.TableNames;
import dev.metering.ledger.MeteringTables;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.util.function.SingletonSupplier;

/**
 * Reads finalized invoices: a billing scope's list, and one invoice's stored JSON or CSV, the
 * text written when its period closed. Nothing here writes: {@link InvoiceCloser} inserts each
 * invoice once, and no statement of the kit updates one.
 */
public class InvoiceStore {

	private final JdbcTemplate jdbc;

	private final Supplier<LedgerDatabase> database;

	private final InvoiceSql sql;

	/**
	 * A store over the kit's tables.
	 * @param dataSource the kit's DataSource
	 * @param database supplies the database (called once, on first use)
	 * @param tables the table names
	 */
	public InvoiceStore(DataSource dataSource, Supplier<LedgerDatabase> database, MeteringTables tables) {
		this.jdbc = new JdbcTemplate(dataSource);
		this.database = SingletonSupplier.of(database);
		this.sql = new InvoiceSql(new TableNames(tables.prefix()));
	}

	/**
	 * A billing scope's invoices, oldest period first.
	 * @param billingScope the paying tenant
	 * @return its invoices
	 */
	public List<Invoice> invoicesOf(String billingScope) {
		return this.jdbc.query(this.sql.invoicesOf, this::invoice, billingScope);
	}

	/**
	 * One invoice of a billing scope.
	 * @param billingScope the paying tenant
	 * @param number the invoice number
	 * @return the invoice, empty when the scope has none of that number
	 */
	public Optional<Invoice> find(String billingScope, String number) {
		return this.jdbc.query(this.sql.invoice, this::invoice, billingScope, number).stream().findFirst();
	}

	/**
	 * The stored text of one invoice of a billing scope.
	 * @param billingScope the paying tenant
	 * @param number the invoice number
	 * @param format JSON or CSV
	 * @return the text as stored when the period closed, empty when the scope has no such invoice
	 */
	public Optional<String> document(String billingScope, String number, Invoice.Format format) {
		String query = (format == Invoice.Format.CSV) ? this.sql.invoiceCsv : this.sql.invoiceJson;
		return this.jdbc.queryForList(query, String.class, billingScope, number).stream().findFirst();
	}

	private Invoice invoice(ResultSet rs, int row) throws SQLException {
		LedgerDatabase database = this.database.get();
		return new Invoice(rs.getString(1), rs.getString(2),
				new BillingPeriod(database.readTimestamp(rs, 3), database.readTimestamp(rs, 4)), rs.getString(5),
				rs.getString(6), InvoiceCloser.money(rs.getBigDecimal(7), rs.getString(6)), database.readTimestamp(rs, 8));
	}

}
