package dev.metering.benchmarks;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;

import javax.sql.DataSource;

import org.postgresql.PGConnection;

import org.springframework.jdbc.datasource.DelegatingDataSource;

/**
 * A DataSource whose connections do not unwrap to pgjdbc's: what the kit sees with another
 * PostgreSQL driver, so it writes without {@code COPY}.
 */
final class WithoutPgjdbc extends DelegatingDataSource {

	private WithoutPgjdbc(DataSource target) {
		super(target);
	}

	static DataSource of(DataSource target) {
		return new WithoutPgjdbc(target);
	}

	@Override
	public Connection getConnection() throws SQLException {
		return hide(super.getConnection());
	}

	@Override
	public Connection getConnection(String username, String password) throws SQLException {
		return hide(super.getConnection(username, password));
	}

	private static Connection hide(Connection connection) {
		return (Connection) Proxy.newProxyInstance(WithoutPgjdbc.class.getClassLoader(),
				new Class<?>[] { Connection.class }, (proxy, method, args) -> {
					if (method.getName().equals("isWrapperFor") && args[0] == PGConnection.class) {
						return false;
					}
					if (method.getName().equals("unwrap") && args[0] == PGConnection.class) {
						throw new SQLException("pgjdbc hidden");
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
