package dev.metering.test;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

import javax.sql.DataSource;

import org.springframework.jdbc.datasource.DelegatingDataSource;

/**
 * A DataSource that fails on purpose: once armed, preparing a statement whose SQL matches a
 * predicate throws, as a crash or lost connection at that point of a transaction would.
 */
public final class FailingDataSource extends DelegatingDataSource {

	private final Predicate<String> failOn;

	private final AtomicInteger passesLeft = new AtomicInteger();

	private final AtomicInteger failuresLeft = new AtomicInteger();

	public FailingDataSource(DataSource target, Predicate<String> failOn) {
		super(target);
		this.failOn = failOn;
	}

	/**
	 * Makes the next {@code times} matching statements fail.
	 * @param times how many
	 */
	public void failNext(int times) {
		failAfter(0, times);
	}

	/**
	 * Lets {@code passes} matching statements through, then makes the next {@code times} fail.
	 * @param passes how many succeed first
	 * @param times how many fail then
	 */
	public void failAfter(int passes, int times) {
		this.passesLeft.set(passes);
		this.failuresLeft.set(times);
	}

	private boolean shouldFail(String sql) {
		if (!this.failOn.test(sql) || this.failuresLeft.get() == 0) {
			return false;
		}
		if (this.passesLeft.getAndUpdate((n) -> Math.max(0, n - 1)) > 0) {
			return false;
		}
		return this.failuresLeft.getAndUpdate((n) -> Math.max(0, n - 1)) > 0;
	}

	@Override
	public Connection getConnection() throws SQLException {
		return wrap(super.getConnection());
	}

	@Override
	public Connection getConnection(String username, String password) throws SQLException {
		return wrap(super.getConnection(username, password));
	}

	private Connection wrap(Connection connection) {
		return (Connection) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] { Connection.class },
				(proxy, method, args) -> {
					if (method.getName().startsWith("prepare") && args != null && args.length > 0
							&& args[0] instanceof String sql && shouldFail(sql)) {
						throw new SQLException("Injected failure before: " + sql, "08006");
					}
					try {
						return method.invoke(connection, args);
					}
					catch (InvocationTargetException ex) {
						throw ex.getCause();
					}
				});
	}

}
