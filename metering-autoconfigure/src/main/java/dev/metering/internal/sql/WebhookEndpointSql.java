package dev.metering.internal.sql;

/**
 * Every statement of the webhook endpoints registered through the admin API, the same on every
 * database.
 */
public final class WebhookEndpointSql {

	/** Rows: endpoint_id, url, secret, events, in registration order. */
	public final String selectAll;

	/** Binds endpoint_id. Rows: url, events. */
	public final String selectOne;

	/** Binds endpoint_id, url, secret, events, updated_at. */
	public final String insert;

	/** Binds url, secret, events, updated_at, endpoint_id. */
	public final String update;

	/** Binds endpoint_id. */
	public final String delete;

	/** Binds changed_at, actor, action, target, old_value, new_value: the admin audit trail. */
	public final String insertAudit;

	/**
	 * The statements for a set of table names.
	 * @param tables the table names
	 */
	public WebhookEndpointSql(TableNames tables) {
		String table = tables.webhookEndpoint();
		this.selectAll = "SELECT endpoint_id, url, secret, events FROM " + table + " ORDER BY updated_at, endpoint_id";
		this.selectOne = "SELECT url, events FROM " + table + " WHERE endpoint_id = ?";
		this.insert = "INSERT INTO " + table + " (endpoint_id, url, secret, events, updated_at) VALUES (?, ?, ?, ?, ?)";
		this.update = "UPDATE " + table + " SET url = ?, secret = ?, events = ?, updated_at = ? WHERE endpoint_id = ?";
		this.delete = "DELETE FROM " + table + " WHERE endpoint_id = ?";
		this.insertAudit = "INSERT INTO " + tables.quotaAudit()
				+ " (changed_at, actor, action, target, old_value, new_value) VALUES (?, ?, ?, ?, ?, ?)";
	}

}
