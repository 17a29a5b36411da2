package dev.metering.billing;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
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
import dev.metering.tenant.TenantCalendars;

import org.jspecify.annotations.Nullable;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.util.function.SingletonSupplier;

/**
 * Computes {@link BillingReport}s: each priced meter's usage billed to the scope in the period,
 * read through the {@link UsageReader} (rollups plus unfolded ledger rows), priced with the
 * scope's plan.
 * <p>
 * Late events: a period closes {@code close-after} after its end, and {@code close-after} is
 * never shorter than the ledger's late window ({@code metering.ledger.late-window}), so the
 * ledger rejects every event of a closed period: a closed period's report never changes. A
 * correction of an event of a closed period counts when it is made and is billed as an
 * adjustment line of that later period ({@link ClosedPeriodAdjustments}).
 * <p>
 * Over 350 lines: one report is assembled here from every input it has (plan parts, calendars,
 * credits in units and money, adjustments); its parts live in their own classes, and its constructors keep the
 * earlier signatures for callers.
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

	private final TenantCalendars calendars;

	private final ClosedPeriodAdjustments adjustments;

	private final BillingCredits credits;

	private final MoneyCredits money;

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
				TenantCalendars.UTC, BillingCredits.NONE);
	}

	/**
	 * A report service whose periods follow each scope's calendar (time zone and anchor day).
	 * @param plans the tenants' plans (and their history: a period with a change is billed in parts)
	 * @param pricing the plans' prices
	 * @param usage reads usage of meters without a definition
	 * @param dataSource the kit's DataSource
	 * @param dialect supplies the dialect (called once, on first use)
	 * @param tables the table names
	 * @param rounding how line amounts are rounded to the currency's scale
	 * @param closeAfter how long after its end a period closes
	 * @param clock the clock
	 * @param meters the meter definitions in force (asked on every report)
	 * @param calendars each scope's calendar
	 */
	public BillingReportService(TenantPlans plans, PlanPricingSource pricing, UsageReader usage, DataSource dataSource,
			Supplier<LedgerDatabase> dialect, MeteringTables tables, RoundingMode rounding, Duration closeAfter,
			Clock clock, Supplier<MeterDefinitions> meters, TenantCalendars calendars) {
		this(plans, pricing, usage, dataSource, dialect, tables, rounding, closeAfter, clock, meters, calendars,
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
		this(plans, pricing, usage, dataSource, dialect, tables, rounding, closeAfter, clock, meters,
				TenantCalendars.UTC, credits);
	}

	/**
	 * A report service whose periods follow each scope's calendar and that applies prepaid credits.
	 * @param plans the tenants' plans (and their history: a period with a change is billed in parts)
	 * @param pricing the plans' prices
	 * @param usage reads usage of meters without a definition
	 * @param dataSource the kit's DataSource
	 * @param dialect supplies the dialect (called once, on first use)
	 * @param tables the table names
	 * @param rounding how line amounts are rounded to the currency's scale
	 * @param closeAfter how long after its end a period closes
	 * @param clock the clock
	 * @param meters the meter definitions in force (asked on every report)
	 * @param calendars each scope's calendar
	 * @param credits the credits applied per meter and period
	 */
	public BillingReportService(TenantPlans plans, PlanPricingSource pricing, UsageReader usage, DataSource dataSource,
			Supplier<LedgerDatabase> dialect, MeteringTables tables, RoundingMode rounding, Duration closeAfter,
			Clock clock, Supplier<MeterDefinitions> meters, TenantCalendars calendars, BillingCredits credits) {
		this(plans, pricing, usage, dataSource, dialect, tables, rounding, closeAfter, clock, meters, calendars,
				credits, MoneyCredits.NONE);
	}

	/**
	 * A report service that applies prepaid credits in units, then in money: money grants pay
	 * the lines' amounts after the unit grants ({@link BillingReport#amountDue()}).
	 * @param plans the tenants' plans (and their history: a period with a change is billed in parts)
	 * @param pricing the plans' prices
	 * @param usage reads usage of meters without a definition
	 * @param dataSource the kit's DataSource
	 * @param dialect supplies the dialect (called once, on first use)
	 * @param tables the table names
	 * @param rounding how line amounts are rounded to the currency's scale
	 * @param closeAfter how long after its end a period closes
	 * @param clock the clock
	 * @param meters the meter definitions in force (asked on every report)
	 * @param calendars each scope's calendar
	 * @param credits the credits in units applied per meter and period
	 * @param money the credits in money applied to a period's charges
	 */
	public BillingReportService(TenantPlans plans, PlanPricingSource pricing, UsageReader usage, DataSource dataSource,
			Supplier<LedgerDatabase> dialect, MeteringTables tables, RoundingMode rounding, Duration closeAfter,
			Clock clock, Supplier<MeterDefinitions> meters, TenantCalendars calendars, BillingCredits credits,
			MoneyCredits money) {
		this.calendars = calendars;
		this.credits = credits;
		this.money = money;
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
		this.adjustments = new ClosedPeriodAdjustments(this.jdbc, this.dialect, tables.prefix(), usage, calendars);
	}

	/**
	 * The report of a billing scope for a period, with the money credits its money grants pay.
	 * @param billingScope the paying tenant
	 * @param period the period
	 * @return the report
	 * @throws BillingException when the scope has no priced plan
	 */
	public BillingReport report(String billingScope, BillingPeriod period) {
		BillingReport charges = charges(billingScope, period);
		List<BillingReport.MoneyCredit> paid = this.money.applied(billingScope, charges, periodCharges(billingScope));
		return paid.isEmpty() ? charges : charges.withMoneyCredits(paid);
	}

	/**
	 * A scope's periods and their reports before money credits: what money grants pay from.
	 * @param billingScope the paying tenant
	 * @return its periods and charges
	 */
	public MoneyCredits.PeriodCharges periodCharges(String billingScope) {
		return new MoneyCredits.PeriodCharges() {

			@Override
			public BillingPeriod periodOf(Instant at) {
				return BillingReportService.this.periodOf(billingScope, at);
			}

			@Override
			public BillingReport charges(BillingPeriod period) {
				return BillingReportService.this.charges(billingScope, period);
			}

		};
	}

	/** The report before money credits. */
	private BillingReport charges(String billingScope, BillingPeriod period) {
		List<PlanParts.Span> spans = PlanParts.of(period, this.plans.planHistory(billingScope),
				this.plans.planOf(billingScope).orElse(null));
		if (spans.size() > 1) {
			return reportInParts(billingScope, period, spans);
		}
		// A tenant the configuration does not list is still metered: what it lacks is a plan.
		String plan = spans.get(0).plan();
		if (plan == null) {
			throw new BillingException("tenant_id", Reason.NOT_PRICED, "tenant '" + billingScope + "' has no plan");
		}
		return report(billingScope, pricesOf(billingScope, plan), period);
	}

	/**
	 * The billing period of a scope that contains an instant, in the scope's calendar: the seam
	 * every "which period" question goes through (reports, closing).
	 * @param billingScope the paying tenant
	 * @param at the instant
	 * @return the period, from its anchor day's local midnight
	 */
	public BillingPeriod periodOf(String billingScope, Instant at) {
		return BillingPeriod.of(this.calendars.calendarOf(billingScope).period(at));
	}

	/**
	 * The billing period of a scope that starts in a month (on its anchor day, clamped).
	 * @param billingScope the paying tenant
	 * @param month the month
	 * @return the period
	 */
	public BillingPeriod period(String billingScope, YearMonth month) {
		return BillingPeriod.of(this.calendars.calendarOf(billingScope).periodStartingIn(month));
	}

	private PlanPricing pricesOf(String billingScope, String plan) {
		return this.pricing.pricingOf(plan)
			.orElseThrow(() -> new BillingException("tenant_id", Reason.NOT_PRICED,
					"plan '" + plan + "' of tenant '" + billingScope + "' has no prices (metering.billing.plans)"));
	}

	/**
	 * A period whose plan changed: each part at its own plan. Usage counts in the part its events
	 * occurred in; the base fee and every price's included quantity are prorated by the part's
	 * share of the period's time (billed in arrears, as Lago does); tiers apply to each part's
	 * billable quantity as they are. A part before the scope's first plan is not billed.
	 */
	private BillingReport reportInParts(String billingScope, BillingPeriod period, List<PlanParts.Span> spans) {
		BigDecimal length = BigDecimal.valueOf(Duration.between(period.from(), period.to()).toSeconds());
		List<BillingReport.Line> lines = new ArrayList<>();
		List<BillingReport.Part> parts = new ArrayList<>();
		List<ClosedPeriodAdjustments.Moved> moved = this.adjustments.moved(billingScope, period);
		PlanPricing last = null;
		BigDecimal baseFee = BigDecimal.ZERO;
		BigDecimal subtotal = BigDecimal.ZERO;
		for (PlanParts.Span span : spans) {
			if (span.plan() == null) {
				continue;
			}
			PlanPricing prices = pricesOf(billingScope, span.plan());
			if (last != null && !last.currency().equals(prices.currency())) {
				throw new BillingException("tenant_id", Reason.INVALID, "plans '" + last.plan() + "' and '"
						+ prices.plan() + "' of one period bill in different currencies");
			}
			last = prices;
			BigDecimal share = BigDecimal.valueOf(Duration.between(span.period().from(), span.period().to()).toSeconds());
			BigDecimal fee = prices.baseFee().multiply(share).divide(length, prices.scale(), this.rounding);
			BillingReport.Part part = new BillingReport.Part(prices.plan(), span.period(), fee);
			parts.add(part);
			baseFee = baseFee.add(fee);
			for (MeterPrice price : prices.prices()) {
				MeterPrice prorated = new MeterPrice(price.meter(),
						price.included().multiply(share).divide(length, 9, this.rounding), price.model(),
						price.unitPrice(), price.packageSize(), price.tiers(), price.filter());
				BillingReport.Line line = creditedLine(billingScope, prorated,
						partQuantity(billingScope, price, span.period(), moved), span.period(), prices.scale(), part);
				lines.add(line);
				subtotal = subtotal.add(line.charge().amount());
			}
		}
		if (last == null) {
			throw new BillingException("tenant_id", Reason.NOT_PRICED, "tenant '" + billingScope + "' has no plan");
		}
		// Adjustment lines of closed periods are priced at the plan in force at the period's end.
		List<BillingReport.Adjustment> adjusted = new ArrayList<>();
		for (MeterPrice price : last.prices()) {
			if (!moved.isEmpty() && this.meters.get().find(price.meter()) == null) {
				for (BillingReport.Adjustment adjustment : this.adjustments.of(billingScope, price, period, moved,
						last.scale(), this.rounding)) {
					adjusted.add(adjustment);
					subtotal = subtotal.add(adjustment.amount());
				}
			}
		}
		Instant closesAt = period.to().plus(this.closeAfter);
		return new BillingReport(billingScope, last.plan(), last.currency(), period, lines, baseFee,
				subtotal.add(baseFee), attributedTenants(billingScope, period), !this.clock.instant().isBefore(closesAt),
				closesAt, parts, adjusted);
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
		List<BillingReport.Adjustment> adjusted = new ArrayList<>();
		BigDecimal subtotal = prices.baseFee().setScale(prices.scale(), this.rounding);
		List<ClosedPeriodAdjustments.Moved> moved = this.adjustments.moved(billingScope, period);
		for (MeterPrice price : prices.prices()) {
			BigDecimal quantity = partQuantity(billingScope, price, period, moved);
			if (!moved.isEmpty() && this.meters.get().find(price.meter()) == null) {
				for (BillingReport.Adjustment adjustment : this.adjustments.of(billingScope, price, period, moved,
						prices.scale(), this.rounding)) {
					adjusted.add(adjustment);
					subtotal = subtotal.add(adjustment.amount());
				}
			}
			BillingReport.Line line = creditedLine(billingScope, price, quantity, period, prices.scale(), null);
			lines.add(line);
			MeterPrice.Charge charge = line.charge();
			subtotal = subtotal.add(charge.amount());
		}
		Instant closesAt = period.to().plus(this.closeAfter);
		return new BillingReport(billingScope, prices.plan(), prices.currency(), period, lines,
				prices.baseFee().setScale(prices.scale(), this.rounding), subtotal,
				attributedTenants(billingScope, period), !this.clock.instant().isBefore(closesAt), closesAt, List.of(),
				adjusted);
	}

	/**
	 * A line of a price over a period (or a part of one): prepaid credits cover a meter's whole
	 * usage, not a filtered part of it, and what they cover is not priced.
	 */
	private BillingReport.Line creditedLine(String billingScope, MeterPrice price, BigDecimal quantity,
			BillingPeriod period, int scale, BillingReport.@Nullable Part part) {
		BigDecimal credited = price.filter().isEmpty()
				? this.credits.creditsApplied(billingScope, price.meter(), period.from(), period.to())
					.max(BigDecimal.ZERO)
					.min(quantity.max(BigDecimal.ZERO))
				: BigDecimal.ZERO;
		MeterPrice.Charge priced = price.charge(quantity.subtract(credited), scale, this.rounding);
		MeterPrice.Charge charge = new MeterPrice.Charge(quantity, priced.included(), priced.billable(),
				priced.amount());
		return new BillingReport.Line(price, charge, part, credited);
	}

	/**
	 * The quantity a price bills in a period (or a part of one): corrections made in it to events
	 * of closed periods are left out, since their adjustment lines bill them.
	 */
	private BigDecimal partQuantity(String billingScope, MeterPrice price, BillingPeriod period,
			List<ClosedPeriodAdjustments.Moved> moved) {
		BigDecimal quantity = quantity(billingScope, price, period);
		if (moved.isEmpty() || this.meters.get().find(price.meter()) != null) {
			return quantity;
		}
		return quantity.subtract(ClosedPeriodAdjustments.madeIn(moved, price.meter(), period));
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
