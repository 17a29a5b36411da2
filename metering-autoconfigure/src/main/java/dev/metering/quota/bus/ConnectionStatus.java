package dev.metering.quota.bus;

import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;

import org.jspecify.annotations.Nullable;

/**
 * The connection state of a remote transport, shared between its listening thread and readers
 * of {@link BusState}.
 */
final class ConnectionStatus {

	private final String transport;

	private final AtomicLong received = new AtomicLong();

	private final AtomicLong reconnects = new AtomicLong();

	private volatile boolean connected;

	private volatile boolean everConnected;

	private volatile @Nullable String lastError;

	private volatile Instant since = Instant.now();

	ConnectionStatus(String transport) {
		this.transport = transport;
	}

	/**
	 * Records a (re)connection.
	 * @return {@code true} when it is a reconnection: messages may have been missed meanwhile
	 */
	synchronized boolean connected() {
		boolean reconnect = this.everConnected;
		if (reconnect) {
			this.reconnects.incrementAndGet();
		}
		this.everConnected = true;
		this.connected = true;
		this.since = Instant.now();
		return reconnect;
	}

	synchronized void disconnected(Throwable error) {
		if (this.connected) {
			this.since = Instant.now();
		}
		this.connected = false;
		// Health details are shown to whoever may read them: the message (host names, user
		// names, a URL with its password) stays in the log, the state names the failure only.
		String name = error.getClass().getSimpleName();
		this.lastError = (error instanceof java.sql.SQLException sql && sql.getSQLState() != null)
				? name + " (SQL state " + sql.getSQLState() + ")" : name;
	}

	void received() {
		this.received.incrementAndGet();
	}

	BusState state() {
		return new BusState(this.transport, this.connected, this.received.get(), this.reconnects.get(), this.lastError,
				this.since);
	}

}
