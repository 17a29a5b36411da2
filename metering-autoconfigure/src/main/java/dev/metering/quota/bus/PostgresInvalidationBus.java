package dev.metering.quota.bus;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.UUID;
import java.util.function.Consumer;

import javax.sql.DataSource;

import dev.metering.internal.sql.PostgresSql;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

import org.springframework.context.SmartLifecycle;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * PostgreSQL {@code LISTEN/NOTIFY}: one dedicated connection per instance listens on the channel,
 * publications go out with {@code pg_notify} on any pooled connection. A lost connection is
 * re-opened with backoff; after a reconnection every definition held is read again in the
 * background (serving until then), since notifications sent meanwhile are lost.
 */
public class PostgresInvalidationBus implements QuotaInvalidationBus, SmartLifecycle {

	private static final Log logger = LogFactory.getLog(PostgresInvalidationBus.class);

	/** How long one wait for notifications blocks: bounds how long {@link #stop()} takes. */
	private static final int POLL_MILLIS = 250;

	private final DataSource dataSource;

	private final JdbcTemplate jdbc;

	private final String channel;

	private final Consumer<QuotaInvalidation> receiver;

	private final Duration initialBackoff;

	private final Duration maximumBackoff;

	private final String origin = UUID.randomUUID().toString();

	private final ConnectionStatus status = new ConnectionStatus("postgres");

	private volatile @Nullable Thread listener;

	private volatile int backendPid;

	/**
	 * Creates the bus.
	 * @param dataSource the PostgreSQL database
	 * @param channel the channel: letters, digits and {@code _} only
	 * @param receiver applies invalidations to the caches
	 * @param initialBackoff the first delay before a reconnection
	 * @param maximumBackoff the longest delay between reconnections
	 */
	public PostgresInvalidationBus(DataSource dataSource, String channel, Consumer<QuotaInvalidation> receiver,
			Duration initialBackoff, Duration maximumBackoff) {
		PostgresSql.listenSql(channel);
		this.dataSource = dataSource;
		this.jdbc = new JdbcTemplate(dataSource);
		this.channel = channel;
		this.receiver = receiver;
		this.initialBackoff = initialBackoff;
		this.maximumBackoff = maximumBackoff;
	}

	@Override
	public void publish(QuotaInvalidation invalidation) {
		this.receiver.accept(invalidation);
		try {
			this.jdbc.query(PostgresSql.notifySql(), (rs) -> null, this.channel, invalidation.encode(this.origin));
		}
		catch (RuntimeException ex) {
			// The change is committed; other instances see it when their caches expire.
			logger.warn("Could not notify other instances of " + invalidation + "; they see it within the cache TTL",
					ex);
		}
	}

	@Override
	public BusState state() {
		return this.status.state();
	}

	/**
	 * The server process of the listening connection, for operators (and tests) that need it.
	 * @return the backend pid, 0 before the first connection
	 */
	public int listenerBackendPid() {
		return this.backendPid;
	}

	@Override
	public synchronized void start() {
		if (this.listener == null) {
			Thread thread = new Thread(this::listen, "metering-bus-postgres");
			thread.setDaemon(true);
			this.listener = thread;
			thread.start();
		}
	}

	@Override
	public void stop() {
		Thread thread;
		synchronized (this) {
			thread = this.listener;
			this.listener = null;
		}
		if (thread != null) {
			thread.interrupt();
			try {
				thread.join(Duration.ofSeconds(5).toMillis());
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		}
	}

	@Override
	public boolean isRunning() {
		return this.listener != null;
	}

	private void listen() {
		Backoff backoff = new Backoff(this.initialBackoff, this.maximumBackoff);
		Thread self = Thread.currentThread();
		while (this.listener == self) {
			try (Connection connection = this.dataSource.getConnection()) {
				connection.setAutoCommit(true);
				PGConnection pg = connection.unwrap(PGConnection.class);
				try (Statement statement = connection.createStatement()) {
					statement.execute(PostgresSql.listenSql(this.channel));
				}
				this.backendPid = pg.getBackendPID();
				if (this.status.connected()) {
					logger.info("Quota invalidation bus reconnected to PostgreSQL; reading every definition again");
					this.receiver.accept(QuotaInvalidation.all());
				}
				backoff.reset();
				while (this.listener == self) {
					PGNotification[] notifications = pg.getNotifications(POLL_MILLIS);
					if (notifications != null) {
						for (PGNotification notification : notifications) {
							deliver(notification.getParameter());
						}
					}
				}
			}
			catch (SQLException | RuntimeException ex) {
				if (this.listener != self) {
					return;
				}
				this.status.disconnected(ex);
				logger.warn("Quota invalidation bus lost its PostgreSQL connection; reconnecting: " + ex.getMessage());
				if (!backoff.pause()) {
					return;
				}
			}
		}
	}

	private void deliver(String message) {
		QuotaInvalidation.Message decoded = QuotaInvalidation.decode(message);
		if (decoded == null || decoded.origin().equals(this.origin)) {
			return;
		}
		this.status.received();
		try {
			this.receiver.accept(decoded.invalidation());
		}
		catch (RuntimeException ex) {
			logger.warn("Could not apply " + decoded.invalidation(), ex);
		}
	}

}
