package dev.metering.console;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Currency;
import java.util.List;

import dev.metering.admin.AuditEntry;
import dev.metering.billing.BillingPeriod;
import dev.metering.billing.BillingReport;
import dev.metering.billing.Granularity;
import dev.metering.billing.Invoice;
import dev.metering.billing.TopUser;
import dev.metering.billing.UsageSummary;
import dev.metering.grant.Grant;
import dev.metering.grant.GrantBalance;
import dev.metering.grant.MeterBalance;
import dev.metering.grant.MoneyBalance;
import dev.metering.quota.PolicyUsage;
import dev.metering.quota.QuotaWindow;
import org.jspecify.annotations.Nullable;

/**
 * The tenant page: usage chart, quota gauges, top users, bill preview, tenant tree and, for
 * operators, the tenant's audit rows and the form that changes one of its quotas.
 */
final class TenantPage {

	private TenantPage() {
	}

	static String render(Html page, TenantView view, Granularity granularity, BillingPeriod period,
			ConsoleCaller caller, @Nullable String csrf) {
		String tenantPath = page.base() + "/tenants/" + Html.segment(view.tenant());
		if (view.exempt()) {
			page.raw("<p class=\"note\">This tenant is exempt: it is metered, never limited.</p>");
		}
		page.raw("<section aria-labelledby=\"usage-h\"><h2 id=\"usage-h\">Usage</h2>");
		chartForm(page, tenantPath, view, granularity, period);
		UsageSummary usage = view.usage();
		if (usage == null) {
			page.raw("<p>No meter: this tenant has no quota or price, and no meter is configured for the console.</p>");
		}
		else {
			List<UsageChart.Series> series = List.of(new UsageChart.Series("all",
					usage.buckets().stream().map(UsageSummary.Bucket::quantity).toList()));
			page.raw("<figure>").raw(UsageChart.draw(usage, series)).raw("<figcaption>Total ")
				.add(Html.number(usage.total()))
				.raw(" (times in UTC)</figcaption></figure><details><summary>The figures</summary>")
				.raw(UsageChart.table(usage, series))
				.raw("</details>");
		}
		page.raw("</section>");
		quotas(page, view.quotas());
		topUsers(page, view.topUsers(), usage);
		balances(page, view.balances(), view.moneyBalances());
		bill(page, view.bill(), view.billNote());
		invoices(page, view.invoices());
		tree(page, view, caller);
		if (caller.operator()) {
			quotaForm(page, tenantPath, view, csrf);
			audit(page, view.audit(), "Audit of this tenant");
			if (caller.session()) {
				page.raw("<section aria-labelledby=\"as-h\"><h2 id=\"as-h\">Tenant view</h2><form method=\"post\" action=\"")
					.raw(Html.attr(tenantPath))
					.raw("/view-as\">")
					.csrfField(csrf)
					.raw("<p>See the console as this tenant sees it: this tenant only, nothing to change. "
							+ "Log in again with the key to come back.</p><button type=\"submit\">Open the tenant view</button></form></section>");
			}
		}
		return page.render();
	}

	private static void chartForm(Html page, String tenantPath, TenantView view, Granularity granularity,
			BillingPeriod period) {
		page.raw("<form class=\"inline\" method=\"get\" action=\"").raw(Html.attr(tenantPath)).raw("\">");
		page.raw("<label>Meter <select name=\"meter\">");
		for (String meter : view.meters()) {
			boolean selected = view.usage() != null && meter.equals(view.usage().meter());
			page.raw("<option").raw(selected ? " selected" : "").raw(">").add(meter).raw("</option>");
		}
		page.raw("</select></label><label>Per <select name=\"granularity\">");
		for (Granularity each : Granularity.values()) {
			page.raw("<option").raw((each == granularity) ? " selected" : "").raw(">").raw(each.id()).raw("</option>");
		}
		String month = java.time.YearMonth.from(period.from().atOffset(java.time.ZoneOffset.UTC)).toString();
		page.raw("</select></label><label>Month <input name=\"period\" size=\"8\" pattern=\"[0-9]{4}-[0-9]{2}\" value=\"")
			.raw(Html.attr(month))
			.raw("\"></label><button type=\"submit\">Show</button></form>");
	}

	private static void quotas(Html page, List<PolicyUsage> quotas) {
		page.raw("<section aria-labelledby=\"quota-h\"><h2 id=\"quota-h\">Quotas</h2>");
		if (quotas.isEmpty()) {
			page.raw("<p>No quota applies.</p>");
		}
		page.raw("<div class=\"gauges\">");
		for (PolicyUsage quota : quotas) {
			BigDecimal limit = quota.limit();
			Double threshold = quota.policy().softThreshold();
			BigDecimal scale = limit.max(BigDecimal.ONE);
			page.raw("<div class=\"gauge\" data-policy=\"").raw(Html.attr(quota.policy().name())).raw("\" data-meter=\"")
				.raw(Html.attr(quota.policy().meter())).raw("\" data-window=\"").raw(quota.policy().window().id())
				.raw("\" data-scope=\"").raw(Html.attr(quota.scope())).raw("\" data-limit=\"")
				.raw(Html.number(limit)).raw("\" data-used=\"").raw(Html.number(quota.used())).raw("\"><h3>")
				.add(quota.policy().meter()).raw(" per ").raw(quota.policy().window().id()).raw("</h3><p class=\"small\">")
				.add(quota.policy().enforcement().id()).raw(" limit of ").add(quota.scope()).raw("</p>")
				.raw("<meter aria-label=\"").add(quota.policy().meter() + " per " + quota.policy().window().id() + " used")
				.raw("\" min=\"0\" max=\"").raw(Html.number(scale)).raw("\" value=\"")
				.raw(Html.number(quota.used().min(scale))).raw("\" low=\"")
				.raw(Html.number(scale.multiply(BigDecimal.valueOf((threshold != null) ? threshold : 0.8))))
				// At the limit the gauge shows its worst colour.
				.raw("\" high=\"").raw(Html.number(scale.multiply(new BigDecimal("0.99")))).raw("\" optimum=\"0\">")
				.add(percent(quota.used(), limit)).raw("</meter><p><strong>").add(Html.number(quota.used()))
				.raw("</strong> of ").add(Html.number(limit)).raw(" used (").add(percent(quota.used(), limit))
				.raw("), ").add(Html.number(quota.remaining())).raw(" left");
			if (threshold != null) {
				page.raw("; warns from ").add(percent(BigDecimal.valueOf(threshold), BigDecimal.ONE));
			}
			page.raw(". Resets ").add(Html.time(quota.reset())).raw(".</p></div>");
		}
		page.raw("</div></section>");
	}

	private static void topUsers(Html page, List<TopUser> users, @Nullable UsageSummary usage) {
		page.raw("<section aria-labelledby=\"top-h\"><h2 id=\"top-h\">Top users</h2>");
		if (users.isEmpty()) {
			page.raw("<p>No user in this period.</p></section>");
			return;
		}
		page.raw("<table><caption>").add((usage != null) ? usage.meter() : "")
			.raw("</caption><thead><tr><th scope=\"col\">User</th><th scope=\"col\">Usage</th><th scope=\"col\">Events</th></tr></thead><tbody>");
		for (TopUser user : users) {
			page.raw("<tr><td>").add(user.userId()).raw("</td><td>").add(Html.number(user.quantity())).raw("</td><td>")
				.add(user.events()).raw("</td></tr>");
		}
		page.raw("</tbody></table></section>");
	}

	private static void bill(Html page, @Nullable BillingReport bill, @Nullable String note) {
		page.raw("<section aria-labelledby=\"bill-h\"><h2 id=\"bill-h\">This period's bill (preview)</h2>");
		if (bill == null) {
			page.raw("<p>").add(note).raw("</p></section>");
			return;
		}
		String currency = bill.currency().getCurrencyCode();
		boolean money = !bill.moneyCredits().isEmpty();
		String span = money ? "6" : "5";
		page.raw("<p>").add(bill.billingScope()).raw(", plan ").add(bill.plan()).raw(", ")
			.add(Html.time(bill.period().from())).raw(" to ").add(Html.time(bill.period().to()))
			.raw(bill.closed() ? ", closed" : ", open").raw(".</p><table><thead><tr><th scope=\"col\">Meter</th>")
			.raw("<th scope=\"col\">Usage</th><th scope=\"col\">Grants covered</th><th scope=\"col\">Included</th>")
			.raw("<th scope=\"col\">Billable</th><th scope=\"col\">Amount</th>")
			.raw(money ? "<th scope=\"col\">Paid by money grants</th>" : "").raw("</tr></thead><tbody>");
		for (int i = 0; i < bill.lines().size(); i++) {
			BillingReport.Line line = bill.lines().get(i);
			page.raw("<tr><td>").add(line.meter()).raw("</td><td>").add(Html.number(line.charge().quantity()))
				.raw("</td><td>").add(Html.number(line.creditsApplied())).raw("</td><td>")
				.add(Html.number(line.charge().included())).raw("</td><td>")
				.add(Html.number(line.charge().billable())).raw("</td><td>").add(line.charge().amount().toPlainString())
				.raw(" ").add(currency).raw("</td>");
			if (money) {
				page.raw("<td>").add(bill.moneyCreditsApplied(i).setScale(line.charge().amount().scale()).toPlainString())
					.raw(" ").add(currency).raw("</td>");
			}
			page.raw("</tr>");
		}
		page.raw("</tbody><tfoot><tr><th scope=\"row\" colspan=\"").raw(span).raw("\">Base fee</th><td>")
			.add(bill.baseFee().toPlainString()).raw(" ").add(currency)
			.raw("</td></tr><tr><th scope=\"row\" colspan=\"").raw(span).raw("\">Subtotal</th><td class=\"subtotal\">")
			.add(bill.subtotal().toPlainString()).raw(" ").add(currency).raw("</td></tr>");
		if (money) {
			page.raw("<tr><th scope=\"row\" colspan=\"").raw(span).raw("\">Money credits</th><td class=\"money-credits\">")
				.add(bill.moneyCreditsApplied().negate().toPlainString()).raw(" ").add(currency)
				.raw("</td></tr><tr><th scope=\"row\" colspan=\"").raw(span)
				.raw("\">Amount due</th><td class=\"amount-due\">").add(bill.amountDue().toPlainString()).raw(" ")
				.add(currency).raw("</td></tr>");
		}
		page.raw("</tfoot></table>");
		if (bill.tenants().size() > 1) {
			page.raw("<p>Usage of ").add(String.join(", ", bill.tenants())).raw(".</p>");
		}
		page.raw("</section>");
	}

	/**
	 * The tenant's grants: a balance per meter (units) and per currency (money), and each grant
	 * with what it used and has left.
	 */
	private static void balances(Html page, List<MeterBalance> units, List<MoneyBalance> money) {
		if (units.isEmpty() && money.isEmpty()) {
			return;
		}
		page.raw("<section aria-labelledby=\"grants-h\"><h2 id=\"grants-h\">Grants and prepaid credits</h2>")
			.raw("<table class=\"balances\"><caption>Balances now</caption><thead><tr><th scope=\"col\">Of</th>")
			.raw("<th scope=\"col\">Kind</th><th scope=\"col\">Balance</th><th scope=\"col\">Overage</th>")
			.raw("</tr></thead><tbody>");
		for (MeterBalance balance : units) {
			page.raw("<tr data-meter=\"").raw(Html.attr(balance.meter())).raw("\"><td>").add(balance.meter())
				.raw("</td><td>units")
				.add((balance.enforcement() != null)
						? ", " + balance.enforcement().name().toLowerCase(java.util.Locale.ROOT) + " grant-backed" : "")
				.raw("</td><td>").add(Html.number(balance.balance())).raw("</td><td>")
				.add(Html.number(balance.overage())).raw("</td></tr>");
		}
		for (MoneyBalance balance : money) {
			page.raw("<tr data-currency=\"").raw(Html.attr(balance.currency())).raw("\"><td>").add(balance.currency())
				.raw("</td><td>money</td><td>").add(money(balance.balance(), balance.currency())).raw(" ")
				.add(balance.currency()).raw("</td><td></td></tr>");
		}
		page.raw("</tbody></table><table class=\"grants\"><caption>Grants</caption><thead><tr>")
			.raw("<th scope=\"col\">Of</th><th scope=\"col\">Amount</th><th scope=\"col\">Used</th>")
			.raw("<th scope=\"col\">Left</th><th scope=\"col\">State</th><th scope=\"col\">Priority</th>")
			.raw("<th scope=\"col\">From</th><th scope=\"col\">Until</th></tr></thead><tbody>");
		for (MeterBalance balance : units) {
			for (GrantBalance grant : balance.grants()) {
				grantRow(page, grant, balance.meter(), Html.number(grant.grant().amount()), Html.number(grant.used()),
						Html.number(grant.remaining()));
			}
		}
		for (MoneyBalance balance : money) {
			String currency = balance.currency();
			for (GrantBalance grant : balance.grants()) {
				Grant of = grant.grant();
				grantRow(page, grant,
						currency + (of.meters().isEmpty() ? "" : " (" + String.join(", ", of.meters()) + ")"),
						money(of.amount(), currency) + " " + currency, money(grant.used(), currency) + " " + currency,
						money(grant.remaining(), currency) + " " + currency);
			}
		}
		page.raw("</tbody></table></section>");
	}

	private static void grantRow(Html page, GrantBalance balance, String of, String amount, String used, String left) {
		Grant grant = balance.grant();
		page.raw("<tr data-grant=\"").raw(Html.attr(grant.id())).raw("\"><td>").add(of)
			.add((grant.recurrence() != null) ? ", every " + grant.recurrence() : "").raw("</td><td>").add(amount)
			.raw("</td><td>").add(used).raw("</td><td>").add(left).raw("</td><td>").add(balance.state())
			.raw("</td><td>").add(grant.priority()).raw("</td><td>").add(Html.time(grant.effectiveAt()))
			.raw("</td><td>").add((grant.endsAt() != null) ? Html.time(grant.endsAt()) : "no expiry")
			.raw("</td></tr>");
	}

	/** Money with its currency's decimals. */
	private static String money(BigDecimal amount, String currency) {
		int scale = Math.max(0, Currency.getInstance(currency).getDefaultFractionDigits());
		return amount.setScale(scale, RoundingMode.HALF_UP).toPlainString();
	}

	/**
	 * The finalized invoices, newest first: what the usage API's {@code /invoices} routes return,
	 * with the money credits each applied and its amount due as stored.
	 */
	private static void invoices(Html page, List<TenantView.InvoiceRow> invoices) {
		if (invoices.isEmpty()) {
			return;
		}
		page.raw("<section aria-labelledby=\"inv-h\"><h2 id=\"inv-h\">Finalized invoices</h2><table><thead><tr>")
			.raw("<th scope=\"col\">Number</th><th scope=\"col\">Period</th><th scope=\"col\">Plan</th>")
			.raw("<th scope=\"col\">Subtotal</th><th scope=\"col\">Money credits</th><th scope=\"col\">Amount due</th>")
			.raw("</tr></thead><tbody>");
		for (int i = invoices.size() - 1; i >= 0; i--) {
			TenantView.InvoiceRow row = invoices.get(i);
			Invoice invoice = row.invoice();
			page.raw("<tr data-invoice=\"").raw(Html.attr(invoice.number())).raw("\"><td>").add(invoice.number())
				.raw("</td><td>").add(Html.time(invoice.period().from())).raw(" to ")
				.add(Html.time(invoice.period().to())).raw("</td><td>").add(invoice.plan()).raw("</td><td>")
				.add(invoice.subtotal().toPlainString()).raw(" ").add(invoice.currency()).raw("</td><td>")
				.add((row.moneyCredits() != null) ? row.moneyCredits().negate().toPlainString() + " " + invoice.currency()
						: "none")
				.raw("</td><td class=\"amount-due\">").add(row.amountDue().toPlainString()).raw(" ")
				.add(invoice.currency()).raw("</td></tr>");
		}
		page.raw("</tbody></table></section>");
	}

	private static void tree(Html page, TenantView view, ConsoleCaller caller) {
		if (view.tree().size() < 2) {
			return;
		}
		page.raw("<section aria-labelledby=\"tree-h\"><h2 id=\"tree-h\">Hierarchy</h2><ul class=\"tree\">");
		for (TenantView.TreeNode node : view.tree()) {
			page.raw("<li class=\"d")
				.raw(Integer.toString(Math.min(node.depth(), 6))).raw("\">");
			if (caller.maySee(node.tenant()) && !node.tenant().equals(view.tenant())) {
				page.raw("<a href=\"").raw(Html.attr(page.base() + "/tenants/" + Html.segment(node.tenant()))).raw("\">")
					.add(node.tenant()).raw("</a>");
			}
			else {
				page.raw(node.tenant().equals(view.tenant()) ? "<strong>" : "<span>").add(node.tenant())
					.raw(node.tenant().equals(view.tenant()) ? "</strong>" : "</span>");
			}
			page.raw(node.billingScope().equals(node.tenant()) ? " · pays for itself" : " · billed to ")
				.add(node.billingScope().equals(node.tenant()) ? "" : node.billingScope())
				.raw("</li>");
		}
		page.raw("</ul></section>");
	}

	private static void quotaForm(Html page, String tenantPath, TenantView view, @Nullable String csrf) {
		page.raw("<section aria-labelledby=\"change-h\"><h2 id=\"change-h\">Change a quota of this tenant</h2>")
			.raw("<form class=\"stack\" method=\"post\" action=\"").raw(Html.attr(tenantPath)).raw("/quota\">")
			.csrfField(csrf)
			.raw("<label>Meter <input name=\"meter\" required list=\"meters\" value=\"")
			.raw(Html.attr(view.usage() != null ? view.usage().meter() : "")).raw("\"></label><datalist id=\"meters\">");
		view.meters().forEach((meter) -> page.raw("<option value=\"").raw(Html.attr(meter)).raw("\"></option>"));
		page.raw("</datalist><label>Window <select name=\"window\">");
		for (QuotaWindow window : QuotaWindow.values()) {
			page.raw("<option>").raw(window.id()).raw("</option>");
		}
		page.raw("</select></label><label>Limit <input name=\"limit\" required inputmode=\"decimal\"></label>")
			.raw("<label>Enforcement <select name=\"enforcement\"><option>hard</option><option>soft</option>")
			.raw("<option>monitor</option></select></label>")
			.raw("<label>Warn from (fraction, optional) <input name=\"soft_threshold\" inputmode=\"decimal\"></label>")
			.raw("<button type=\"submit\">Save the quota</button></form></section>");
	}

	static void audit(Html page, List<AuditEntry> entries, String heading) {
		page.raw("<section aria-labelledby=\"audit-h\"><h2 id=\"audit-h\">").add(heading).raw("</h2>");
		if (entries.isEmpty()) {
			page.raw("<p>No change recorded.</p></section>");
			return;
		}
		page.raw("<table class=\"audit\"><thead><tr><th scope=\"col\">When</th><th scope=\"col\">Who</th>")
			.raw("<th scope=\"col\">What</th><th scope=\"col\">Target</th><th scope=\"col\">Before</th>")
			.raw("<th scope=\"col\">After</th></tr></thead><tbody>");
		for (AuditEntry entry : entries) {
			page.raw("<tr data-audit-id=\"").raw(Long.toString(entry.id())).raw("\"><td>").add(Html.time(entry.changedAt()))
				.raw("</td><td>").add(entry.actor()).raw("</td><td>").add(entry.action()).raw("</td><td>")
				.add(entry.target()).raw("</td><td>").add((entry.oldValue() != null) ? entry.oldValue() : "")
				.raw("</td><td>").add((entry.newValue() != null) ? entry.newValue() : "").raw("</td></tr>");
		}
		page.raw("</tbody></table></section>");
	}

	private static String percent(BigDecimal used, BigDecimal limit) {
		if (limit.signum() == 0) {
			return (used.signum() == 0) ? "0 %" : "over";
		}
		return used.multiply(BigDecimal.valueOf(100)).divide(limit, 0, RoundingMode.HALF_UP).toPlainString() + " %";
	}

}
