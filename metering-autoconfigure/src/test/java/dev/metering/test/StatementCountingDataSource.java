package dev.metering.test;

import java.io.PrintWriter;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

import javax.sql.DataSource;

import org.springframework.jdbc.datasource.DelegatingDataSource;

/**
 * A DataSource that counts the statements prepared or created on its connections (each is one
 * round trip or more: JdbcTemplate runs every statement it prepares), keeps their SQL, and
 * tracks how many connections are open at once.
 */
public class StatementCountingDataSource extends DelegatingDataSource {

	private final ConcurrentLinkedQueue<String> statements = new ConcurrentLinkedQueue<>();

	private final AtomicInteger open = new AtomicInteger();

	private final AtomicInteger mostOpen = new AtomicInteger();

	public StatementCountingDataSource(DataSource target) {
		super(target);
	}

	@Override
	public Connection getConnection() throws SQLException {
		Connection connection = super.getConnection();
		this.mostOpen.accumulateAndGet(this.open.incrementAndGet(), Math::max);
		return (Connection) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] { Connection.class },
				(proxy, method, args) -> {
					String name = method.getName();
					if (name.equals("close") && !connection.isClosed()) {
						this.open.decrementAndGet();
					}
					if (name.startsWith("prepare") || name.equals("createStatement")) {
						this.statements.add((args != null && args.length > 0 && args[0] instanceof String sql) ? sql
								: name);
					}
					try {
						return method.invoke(connection, args);
					}
					catch (InvocationTargetException ex) {
						throw ex.getCause();
					}
				});
	}

	/** Statements since the last reset. */
	public List<String> statements() {
		return List.copyOf(this.statements);
	}

	/**
	 * Statements since the last reset that are not the ledger writer's: its inserts of events
	 * and, on PostgreSQL, what its batch sums take (the sum table's look-up once, an id before a
	 * COPY, the sums' insert).
	 */
	public List<String> statementsBesidesLedgerWrites() {
		return this.statements.stream()
			.filter((sql) -> !isLedgerWrite(sql.toUpperCase(Locale.ROOT)))
			.toList();
	}

	private static boolean isLedgerWrite(String sql) {
		return sql.startsWith("COPY") || ((sql.startsWith("INSERT") || sql.startsWith("MERGE"))
				&& sql.substring(0, Math.min(sql.length(), 80)).contains("USAGE_EVENT"))
				|| sql.startsWith("SELECT NEXTVAL(") || sql.contains("PG_GET_SERIAL_SEQUENCE(")
				|| (sql.startsWith("WITH RUN AS") && sql.contains("USAGE_EVENT_SUM"));
	}

	/** The statements, each cut to its first 110 characters, one a line, for a readable assertion message. */
	public static String shortened(List<String> statements) {
		return String.join("\n", statements.stream().map((sql) -> sql.substring(0, Math.min(110, sql.length()))).toList());
	}

	/**
	 * The statements tallied by kind: the verb and the table it names (prefix and parameters
	 * left out), most frequent first, for a report of where a path's statements go.
	 */
	public static java.util.Map<String, Long> tally(List<String> statements) {
		java.util.Map<String, Long> counts = new java.util.HashMap<>();
		for (String sql : statements) {
			counts.merge(kind(sql), 1L, Long::sum);
		}
		java.util.Map<String, Long> sorted = new java.util.LinkedHashMap<>();
		counts.entrySet()
			.stream()
			.sorted(java.util.Map.Entry.<String, Long>comparingByValue().reversed())
			.forEach((e) -> sorted.put(e.getKey(), e.getValue()));
		return sorted;
	}

	private static final java.util.regex.Pattern TABLE = java.util.regex.Pattern
		.compile("(?:FROM|INTO|UPDATE|JOIN) [A-Z0-9_.\"]*?((?:QUOTA|USAGE|ROLLUP)_[A-Z0-9_]*)");

	private static String kind(String sql) {
		String upper = sql.toUpperCase(Locale.ROOT).replaceAll("\\s+", " ").trim();
		// A multi-row statement joins a VALUES list to its table: the table is the one it names.
		java.util.regex.Matcher table = TABLE.matcher(upper);
		String verb = upper.split(" ", 2)[0];
		String name = table.find() ? table.group(1) : "?";
		String shape = upper.contains("GRANTED + V.AMOUNT <=") || upper.contains("GRANTED + ? <=") ? " (grant)"
				: upper.contains("ON CONFLICT") || upper.contains("ON DUPLICATE") ? " (upsert)"
						: upper.contains("A.VERSION = ?") ? " (what the grant took)" : "";
		return verb + " " + name + shape;
	}

	/** The most connections that were open at once since the last reset. */
	public int mostOpen() {
		return this.mostOpen.get();
	}

	public void reset() {
		this.statements.clear();
		this.mostOpen.set(this.open.get());
	}

	@Override
	public PrintWriter getLogWriter() {
		return null;
	}

}
