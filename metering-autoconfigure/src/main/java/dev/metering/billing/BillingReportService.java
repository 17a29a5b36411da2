package dev.metering.billing;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

import javax.sql.DataSource;

import dev.metering.internal.sql.BillingSql;
import dev.metering.internal.sql.TableNames;
import dev.metering.rollup.RollupJob;
import dev.metering.billing.BillingException.Reason;
import dev.metering.ledger.MeteringTables;
import dev.metering.internal.sql.LedgerDatabase;
import dev.metering.meter.MeterDefinition;
import dev.metering.meter.MeterDefinitions;
import dev.metering.rollup.MeterUsageReader;
import dev.metering.rollup.UsageReader;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.util.function.SingletonSupplier;

/**
 * Computes {@link BillingReport}s: each priced meter's usage billed to the scope in the period,
 * read through the {@link UsageReader} (rollups plus unfolded ledger rows), priced with the
 * scope's plan.
 * <p>
 * Late events: a period closes {@code close-after} after its end, and {@code close-after} is
 * never shorter than the ledger's late window ({@code metering.ledger.late-window}), so the
 * ledger rejects every event of a closed period: a closed period's report never changes.
 */
public class BillingReportService {

	private final TenantPlans plans;

	private final PlanPricingSource pricing;

	private final UsageReader usage;

	private final JdbcTemplate jdbc;

	private final Supplier<LedgerDatabase> dialect;

	private final BillingSql sql;

	private final RoundingMode rounding;

	private final Duration closeAfter;

	private final Clock clock;

	private final Supplier<MeterDefinitions> meters;

	private final MeterUsageReader meterUsage;

	private final BillingCredits credits;

	/**
	 * A report service.
	 * @param plans the tenants' plans
	 * @param pricing the plans' prices
	 * @param usage reads usage from the rollups
	 * @param dataSource the kit's DataSource (for the attributed tenants)
	 * @param dialect supplies the dialect (called once, on first use)
	 * @param tables the table names
	 * @param rounding how line amounts are rounded to the currency's scale
	 * @param closeAfter how long after its end a period closes
	 * @param clock the clock
	 */
	public BillingReportService(TenantPlans plans, PlanPricingSource pricing, UsageReader usage, DataSource dataSource,
			Supplier<LedgerDatabase> dialect, MeteringTables tables, RoundingMode rounding, Duration closeAfter,
			Clock clock) {
		this(plans, pricing, usage, dataSource, dialect, tables, rounding, closeAfter, clock, () -> MeterDefinitions.NONE);
	}

	/**
	 * A report service that bills defined meters under their aggregation: a {@code max} meter at
	 * the period's maximum, a {@code unique-count} meter at the period's distinct values, a
	 * {@code latest} meter at its last value; a price with a filter bills only the usage of that
	 * dimension value.
	 * @param plans the tenants' plans
	 * @param pricing the plans' prices
	 * @param usage reads usage of meters without a definition
	 * @param dataSource the kit's DataSource
	 * @param dialect supplies the dialect (called once, on first use)
	 * @param tables the table names
	 * @param rounding how line amounts are rounded to the currency's scale
	 * @param closeAfter how long after its end a period closes
	 * @param clock the clock
	 * @param meters the meter definitions in force (asked on every report)
	 */
	public BillingReportService(TenantPlans plans, PlanPricingSource pricing, UsageReader usage, DataSource dataSource,
			Supplier<LedgerDatabase> dialect, MeteringTables tables, RoundingMode rounding, Duration closeAfter,
			Clock clock, Supplier<MeterDefinitions> meters) {
		this(plans, pricing, usage, dataSource, dialect, tables, rounding, closeAfter, clock, meters,
				BillingCredits.NONE);
	}

	/**
	 * A report service that also applies prepaid credits: a line of a meter's whole usage (a price
	 * without a filter) prices only what the paying tenant's grants did not cover.
	 * @param plans the tenants' plans
	 * @param pricing the plans' prices
	 * @param usage reads usage of meters without a definition
	 * @param dataSource the kit's DataSource
	 * @param dialect supplies the dialect (called once, on first use)
	 * @param tables the table names
	 * @param rounding how line amounts are rounded to the currency's scale
	 * @param closeAfter how long after its end a period closes
	 * @param clock the clock
	 * @param meters the meter definitions in force (asked on every report)
	 * @param credits the credits applied per meter and period
	 */
	public BillingReportService(TenantPlans plans, PlanPricingSource pricing, UsageReader usage, DataSource dataSource,
			Supplier<LedgerDatabase> dialect, MeteringTables tables, RoundingMode rounding, Duration closeAfter,
			Clock clock, Supplier<MeterDefinitions> meters, BillingCredits credits) {
		this.credits = credits;
		this.meters = meters;
		this.plans = plans;
		this.pricing = pricing;
		this.usage = usage;
		this.jdbc = new JdbcTemplate(dataSource);
		this.dialect = SingletonSupplier.of(dialect);
		this.sql = new BillingSql(new TableNames(tables.prefix()));
		this.rounding = rounding;
		this.closeAfter = closeAfter;
		this.clock = clock;
		this.meterUsage = new MeterUsageReader(dataSource, this.dialect, tables);
	}

	/**
	 * The report of a billing scope for a period.
	 * @param billingScope the paying tenant
	 * @param period the period
	 * @return the report
	 * @throws BillingException when the scope has no priced plan
	 */
	public BillingReport report(String billingScope, BillingPeriod period) {
		// A tenant the configuration does not list is still metered: what it lacks is a plan.
		String plan = this.plans.planOf(billingScope)
			.orElseThrow(() -> new BillingException("tenant_id", Reason.NOT_PRICED,
					"tenant '" + billingScope + "' has no plan"));
		PlanPricing prices = this.pricing.pricingOf(plan)
			.orElseThrow(() -> new BillingException("tenant_id", Reason.NOT_PRICED,
					"plan '" + plan + "' of tenant '" + billingScope + "' has no prices (metering.billing.plans)"));
		return report(billingScope, prices, period);
	}

	/**
	 * The report of a billing scope for a period at the given prices.
	 * @param billingScope the paying tenant
	 * @param prices the plan's prices
	 * @param period the period
	 * @return the report
	 */
	public BillingReport report(String billingScope, PlanPricing prices, BillingPeriod period) {
		List<BillingReport.Line> lines = new ArrayList<>();
		BigDecimal subtotal = prices.baseFee().setScale(prices.scale(), this.rounding);
		for (MeterPrice price : prices.prices()) {
			BigDecimal quantity = quantity(billingScope, price, period);
			// Credits cover a meter's usage, not a filtered part of it.
			BigDecimal credited = price.filter().isEmpty()
					? this.credits.creditsApplied(billingScope, price.meter(), period.from(), period.to())
						.max(BigDecimal.ZERO)
						.min(quantity)
					: BigDecimal.ZERO;
			MeterPrice.Charge priced = price.charge(quantity.subtract(credited), prices.scale(), this.rounding);
			MeterPrice.Charge charge = new MeterPrice.Charge(quantity, priced.included(), priced.billable(),
					priced.amount());
			lines.add(new BillingReport.Line(price, charge, credited));
			subtotal = subtotal.add(charge.amount());
		}
		Instant closesAt = period.to().plus(this.closeAfter);
		return new BillingReport(billingScope, prices.plan(), prices.currency(), period, lines,
				prices.baseFee().setScale(prices.scale(), this.rounding), subtotal,
				attributedTenants(billingScope, period), !this.clock.instant().isBefore(closesAt), closesAt);
	}

	/**
	 * The quantity a price bills: a meter without a definition sums its quantity; a defined one
	 * is read under its aggregation, of the usage the price's filter keeps.
	 */
	private BigDecimal quantity(String billingScope, MeterPrice price, BillingPeriod period) {
		MeterDefinition definition = this.meters.get().find(price.meter());
		if (definition == null) {
			if (!price.filter().isEmpty()) {
				throw new BillingException("meter", Reason.INVALID, "meter '" + price.meter()
						+ "' has no definition any more, so its price's filter " + price.filter() + " matches nothing");
			}
			return this.usage.billingScopeUsage(billingScope, price.meter(), period.from(), period.to());
		}
		BigDecimal total = this.meterUsage
			.billingScopeUsage(definition, billingScope,
					MeterUsageReader.Query.total(period.from(), period.to(), price.filter()))
			.total();
		return (total != null) ? total.max(BigDecimal.ZERO) : BigDecimal.ZERO;
	}

	private List<String> attributedTenants(String billingScope, BillingPeriod period) {
		LedgerDatabase dialect = this.dialect.get();
		Object from = dialect.timestamp(period.from());
		Object to = dialect.timestamp(period.to());
		return this.jdbc
			.queryForList(this.sql.attributedTenants, String.class, billingScope, from, to,
					UnfoldedRows.lowestId(this.jdbc, this.sql), billingScope, from, to, RollupJob.NAME,
					RollupJob.NAME)
			.stream()
			.sorted()
			.toList();
	}

	/**
	 * The rounding mode of line amounts.
	 * @return the rounding mode
	 */
	public RoundingMode getRounding() {
		return this.rounding;
	}

}
