package dev.metering.console;

import java.math.BigDecimal;
import java.util.List;

import dev.metering.admin.AuditEntry;
import dev.metering.billing.BillingReport;
import dev.metering.billing.Invoice;
import dev.metering.billing.TopUser;
import dev.metering.billing.UsageSummary;
import dev.metering.grant.MeterBalance;
import dev.metering.grant.MoneyBalance;
import dev.metering.quota.PolicyUsage;
import dev.metering.tenant.TenantLineage;
import org.jspecify.annotations.Nullable;

/**
 * What the tenant page shows, read in one go from rollups, quota status and definitions.
 *
 * @param tenant the tenant
 * @param lineage its place in the hierarchy
 * @param exempt whether it is never limited
 * @param meters the meters it has quotas, prices or configured charts for
 * @param usage the chosen meter's usage, {@code null} when it has no meter
 * @param quotas every quota of the tenant's lineage, with the ledger's usage
 * @param topUsers the chosen meter's heaviest users in the period
 * @param balances the tenant's balances of units, per meter
 * @param moneyBalances the tenant's money balances, per currency
 * @param bill the current period's bill preview of the tenant's billing scope, or {@code null}
 * @param billNote why there is no bill, or {@code null}
 * @param invoices the finalized invoices of the tenant when it pays for itself, oldest first, with
 * the money credits each applied
 * @param tree the tenants of the hierarchy the caller may see, in tree order
 * @param audit the tenant's audit entries, newest first (operators only)
 */
record TenantView(String tenant, TenantLineage lineage, boolean exempt, List<String> meters,
		@Nullable UsageSummary usage, List<PolicyUsage> quotas, List<TopUser> topUsers, List<MeterBalance> balances,
		List<MoneyBalance> moneyBalances, @Nullable BillingReport bill, @Nullable String billNote,
		List<InvoiceRow> invoices, List<TreeNode> tree, List<AuditEntry> audit) {

	/**
	 * A finalized invoice as stored.
	 *
	 * @param invoice the invoice
	 * @param moneyCredits what money grants paid of it, {@code null} when they paid nothing
	 * @param amountDue its subtotal less the money credits
	 */
	record InvoiceRow(Invoice invoice, @Nullable BigDecimal moneyCredits, BigDecimal amountDue) {
	}

	/**
	 * One tenant of the tree.
	 *
	 * @param tenant the tenant
	 * @param depth 0 for the root
	 * @param billingScope who pays for its usage
	 */
	record TreeNode(String tenant, int depth, String billingScope) {
	}

}
