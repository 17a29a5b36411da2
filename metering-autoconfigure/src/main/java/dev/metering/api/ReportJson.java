package dev.metering.api;

import dev.metering.event.UsageEventValidator;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Reads the body of {@code POST /billing-report}: {@code {"tenant_id"}} (or
 * {@code "billing_scope_id"}), and optionally {@code "period": "yyyy-MM"} or {@code "from"}
 * and {@code "to"} on whole hours.
 */
final class ReportJson {

	private static final JsonMapper MAPPER = JsonMapper.builder(BoundedJson.factory()).build();

	private ReportJson() {
	}

	static Request read(byte[] body) {
		JsonNode root = BoundedJson.readTree(MAPPER, body);
		if (root == null || !root.isObject()) {
			throw ApiException.badRequest("body", "must be an object with tenant_id");
		}
		String tenant = string(root, "tenant_id");
		String scope = string(root, "billing_scope_id");
		if (tenant != null && scope != null && !tenant.equals(scope)) {
			throw ApiException.badRequest("billing_scope_id", "give tenant_id or billing_scope_id, not two scopes");
		}
		String billed = (scope != null) ? scope : tenant;
		if (billed == null || billed.isBlank()) {
			throw ApiException.badRequest("tenant_id", "is required");
		}
		if (billed.length() > UsageEventValidator.MAX_ID_LENGTH) {
			throw ApiException.badRequest((scope != null) ? "billing_scope_id" : "tenant_id",
					"must be at most " + UsageEventValidator.MAX_ID_LENGTH + " characters");
		}
		return new Request(billed, string(root, "period"), string(root, "from"), string(root, "to"));
	}

	private static @Nullable String string(JsonNode node, String field) {
		JsonNode value = node.get(field);
		if (value == null || value.isNull()) {
			return null;
		}
		if (!value.isString()) {
			throw ApiException.badRequest(field, "must be a string, was " + value.getNodeType());
		}
		return value.stringValue();
	}

	/**
	 * A report request.
	 *
	 * @param billingScope the paying tenant
	 * @param period a month as yyyy-MM, or {@code null}
	 * @param from the start, or {@code null}
	 * @param to the end, or {@code null}
	 */
	record Request(String billingScope, @Nullable String period, @Nullable String from, @Nullable String to) {
	}

}
