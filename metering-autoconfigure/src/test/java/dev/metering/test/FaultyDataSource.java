package dev.metering.test;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import javax.sql.DataSource;

import org.springframework.jdbc.datasource.DelegatingDataSource;

/**
 * A DataSource that a test can make fail or hang: {@link Mode#FAIL} refuses connections as a
 * database outage would, {@link Mode#BLOCK} makes every call wait until released, and
 * {@link Mode#FAIL_AFTER_COMMIT} commits and then reports a failure, as a connection lost
 * while the commit's acknowledgement was on its way.
 */
public class FaultyDataSource extends DelegatingDataSource {

	public enum Mode {

		NORMAL, FAIL, BLOCK, FAIL_AFTER_COMMIT

	}

	private volatile Mode mode = Mode.NORMAL;

	private volatile CountDownLatch release = new CountDownLatch(0);

	private final AtomicInteger refusedCalls = new AtomicInteger();

	private final AtomicInteger blockedCalls = new AtomicInteger();

	public FaultyDataSource(DataSource target) {
		super(target);
	}

	public void mode(Mode mode) {
		if (mode == Mode.BLOCK) {
			this.release = new CountDownLatch(1);
		}
		this.mode = mode;
		if (mode != Mode.BLOCK) {
			this.release.countDown();
		}
	}

	/** Calls refused or failed on purpose so far. */
	public int refusedCalls() {
		return this.refusedCalls.get();
	}

	/** Calls that waited in {@link Mode#BLOCK} so far. */
	public int blockedCalls() {
		return this.blockedCalls.get();
	}

	@Override
	public Connection getConnection() throws SQLException {
		return wrap(checkout(() -> super.getConnection()));
	}

	@Override
	public Connection getConnection(String username, String password) throws SQLException {
		return wrap(checkout(() -> super.getConnection(username, password)));
	}

	private Connection checkout(ConnectionSupplier supplier) throws SQLException {
		Mode current = this.mode;
		if (current == Mode.FAIL) {
			this.refusedCalls.incrementAndGet();
			throw new SQLTransientConnectionException("Injected outage: database unreachable");
		}
		if (current == Mode.BLOCK) {
			this.blockedCalls.incrementAndGet();
			try {
				this.release.await(5, TimeUnit.MINUTES);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				throw new SQLTransientConnectionException("Interrupted while blocked");
			}
		}
		return supplier.get();
	}

	private Connection wrap(Connection connection) {
		return (Connection) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] { Connection.class },
				(proxy, method, args) -> {
					if ("commit".equals(method.getName()) && this.mode == Mode.FAIL_AFTER_COMMIT) {
						connection.commit();
						this.refusedCalls.incrementAndGet();
						throw new SQLTransientConnectionException("Injected failure after commit");
					}
					try {
						return method.invoke(connection, args);
					}
					catch (InvocationTargetException ex) {
						throw ex.getTargetException();
					}
				});
	}

	@FunctionalInterface
	private interface ConnectionSupplier {

		Connection get() throws SQLException;

	}

}
