package dev.metering.grant;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;

import dev.metering.billing.BillingException;
import dev.metering.billing.BillingPeriod;
import dev.metering.billing.BillingReport;
import dev.metering.billing.BillingReportService;
import dev.metering.billing.MoneyCredits;

import org.jspecify.annotations.Nullable;

/**
 * Money grants (prepaid credits in a currency, like Lago's wallets): they pay a billing period's
 * priced charges, after the grants of units, and admit no usage.
 * <p>
 * A period's charges are its lines' amounts (after unit credits; the base fee and adjustment
 * lines are not paid). They are paid by the money grants of the paying tenant in the report's
 * currency that are usable at the period's last instant, or now for the period in progress:
 * lowest priority number first, then the earliest end, then the earliest start; each grant pays
 * the lines of the meters it lists (or all), in the plan's order, until it has nothing left.
 * Periods are paid in order from the one the first money grant starts in, so what a grant has
 * left for a period is its amount less what the earlier periods took. Nothing is stored: the
 * burn-down is worked out again from the reports, which are worked out from the ledger.
 */
public class MoneyGrants implements MoneyCredits {

	/** The most periods paid before the one asked for (a guard against a grant backdated decades). */
	static final int MAX_PERIODS = 240;

	private final GrantService grants;

	private final Supplier<@Nullable BillingReportService> reports;

	/**
	 * Creates the money grants.
	 * @param grants the grant service (its store and clock)
	 * @param reports the report service, asked for the charges of a tenant's periods when a
	 * balance is read (a supplier: the report service applies these credits in turn); it gives
	 * {@code null} without prices, when no grant pays anything
	 */
	public MoneyGrants(GrantService grants, Supplier<@Nullable BillingReportService> reports) {
		this.grants = grants;
		this.reports = reports;
	}

	@Override
	public List<BillingReport.MoneyCredit> applied(String billingScope, BillingReport charges, PeriodCharges periods) {
		List<Grant> money = moneyGrantsOf(billingScope);
		if (money.isEmpty()) {
			return List.of();
		}
		Map<String, BigDecimal> used = paidBefore(money, periods, charges.period().from());
		return pay(money, used, charges, usableAt(charges.period(), now()));
	}

	/**
	 * A tenant's money balances now, per currency: what its money grants have left after paying
	 * every period's charges so far, this period's included.
	 * @param tenant the tenant (the paying one: money grants pay its bills)
	 * @return one per currency it has money grants in; empty without any
	 */
	public List<MoneyBalance> balancesOf(String tenant) {
		List<Grant> money = moneyGrantsOf(tenant);
		if (money.isEmpty()) {
			return List.of();
		}
		Instant now = now();
		BillingReportService service = this.reports.get();
		Map<String, BigDecimal> used = new HashMap<>();
		if (service != null) {
			PeriodCharges periods = service.periodCharges(tenant);
			BillingPeriod current = periods.periodOf(now);
			used = paidBefore(money, periods, current.from());
			BillingReport report = charges(periods, current);
			if (report != null) {
				pay(money, used, report, now);
			}
		}
		Map<String, List<GrantBalance>> byCurrency = new TreeMap<>();
		Map<String, BigDecimal> balances = new HashMap<>();
		for (Grant grant : money) {
			BigDecimal spent = used.getOrDefault(grant.id(), BigDecimal.ZERO);
			BigDecimal remaining = grant.amount().subtract(spent);
			byCurrency.computeIfAbsent(grant.currency(), (c) -> new ArrayList<>())
				.add(new GrantBalance(grant, spent, remaining, state(grant, remaining, now)));
			BigDecimal usable = grant.usableAt(now) ? remaining : BigDecimal.ZERO;
			balances.merge(grant.currency(), usable, BigDecimal::add);
		}
		List<MoneyBalance> result = new ArrayList<>();
		byCurrency.forEach((currency, each) -> result.add(new MoneyBalance(currency, balances.get(currency), each)));
		return result;
	}

	/**
	 * What a money grant had left at its end: its amount less what it paid of the billing periods
	 * that ended by then (a grant pays a period when it is usable at the period's last instant,
	 * so no later period takes anything of it). What a recurring grant rolls over.
	 * @param grant a money grant with an end
	 * @return what it had left, zero or more
	 */
	public BigDecimal leftAtEnd(Grant grant) {
		Instant end = grant.endsAt();
		BillingReportService service = this.reports.get();
		if (!grant.isMoney() || end == null || service == null) {
			return grant.isMoney() ? grant.amount() : BigDecimal.ZERO;
		}
		List<Grant> money = moneyGrantsOf(grant.tenantId());
		Map<String, BigDecimal> used = paidBefore(money, service.periodCharges(grant.tenantId()), end);
		return grant.amount().subtract(used.getOrDefault(grant.id(), BigDecimal.ZERO)).max(BigDecimal.ZERO);
	}

	/**
	 * What each money grant paid in the periods that end by {@code before}, from the one the
	 * earliest grant starts in.
	 */
	private Map<String, BigDecimal> paidBefore(List<Grant> money, PeriodCharges periods, Instant before) {
		Map<String, BigDecimal> used = new HashMap<>();
		Instant first = money.stream().map(Grant::effectiveAt).min(Comparator.naturalOrder()).orElseThrow();
		Instant now = now();
		BillingPeriod period = periods.periodOf(first);
		for (int i = 0; i < MAX_PERIODS && !period.to().isAfter(before); i++) {
			BillingReport report = charges(periods, period);
			if (report != null) {
				pay(money, used, report, usableAt(period, now));
			}
			period = periods.periodOf(period.to());
		}
		return used;
	}

	/** Pays a period's lines from the grants usable at {@code at}; adds what each paid to {@code used}. */
	private static List<BillingReport.MoneyCredit> pay(List<Grant> money, Map<String, BigDecimal> used,
			BillingReport report, Instant at) {
		String currency = report.currency().getCurrencyCode();
		List<BillingReport.Line> lines = report.lines();
		BigDecimal[] left = new BigDecimal[lines.size()];
		for (int i = 0; i < left.length; i++) {
			left[i] = lines.get(i).charge().amount().max(BigDecimal.ZERO);
		}
		List<BillingReport.MoneyCredit> credits = new ArrayList<>();
		List<Grant> ordered = money.stream()
			.filter((grant) -> currency.equals(grant.currency()) && grant.usableAt(at))
			.sorted(GrantBurnDown.BURN_ORDER)
			.toList();
		for (Grant grant : ordered) {
			BigDecimal remaining = grant.amount().subtract(used.getOrDefault(grant.id(), BigDecimal.ZERO));
			for (int i = 0; i < left.length && remaining.signum() > 0; i++) {
				BillingReport.Line line = lines.get(i);
				if (left[i].signum() <= 0 || !grant.pays(line.meter())) {
					continue;
				}
				// At the line's scale (the currency's): a grant's amount has at most its decimals.
				BigDecimal take = remaining.min(left[i]).setScale(line.charge().amount().scale(), RoundingMode.UNNECESSARY);
				left[i] = left[i].subtract(take);
				remaining = remaining.subtract(take);
				used.merge(grant.id(), take, BigDecimal::add);
				credits.add(new BillingReport.MoneyCredit(grant.id(), i, line.meter(), take));
			}
		}
		return credits;
	}

	/** A period's charges; {@code null} when the tenant had no priced plan then (nothing to pay). */
	private static @Nullable BillingReport charges(PeriodCharges periods, BillingPeriod period) {
		try {
			return periods.charges(period);
		}
		catch (BillingException ex) {
			return null;
		}
	}

	/** The instant grants must be usable at to pay a period: its last, or now while it runs. */
	private static Instant usableAt(BillingPeriod period, Instant now) {
		Instant last = period.to().minusMillis(1);
		return now.isBefore(last) ? now : last;
	}

	private List<Grant> moneyGrantsOf(String tenant) {
		return this.grants.grantsOf(tenant).stream().filter(Grant::isMoney).toList();
	}

	private Instant now() {
		Clock clock = this.grants.clock();
		return clock.instant();
	}

	private static String state(Grant grant, BigDecimal remaining, Instant now) {
		return GrantService.state(grant, remaining, now);
	}

}
