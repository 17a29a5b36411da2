package dev.metering.console;

import java.math.BigDecimal;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.metering.admin.AuditEntry;
import dev.metering.admin.EffectiveQuotas;
import dev.metering.admin.MeteringAdmin;
import dev.metering.admin.MeteringStatus;
import dev.metering.billing.BillingException;
import dev.metering.billing.BillingPeriod;
import dev.metering.billing.BillingReport;
import dev.metering.billing.BillingReportService;
import dev.metering.billing.Granularity;
import dev.metering.billing.Invoice;
import dev.metering.billing.InvoiceStore;
import dev.metering.billing.UsageSummary;
import dev.metering.billing.UsageSummaryService;
import dev.metering.grant.GrantService;
import dev.metering.grant.MoneyGrants;
import dev.metering.quota.PolicyUsage;
import dev.metering.quota.QuotaEnforcementService;
import dev.metering.rollup.UsageReader;
import dev.metering.tenant.TenantDefinition;
import dev.metering.tenant.TenantDefinitionSource;
import dev.metering.tenant.TenantDirectory;
import dev.metering.tenant.TenantLineage;
import org.jspecify.annotations.Nullable;

/**
 * Reads what the pages show through the kit's services: usage and top users from the rollups
 * (and the rows not folded yet), never a scan of the ledger; quotas from their status; the bill
 * from the billing report; the tree from the tenant directory.
 */
final class ConsoleReads {

	private static final int TOP_USERS = 10;

	private static final int AUDIT_ROWS = 20;

	/**
	 * The report's own money credits and amount due in a stored invoice's JSON: its last two
	 * fields (a line's {@code money_credits_applied} is followed by no {@code amount_due}, and a
	 * quote inside a JSON string is escaped, so nothing else matches).
	 */
	private static final Pattern MONEY_CREDITS = Pattern
		.compile("\"money_credits_applied\":\"(-?[0-9]+(?:\\.[0-9]+)?)\",\"amount_due\":\"(-?[0-9]+(?:\\.[0-9]+)?)\"");

	private final UsageSummaryService summaries;

	private final BillingReportService reports;

	private final @Nullable QuotaEnforcementService quotas;

	private final UsageReader usage;

	private final MeteringAdmin admin;

	private final TenantDirectory directory;

	private final @Nullable TenantDefinitionSource tenants;

	private final @Nullable MeteringStatus status;

	private final List<String> meters;

	private final @Nullable InvoiceStore invoices;

	private final Grants grants;

	private final Clock clock;

	ConsoleReads(UsageSummaryService summaries, BillingReportService reports, @Nullable QuotaEnforcementService quotas,
			UsageReader usage, MeteringAdmin admin, TenantDirectory directory, @Nullable TenantDefinitionSource tenants,
			@Nullable MeteringStatus status, @Nullable InvoiceStore invoices, Grants grants, List<String> meters,
			Clock clock) {
		this.invoices = invoices;
		this.grants = grants;
		this.summaries = summaries;
		this.reports = reports;
		this.quotas = quotas;
		this.usage = usage;
		this.admin = admin;
		this.directory = directory;
		this.tenants = tenants;
		this.status = status;
		this.meters = List.copyOf(meters);
		this.clock = clock;
	}

	/**
	 * The tenant page's data.
	 * @param tenant the tenant, already checked against the caller
	 * @param meter the meter asked for, or {@code null} for the first one
	 * @param granularity the chart's buckets
	 * @param period the chart's and top users' range
	 * @param caller the caller: a tenant view sees its own lineage only, and no audit
	 * @return the view
	 */
	TenantView tenant(String tenant, @Nullable String meter, Granularity granularity, BillingPeriod period,
			ConsoleCaller caller) {
		Instant now = this.clock.instant();
		TenantLineage lineage = this.directory.lineageOf(tenant);
		EffectiveQuotas explained = this.admin.explain(tenant);
		BillingReport bill = null;
		String billNote = null;
		String payer = lineage.billingScope();
		if (payer.equals(tenant) || caller.operator()) {
			try {
				bill = this.reports.report(payer, this.reports.periodOf(payer, now));
			}
			catch (BillingException ex) {
				billNote = "No bill: " + ex.getMessage();
			}
		}
		else {
			billNote = "This tenant's usage is billed to " + payer + ".";
		}
		Set<String> known = new TreeSet<>(this.meters);
		explained.quotas().forEach((quota) -> known.add(quota.policy().meter()));
		if (bill != null && payer.equals(tenant)) {
			bill.lines().forEach((line) -> known.add(line.meter()));
		}
		if (meter != null) {
			known.add(meter);
		}
		List<String> meterList = List.copyOf(known);
		String shown = (meter != null) ? meter : (meterList.isEmpty() ? null : meterList.get(0));
		UsageSummary summary = (shown != null) ? this.summaries.summary(tenant, shown, period, granularity) : null;
		List<PolicyUsage> quotaList = new ArrayList<>();
		if (this.quotas != null) {
			List<String> scopes = lineage.scopes();
			for (String each : meterList) {
				quotaList.addAll(this.quotas.status(scopes, each, now).withLedgerUsage(this.usage).policies());
			}
		}
		return new TenantView(tenant, lineage, lineage.exempt(), meterList, summary, quotaList,
				(shown != null) ? this.summaries.topUsers(tenant, shown, period, TOP_USERS) : List.of(),
				(this.grants.units() != null) ? this.grants.units().balancesOf(tenant) : List.of(),
				(this.grants.money() != null) ? this.grants.money().balancesOf(tenant) : List.of(), bill, billNote,
				(this.invoices != null && payer.equals(tenant)) ? invoices(tenant) : List.of(), tree(lineage, caller),
				caller.operator() ? audit(tenant) : List.of());
	}

	/**
	 * The tenant's invoices with the money credits each applied, read from its stored JSON: the
	 * invoice as it was finalized, never worked out again.
	 */
	private List<TenantView.InvoiceRow> invoices(String tenant) {
		List<TenantView.InvoiceRow> rows = new ArrayList<>();
		for (Invoice invoice : this.invoices.invoicesOf(tenant)) {
			String json = this.invoices.document(tenant, invoice.number(), Invoice.Format.JSON).orElse("");
			Matcher credits = MONEY_CREDITS.matcher(json);
			rows.add(credits.find()
					? new TenantView.InvoiceRow(invoice, new BigDecimal(credits.group(1)), new BigDecimal(credits.group(2)))
					: new TenantView.InvoiceRow(invoice, null, invoice.subtotal()));
		}
		return rows;
	}

	/** The tenants the configuration defines, for the operator's overview. */
	List<String> definedTenants() {
		if (this.tenants == null) {
			return List.of();
		}
		Collection<TenantDefinition> all = this.tenants.all();
		return all.stream().map(TenantDefinition::tenantId).sorted().toList();
	}

	/** The writer's, rollup's and bus's state, as the metering endpoint shows it. */
	Map<String, Object> health() {
		if (this.status == null) {
			return Map.of();
		}
		Map<String, Object> health = new LinkedHashMap<>();
		health.put("ledger", Map.of("writable", this.status.ledgerWritable()));
		health.putAll(this.status.describe());
		return health;
	}

	/**
	 * The newest audit entries.
	 * @param limit the most entries
	 * @return the entries, newest first
	 */
	List<AuditEntry> audit(int limit) {
		return this.admin.audit("", limit);
	}

	private List<AuditEntry> audit(String tenant) {
		String target = "tenant:" + tenant;
		return this.admin.audit(target, 200)
			.stream()
			.filter((entry) -> entry.target().equals(target) || entry.target().startsWith(target + "/"))
			.limit(AUDIT_ROWS)
			.toList();
	}

	/** The hierarchy from the tenant's root: all of it for an operator, else the tenant's branch. */
	private List<TenantView.TreeNode> tree(TenantLineage lineage, ConsoleCaller caller) {
		String root = lineage.scopes().get(lineage.scopes().size() - 1);
		Map<String, List<String>> children = new LinkedHashMap<>();
		Map<String, TenantLineage> lineages = new LinkedHashMap<>();
		for (String member : new TreeSet<>(this.directory.subtreeOf(root))) {
			TenantLineage of = this.directory.lineageOf(member);
			lineages.put(member, of);
			if (of.scopes().size() > 1) {
				children.computeIfAbsent(of.scopes().get(1), (parent) -> new ArrayList<>()).add(member);
			}
		}
		lineages.putIfAbsent(root, this.directory.lineageOf(root));
		List<TenantView.TreeNode> nodes = new ArrayList<>();
		walk(root, 0, children, lineages, lineage.tenant(), caller, nodes);
		return nodes;
	}

	private static void walk(String node, int depth, Map<String, List<String>> children,
			Map<String, TenantLineage> lineages, String tenant, ConsoleCaller caller, List<TenantView.TreeNode> nodes) {
		TenantLineage of = lineages.get(node);
		if (of == null) {
			return;
		}
		// A tenant view sees its ancestors and its own subtree, never a sibling's branch.
		boolean visible = caller.operator() || of.scopes().contains(tenant) || lineages.get(tenant) != null
				&& lineages.get(tenant).scopes().contains(node);
		if (!visible) {
			return;
		}
		nodes.add(new TenantView.TreeNode(node, depth, of.billingScope()));
		for (String child : children.getOrDefault(node, List.of())) {
			walk(child, depth + 1, children, lineages, tenant, caller, nodes);
		}
	}

	/**
	 * Where the tenant page reads balances from.
	 *
	 * @param units grants of units, {@code null} without grants
	 * @param money money grants, {@code null} without them
	 */
	record Grants(@Nullable GrantService units, @Nullable MoneyGrants money) {
	}

}
