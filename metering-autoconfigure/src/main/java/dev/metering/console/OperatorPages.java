package dev.metering.console;

import java.util.List;
import java.util.Map;

import dev.metering.admin.AuditEntry;
import org.jspecify.annotations.Nullable;

/**
 * The pages around the tenant page: the operator's overview (tenants and the kit's health), the
 * audit log, the login form and the refusal pages.
 */
final class OperatorPages {

	private OperatorPages() {
	}

	static String overview(Html page, List<String> tenants, Map<String, Object> health) {
		page.raw("<section aria-labelledby=\"open-h\"><h2 id=\"open-h\">Open a tenant</h2><form class=\"inline\" ")
			.raw("method=\"get\" action=\"").raw(Html.attr(page.base())).raw("/tenants\"><label>Tenant id ")
			.raw("<input name=\"tenant\" required maxlength=\"128\"></label><button type=\"submit\">Open</button></form>");
		if (!tenants.isEmpty()) {
			page.raw("<h3>Configured tenants</h3><ul class=\"tenants\">");
			for (String tenant : tenants) {
				page.raw("<li><a href=\"").raw(Html.attr(page.base() + "/tenants/" + Html.segment(tenant))).raw("\">")
					.add(tenant).raw("</a></li>");
			}
			page.raw("</ul>");
		}
		page.raw("</section><section aria-labelledby=\"health-h\"><h2 id=\"health-h\">Health</h2>");
		if (health.isEmpty()) {
			page.raw("<p>The kit's status is not available in this application.</p>");
		}
		for (Map.Entry<String, Object> part : health.entrySet()) {
			page.raw("<h3>").add(part.getKey()).raw("</h3>");
			if (part.getValue() instanceof Map<?, ?> fields) {
				page.raw("<dl class=\"health\" data-part=\"").raw(Html.attr(part.getKey())).raw("\">");
				fields.forEach((name, value) -> page.raw("<dt>").add(name).raw("</dt><dd>").add(value).raw("</dd>"));
				page.raw("</dl>");
			}
			else {
				page.raw("<p>").add(part.getValue()).raw("</p>");
			}
		}
		return page.raw("</section>").render();
	}

	static String audit(Html page, List<AuditEntry> entries) {
		TenantPage.audit(page, entries, "Newest changes");
		return page.render();
	}

	static String login(Html page, String csrf, @Nullable String error) {
		if (error != null) {
			page.raw("<p class=\"error\" role=\"alert\">").add(error).raw("</p>");
		}
		return page.raw("<form class=\"stack\" method=\"post\" action=\"").raw(Html.attr(page.base()))
			.raw("/login\">")
			.csrfField(csrf)
			.raw("<label>Admin key <input type=\"password\" name=\"key\" required autocomplete=\"current-password\" ")
			.raw("autofocus></label><button type=\"submit\">Log in</button></form>")
			.render();
	}

	static String refusal(Html page, int status, @Nullable String field, String message, boolean loginLink) {
		page.raw("<p class=\"error\" role=\"alert\" data-status=\"").raw(Integer.toString(status)).raw("\">");
		if (field != null) {
			page.raw("<span class=\"field\">").add(field).raw("</span>: ");
		}
		page.add(message).raw("</p>");
		if (loginLink) {
			page.raw("<p><a href=\"").raw(Html.attr(page.base())).raw("/login\">Log in</a></p>");
		}
		return page.raw("<p><a href=\"").raw(Html.attr(page.base())).raw("\">Back to the console</a></p>").render();
	}

}
