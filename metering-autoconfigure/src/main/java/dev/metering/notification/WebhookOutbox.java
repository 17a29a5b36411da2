package dev.metering.notification;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Supplier;

import javax.sql.DataSource;

import org.jspecify.annotations.Nullable;

import dev.metering.internal.sql.LedgerDatabase;
import dev.metering.internal.sql.WebhookSql;
import dev.metering.ledger.MeteringTables;

import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;
import org.springframework.util.function.SingletonSupplier;

/**
 * The outbox table: an event's own row decides, by its unique key, that one instance emits it;
 * the same transaction writes a delivery per subscribed endpoint, which any instance's
 * {@link WebhookSender} claims, posts and settles.
 */
public class WebhookOutbox {

	/** The endpoint id of an event's own row. */
	static final String EVENT_ROW = "-";

	private static final int MAX_ERROR = 500;

	private final JdbcTemplate jdbc;

	private final TransactionTemplate transactions;

	private final Supplier<WebhookSql> sql;

	/**
	 * Creates the outbox.
	 * @param dataSource the kit's database
	 * @param tables the table names
	 */
	public WebhookOutbox(DataSource dataSource, MeteringTables tables) {
		this.jdbc = new JdbcTemplate(dataSource);
		this.transactions = new TransactionTemplate(new DataSourceTransactionManager(dataSource));
		this.sql = SingletonSupplier.of(() -> LedgerDatabase.detect(dataSource).sql(tables.prefix()).webhooks());
	}

	/**
	 * Writes an event and its deliveries in one transaction, unless its key is written already.
	 * @param event the notification
	 * @param eventKey what makes it once: type, scope, meter, window, threshold
	 * @param endpoints the endpoints that receive its type
	 * @return {@code true} when this call wrote it; {@code false} when an instance had
	 */
	boolean emit(MeteringNotificationEvent event, String eventKey, List<WebhookEndpoint> endpoints) {
		WebhookSql statements = this.sql.get();
		String body = CloudEventJson.write(event);
		long now = event.getTime().toEpochMilli();
		try {
			return Boolean.TRUE.equals(this.transactions.execute((status) -> {
				this.jdbc.update(statements.insert, event.getId(), eventKey, EVENT_ROW, "", event.getType().wireName(),
						body, WebhookSql.EVENT, now, now);
				for (WebhookEndpoint endpoint : endpoints) {
					this.jdbc.update(statements.insert, event.getId(), eventKey, endpoint.id(),
							endpoint.url().toString(), event.getType().wireName(), body, WebhookSql.PENDING, now, now);
				}
				return true;
			}));
		}
		catch (DuplicateKeyException ex) {
			return false;
		}
	}

	/**
	 * The first pending delivery of each endpoint that is due and not claimed, oldest first.
	 * @param now the time
	 * @param limit the most to return
	 * @return the deliveries
	 */
	List<Pending> due(Instant now, int limit) {
		long millis = now.toEpochMilli();
		return this.jdbc.query(this.sql.get().selectDue, (rs, row) -> new Pending(rs.getLong(1), rs.getString(2),
				rs.getString(3), rs.getString(4), rs.getString(5), rs.getString(6), rs.getLong(7), rs.getInt(8)),
				millis, millis, limit);
	}

	/**
	 * Claims a delivery for this instance until a time, unless another instance holds it.
	 * @return {@code true} when claimed
	 */
	boolean claim(Pending pending, String instance, Instant now, Instant until) {
		return this.jdbc.update(this.sql.get().claim, until.toEpochMilli(), instance, pending.seq(),
				now.toEpochMilli()) == 1;
	}

	void delivered(Pending pending, String instance, Instant now, int status) {
		this.jdbc.update(this.sql.get().delivered, now.toEpochMilli(), status, pending.seq(), instance);
	}

	void retry(Pending pending, String instance, Instant next, @Nullable Integer status, String error) {
		this.jdbc.update(this.sql.get().retry, next.toEpochMilli(), status, truncate(error), pending.seq(), instance);
	}

	void failed(Pending pending, String instance, Instant now, @Nullable Integer status, String error) {
		this.jdbc.update(this.sql.get().failed, now.toEpochMilli(), status, truncate(error), pending.seq(), instance);
	}

	/**
	 * The latest deliveries, newest first.
	 * @param limit the most to return
	 * @return the deliveries
	 */
	public List<WebhookDelivery> recent(int limit) {
		return this.jdbc.query(this.sql.get().selectRecent, WebhookOutbox::delivery, limit);
	}

	/**
	 * How many deliveries are in each state, and how many notifications were emitted
	 * ({@code event}).
	 * @return counts by state
	 */
	public Map<String, Long> counts() {
		Map<String, Long> counts = new LinkedHashMap<>();
		this.jdbc.query(this.sql.get().countByState, (ResultSet rs) -> {
			counts.put(rs.getString(1), rs.getLong(2));
		});
		return counts;
	}

	/**
	 * A new notification id.
	 * @return {@code msg_} and a random UUID
	 */
	static String newMessageId() {
		return "msg_" + UUID.randomUUID();
	}

	private static WebhookDelivery delivery(ResultSet rs, int row) throws SQLException {
		long done = rs.getLong(8);
		Instant doneAt = rs.wasNull() ? null : Instant.ofEpochMilli(done);
		int status = rs.getInt(9);
		Integer lastStatus = rs.wasNull() ? null : status;
		return new WebhookDelivery(rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5), rs.getInt(6),
				Instant.ofEpochMilli(rs.getLong(7)), doneAt, lastStatus, rs.getString(10));
	}

	private static String truncate(String error) {
		return (error.length() <= MAX_ERROR) ? error : error.substring(0, MAX_ERROR);
	}

	/** A delivery to make. */
	record Pending(long seq, String messageId, String endpointId, String url, String type, String body,
			long createdAt, int attempts) {
	}

}
