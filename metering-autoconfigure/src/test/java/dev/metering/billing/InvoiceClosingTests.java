package dev.metering.billing;

import java.math.BigDecimal;
import java.time.Clock;
import java.time.Instant;
import java.time.YearMonth;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariDataSource;
import dev.metering.admin.MeteringAdmin;
import dev.metering.admin.TenantChange;
import dev.metering.autoconfigure.MeteringAdminAutoConfiguration;
import dev.metering.autoconfigure.MeteringBillingAutoConfiguration;
import dev.metering.autoconfigure.MeteringLedgerAutoConfiguration;
import dev.metering.autoconfigure.MeteringQuotaAutoConfiguration;
import dev.metering.autoconfigure.MeteringRollupAutoConfiguration;
import dev.metering.event.UsageEvent;
import dev.metering.ledger.JdbcUsageEventStore;
import dev.metering.rollup.RollupJob;
import dev.metering.test.MutableClock;
import dev.metering.test.TestDatabase;
import dev.metering.test.TestSchema;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.ApplicationListener;
import org.springframework.jdbc.datasource.DelegatingDataSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Closed periods become invoices (on H2, PostgreSQL and MariaDB): the invoice is the report at
 * close, stored as rendered, so a later plan change (at runtime) or price change (a redeploy with
 * other prices) leaves its JSON and CSV byte for byte as they were; two instances closing the same
 * periods at once make one invoice and one number per period, the numbers without gaps.
 */
class InvoiceClosingTests {

	private static final BillingPeriod NOVEMBER = BillingPeriod.month(YearMonth.of(2026, 11));

	private static final BillingPeriod DECEMBER = BillingPeriod.month(YearMonth.of(2026, 12));

	/** November closes 35 days after its end: on 5 January. */
	private static final Instant NOVEMBER_CLOSED = Instant.parse("2027-01-05T00:00:00Z");

	private static final Instant DECEMBER_CLOSED = Instant.parse("2027-02-05T00:00:00Z");

	private static final JsonMapper JSON = JsonMapper.builder().build();

	@ParameterizedTest
	@EnumSource(TestDatabase.class)
	void theInvoiceIsTheReportAtCloseAndLaterPlanAndPriceChangesLeaveItUnchanged(TestDatabase database) {
		try (TestSchema schema = database.newSchema()) {
			Random random = new Random(28 + database.ordinal());
			List<String> tenants = List.of("acme", "globex", "initech");
			record(schema, tenants, NOVEMBER, 300, random);
			record(schema, tenants, DECEMBER, 100, random);
			MutableClock clock = new MutableClock(NOVEMBER_CLOSED.minusSeconds(1));
			Map<String, String> jsonAtClose = new HashMap<>();
			Map<String, String> csvAtClose = new HashMap<>();
			runner(schema, schema.dataSource(), clock).run((context) -> {
				// Part folded, part not: the report reads both, and so does the invoice.
				context.getBean(RollupJob.class).rollupNow();
				record(schema, tenants, NOVEMBER, 50, random);
				InvoiceCloser closer = context.getBean(InvoiceCloser.class);
				InvoiceStore store = context.getBean(InvoiceStore.class);
				BillingReportService reports = context.getBean(BillingReportService.class);
				assertThat(closer.closeDue()).as("a second before November closes").isEmpty();

				// Nanoseconds no timestamp column keeps: the invoice read back is still the one returned.
				clock.set(NOVEMBER_CLOSED.plusNanos(123_456_789));
				Map<String, BillingReport> atClose = new LinkedHashMap<>();
				tenants.forEach((tenant) -> atClose.put(tenant, reports.report(tenant, NOVEMBER)));
				List<Invoice> finalized = closer.closeDue();
				assertThat(finalized).extracting(Invoice::number).containsExactly("INV-000001", "INV-000002", "INV-000003");
				assertThat(finalized).extracting(Invoice::billingScope).containsExactlyElementsOf(tenants);
				assertThat(context.getBean(FinalizedEvents.class).invoices).containsExactlyElementsOf(finalized);
				for (Invoice invoice : finalized) {
					BillingReport report = atClose.get(invoice.billingScope());
					assertThat(report.closed()).isTrue();
					assertThat(invoice.period()).isEqualTo(NOVEMBER);
					assertThat(invoice.plan()).isEqualTo("pro");
					assertThat(invoice.subtotal()).isEqualTo(report.subtotal());
					assertThat(store.find(invoice.billingScope(), invoice.number())).contains(invoice);
					String csv = store.document(invoice.billingScope(), invoice.number(), Invoice.Format.CSV).orElseThrow();
					assertThat(csv).isEqualTo(BillingReportCsv.write(report));
					String json = store.document(invoice.billingScope(), invoice.number(), Invoice.Format.JSON)
						.orElseThrow();
					assertSameAsReport(JSON.readTree(json), report, invoice);
					jsonAtClose.put(invoice.number(), json);
					csvAtClose.put(invoice.number(), csv);
				}
				assertThat(closer.closeDue()).as("closed once").isEmpty();
				assertThat(store.invoicesOf("acme")).containsExactly(finalized.get(0));
				assertThat(store.document("globex", "INV-000001", Invoice.Format.JSON)).as("acme's, not globex's")
					.isEmpty();

				// The plan changes at runtime, backdated to November's start (a change takes effect from
				// its effective instant): the report of November changes, its invoice does not.
				context.getBean(MeteringAdmin.class)
					.putTenant("finance", "acme",
							new TenantChange("business", null, null, null, null, null, null, NOVEMBER.from()));
				assertThat(reports.report("acme", NOVEMBER).plan()).isEqualTo("business");
				assertThat(reports.report("acme", NOVEMBER).subtotal()).isNotEqualTo(finalized.get(0).subtotal());
				assertDocumentsUnchanged(store, finalized, jsonAtClose, csvAtClose);
			});

			// The prices change (a redeploy with other prices), over the same tables.
			runner(schema, schema.dataSource(), clock, "metering.billing.plans.pro.base-fee=99",
					"metering.billing.plans.pro.prices[0].unit-price=0.07").run((context) -> {
				InvoiceStore store = context.getBean(InvoiceStore.class);
				BillingReportService reports = context.getBean(BillingReportService.class);
				assertThat(reports.report("globex", NOVEMBER).baseFee()).isEqualByComparingTo("99");
				assertThat(context.getBean(InvoiceCloser.class).closeDue()).isEmpty();
				List<Invoice> stored = tenants.stream().flatMap((tenant) -> store.invoicesOf(tenant).stream()).toList();
				assertThat(stored).extracting(Invoice::plan).containsOnly("pro");
				assertDocumentsUnchanged(store, stored, jsonAtClose, csvAtClose);

				// December closes later, continuing the numbers; November's stay as they were.
				clock.set(DECEMBER_CLOSED);
				assertThat(context.getBean(InvoiceCloser.class).closeDue()).extracting(Invoice::number)
					.containsExactly("INV-000004", "INV-000005", "INV-000006");
				assertThat(store.invoicesOf("acme")).extracting(Invoice::plan).containsExactly("pro", "business");
				assertDocumentsUnchanged(store, stored, jsonAtClose, csvAtClose);
			});
		}
	}

	@ParameterizedTest
	@EnumSource(TestDatabase.class)
	void twoInstancesClosingTheSamePeriodsAtOnceMakeOneInvoiceAndOneNumberEach(TestDatabase database)
			throws Exception {
		try (TestSchema schema = database.newSchema();
				HikariDataSource first = database.newDataSource(4);
				HikariDataSource second = database.newDataSource(4)) {
			Random random = new Random(2828 + database.ordinal());
			List<String> tenants = IntStream.range(0, 40).mapToObj((i) -> "tenant-" + i).toList();
			record(schema, tenants, NOVEMBER, 400, random);
			record(schema, tenants, DECEMBER, 400, random);
			MutableClock clock = new MutableClock(NOVEMBER_CLOSED);
			// Small batches, so the two instances' batches interleave on the sequence row.
			runner(schema, first, clock, "metering.billing.invoices.batch-size=3").run((one) -> runner(schema, second,
					clock, "metering.billing.invoices.batch-size=3").run((two) -> {
						one.getBean(RollupJob.class).rollupNow();
						List<InvoiceCloser> closers = List.of(one.getBean(InvoiceCloser.class),
								two.getBean(InvoiceCloser.class));
						Set<String> scopes = new TreeSet<>(tenants);
						List<Invoice> november = closeAtOnce(closers);
						assertOneInvoiceAndNumberEach(november, scopes, NOVEMBER, 1);
						clock.set(DECEMBER_CLOSED);
						List<Invoice> december = closeAtOnce(closers);
						assertOneInvoiceAndNumberEach(december, scopes, DECEMBER, 41);
						Long stored = schema.jdbc()
							.queryForObject("SELECT COUNT(*) FROM " + schema.tables().invoice(), Long.class);
						assertThat(stored).isEqualTo(80);
						List<Invoice> events = new ArrayList<>(one.getBean(FinalizedEvents.class).invoices);
						events.addAll(two.getBean(FinalizedEvents.class).invoices);
						assertThat(events).as("one event per invoice, on the instance that made it")
							.containsExactlyInAnyOrderElementsOf(concat(november, december));
					}));
		}
	}

	private static List<Invoice> closeAtOnce(List<InvoiceCloser> closers) throws Exception {
		CyclicBarrier start = new CyclicBarrier(closers.size());
		ExecutorService threads = Executors.newFixedThreadPool(closers.size());
		try {
			List<Future<List<Invoice>>> results = new ArrayList<>();
			for (InvoiceCloser closer : closers) {
				results.add(threads.submit(() -> {
					start.await();
					return closer.closeDue();
				}));
			}
			List<Invoice> all = new ArrayList<>();
			for (Future<List<Invoice>> result : results) {
				all.addAll(result.get(60, TimeUnit.SECONDS));
			}
			return all;
		}
		finally {
			threads.shutdownNow();
		}
	}

	private static void assertOneInvoiceAndNumberEach(List<Invoice> invoices, Set<String> scopes, BillingPeriod period,
			int firstNumber) {
		assertThat(invoices).extracting(Invoice::billingScope).containsExactlyInAnyOrderElementsOf(scopes);
		assertThat(invoices).extracting(Invoice::period).containsOnly(period);
		List<String> numbers = IntStream.range(firstNumber, firstNumber + scopes.size())
			.mapToObj((n) -> String.format("INV-%06d", n))
			.toList();
		assertThat(invoices).extracting(Invoice::number).containsExactlyInAnyOrderElementsOf(numbers);
	}

	private static void assertSameAsReport(JsonNode json, BillingReport report, Invoice invoice) {
		assertThat(json.get("invoice_number").stringValue()).isEqualTo(invoice.number());
		assertThat(json.get("tenant_id").stringValue()).isEqualTo(report.billingScope());
		assertThat(json.get("plan").stringValue()).isEqualTo(report.plan());
		assertThat(json.get("currency").stringValue()).isEqualTo(report.currency().getCurrencyCode());
		assertThat(json.get("period_start").stringValue()).isEqualTo(report.period().from().toString());
		assertThat(json.get("period_end").stringValue()).isEqualTo(report.period().to().toString());
		assertThat(json.get("base_fee").stringValue()).isEqualTo(report.baseFee().toPlainString());
		assertThat(json.get("subtotal").stringValue()).isEqualTo(report.subtotal().toPlainString());
		assertThat(json.get("lines")).hasSize(report.lines().size());
		for (int i = 0; i < report.lines().size(); i++) {
			BillingReport.Line line = report.lines().get(i);
			JsonNode written = json.get("lines").get(i);
			assertThat(written.get("metric").stringValue()).isEqualTo(line.meter());
			assertThat(written.get("quantity").decimalValue()).isEqualByComparingTo(line.charge().quantity());
			assertThat(written.get("billable").decimalValue()).isEqualByComparingTo(line.charge().billable());
			assertThat(written.get("amount").stringValue()).isEqualTo(line.charge().amount().toPlainString());
		}
		List<String> tenants = new ArrayList<>();
		json.get("tenants").forEach((tenant) -> tenants.add(tenant.stringValue()));
		assertThat(tenants).isEqualTo(report.tenants());
		assertThat(report.lines()).as("the load bills overage").anyMatch((l) -> l.charge().billable().signum() > 0);
	}

	private static void assertDocumentsUnchanged(InvoiceStore store, List<Invoice> invoices, Map<String, String> json,
			Map<String, String> csv) {
		for (Invoice invoice : invoices) {
			assertThat(store.document(invoice.billingScope(), invoice.number(), Invoice.Format.JSON))
				.contains(json.get(invoice.number()));
			assertThat(store.document(invoice.billingScope(), invoice.number(), Invoice.Format.CSV))
				.contains(csv.get(invoice.number()));
		}
	}

	private static void record(TestSchema schema, List<String> tenants, BillingPeriod period, int count, Random random) {
		List<UsageEvent> events = new ArrayList<>();
		long span = period.to().getEpochSecond() - period.from().getEpochSecond();
		for (int i = 0; i < count; i++) {
			events.add(UsageEvent.builder(tenants.get(random.nextInt(tenants.size())), "api.calls")
				.quantity(BigDecimal.valueOf(1 + random.nextInt(400)))
				.occurredAt(period.from().plusSeconds(random.nextLong(span)))
				.userId("user-" + random.nextInt(5))
				.build());
		}
		new JdbcUsageEventStore(schema.dataSource(), schema::dialect, schema.tables()).insert(events, period.to());
	}

	private static <T> List<T> concat(List<T> a, List<T> b) {
		List<T> all = new ArrayList<>(a);
		all.addAll(b);
		return all;
	}

	static ApplicationContextRunner runner(TestSchema schema, DataSource dataSource, Clock clock, String... properties) {
		return new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(MeteringLedgerAutoConfiguration.class,
					MeteringRollupAutoConfiguration.class, MeteringAdminAutoConfiguration.class,
					MeteringQuotaAutoConfiguration.class, MeteringBillingAutoConfiguration.class))
			.withBean(DataSource.class, () -> new DelegatingDataSource(dataSource))
			.withBean(Clock.class, () -> clock)
			.withBean(FinalizedEvents.class)
			.withPropertyValues("metering.jdbc.table-prefix=" + schema.prefix(), "metering.jdbc.initialize-schema=never",
					"metering.rollup.enabled=false", "metering.default-plan=pro",
					"metering.plans.pro.quotas[0].meter=api.calls", "metering.plans.pro.quotas[0].limit=100000000",
					"metering.plans.business.quotas[0].meter=api.calls",
					"metering.plans.business.quotas[0].limit=100000000", "metering.billing.plans.pro.currency=EUR",
					"metering.billing.plans.pro.base-fee=49", "metering.billing.plans.pro.prices[0].meter=api.calls",
					"metering.billing.plans.pro.prices[0].included=1000",
					"metering.billing.plans.pro.prices[0].unit-price=0.01",
					"metering.billing.plans.business.currency=EUR", "metering.billing.plans.business.base-fee=199",
					"metering.billing.plans.business.prices[0].meter=api.calls",
					"metering.billing.plans.business.prices[0].unit-price=0.005")
			.withPropertyValues(properties);
	}

	/** Collects the invoices finalized on one instance. */
	static class FinalizedEvents implements ApplicationListener<InvoiceFinalizedEvent> {

		final List<Invoice> invoices = new CopyOnWriteArrayList<>();

		@Override
		public void onApplicationEvent(InvoiceFinalizedEvent event) {
			this.invoices.add(event.getInvoice());
		}

	}

}
