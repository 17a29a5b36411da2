package dev.metering.notification;

import java.net.URI;
import java.sql.Types;
import java.time.Clock;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import javax.sql.DataSource;

import dev.metering.admin.DefinitionNotFoundException;
import dev.metering.admin.InvalidDefinitionException;
import dev.metering.internal.sql.LedgerDatabase;
import dev.metering.internal.sql.TableNames;
import dev.metering.internal.sql.WebhookEndpointSql;
import dev.metering.ledger.MeteringTables;
import org.jspecify.annotations.Nullable;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.SqlParameterValue;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionOperations;
import org.springframework.transaction.support.TransactionTemplate;
import org.springframework.util.function.SingletonSupplier;

/**
 * The webhook endpoints registered through the admin API, in the kit's database so that every
 * instance sends to them ({@link WebhookRegistry} reads them again every
 * {@code endpoints-refresh}). Each change is validated (an {@link InvalidDefinitionException}
 * naming the field, nothing written) and audited in the same transaction; the audit trail never
 * holds a secret.
 */
public class StoredWebhookEndpoints {

	private final JdbcTemplate jdbc;

	private final WebhookEndpointSql sql;

	private final TransactionOperations transactions;

	private final SingletonSupplier<LedgerDatabase> database;

	private final Clock clock;

	/**
	 * Creates the store.
	 * @param dataSource the kit's database
	 * @param tables the kit's table names
	 * @param clock the audit trail's clock
	 */
	public StoredWebhookEndpoints(DataSource dataSource, MeteringTables tables, Clock clock) {
		this.jdbc = new JdbcTemplate(dataSource);
		this.sql = new WebhookEndpointSql(new TableNames(tables.prefix()));
		this.transactions = new TransactionTemplate(new DataSourceTransactionManager(dataSource));
		this.database = SingletonSupplier.of(() -> LedgerDatabase.detect(dataSource));
		this.clock = clock;
	}

	/**
	 * Registers an endpoint, or replaces the secret and events of the one of the same URL;
	 * audited as {@code put-webhook} on {@code webhook:<id>} (URL and events, never the secret).
	 * @param actor who registers it
	 * @param url where deliveries are posted: http or https, at most 2000 characters
	 * @param secret {@code whsec_} and base64 of at least 16 bytes
	 * @param events the notification types it receives, empty or {@code null} for all
	 * @return the endpoint
	 */
	public WebhookEndpoint register(String actor, @Nullable String url, @Nullable String secret,
			@Nullable List<String> events) {
		WebhookEndpoint endpoint = validated(url, secret, events);
		Instant now = this.clock.instant();
		String eventList = String.join(",", endpoint.events().stream().sorted().toList());
		this.transactions.executeWithoutResult((status) -> {
			List<String> old = this.jdbc.query(this.sql.selectOne, (rs, n) -> describe(rs.getString(1), rs.getString(2)),
					endpoint.id());
			if (old.isEmpty()) {
				this.jdbc.update(this.sql.insert, endpoint.id(), endpoint.url().toString(), endpoint.secret(), eventList,
						now.toEpochMilli());
			}
			else {
				this.jdbc.update(this.sql.update, endpoint.url().toString(), endpoint.secret(), eventList,
						now.toEpochMilli(), endpoint.id());
			}
			audit(now, actor, "put-webhook", endpoint.id(), old.isEmpty() ? null : old.get(0),
					describe(endpoint.url().toString(), eventList));
		});
		return endpoint;
	}

	/**
	 * Removes an endpoint; its pending deliveries are given up when next due. Audited as
	 * {@code delete-webhook}.
	 * @param actor who removes it
	 * @param id the endpoint's id
	 * @throws DefinitionNotFoundException when no endpoint of the admin API has the id
	 */
	public void remove(String actor, String id) {
		Instant now = this.clock.instant();
		this.transactions.executeWithoutResult((status) -> {
			List<String> old = this.jdbc.query(this.sql.selectOne, (rs, n) -> describe(rs.getString(1), rs.getString(2)),
					id);
			if (old.isEmpty() || this.jdbc.update(this.sql.delete, id) != 1) {
				throw new DefinitionNotFoundException("webhook endpoint '" + id + "'");
			}
			audit(now, actor, "delete-webhook", id, old.get(0), null);
		});
	}

	/**
	 * The stored endpoints.
	 * @return them, oldest first
	 */
	public List<WebhookEndpoint> load() {
		return this.jdbc.query(this.sql.selectAll,
				(rs, n) -> new WebhookEndpoint(URI.create(rs.getString(2)), rs.getString(3), events(rs.getString(4))));
	}

	private void audit(Instant at, String actor, String action, String id, @Nullable String oldValue,
			@Nullable String newValue) {
		this.jdbc.update(this.sql.insertAudit, this.database.obtain().timestamp(at), actor, action, "webhook:" + id,
				text(oldValue), text(newValue));
	}

	private static Object text(@Nullable String text) {
		return (text != null) ? text : new SqlParameterValue(Types.VARCHAR, null);
	}

	private static String describe(String url, String events) {
		return "url=" + url + " events=" + (events.isEmpty() ? "all" : events);
	}

	private static Set<String> events(String list) {
		return list.isEmpty() ? Set.of() : new LinkedHashSet<>(Arrays.asList(list.split(",")));
	}

	private static WebhookEndpoint validated(@Nullable String url, @Nullable String secret,
			@Nullable List<String> events) {
		URI uri;
		try {
			uri = (url != null && url.length() <= 2000) ? URI.create(url) : null;
		}
		catch (IllegalArgumentException ex) {
			uri = null;
		}
		if (uri == null || uri.getHost() == null
				|| !("http".equalsIgnoreCase(uri.getScheme()) || "https".equalsIgnoreCase(uri.getScheme()))) {
			throw new InvalidDefinitionException("url", url, "an http or https URL of at most 2000 characters");
		}
		try {
			WebhookEndpoint.key(secret);
		}
		catch (IllegalArgumentException ex) {
			// The value is never echoed: a secret.
			throw new InvalidDefinitionException("secret", null, "'whsec_' followed by base64 of at least 16 bytes");
		}
		Set<String> names = new LinkedHashSet<>();
		for (String event : (events != null) ? events : List.<String>of()) {
			try {
				names.add(NotificationType.ofWireName(event).wireName());
			}
			catch (IllegalArgumentException | NullPointerException ex) {
				throw new InvalidDefinitionException("events", event,
						"notification types such as quota.threshold_reached, quota.exceeded, grant.depleted");
			}
		}
		return new WebhookEndpoint(uri, secret, names);
	}

}
