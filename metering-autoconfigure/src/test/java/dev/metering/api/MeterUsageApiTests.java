package dev.metering.api;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

import javax.sql.DataSource;

import com.jayway.jsonpath.JsonPath;
import dev.metering.autoconfigure.MeteringApiAutoConfiguration;
import dev.metering.autoconfigure.MeteringBillingAutoConfiguration;
import dev.metering.autoconfigure.MeteringLedgerAutoConfiguration;
import dev.metering.autoconfigure.MeteringQuotaAutoConfiguration;
import dev.metering.autoconfigure.MeteringRollupAutoConfiguration;
import dev.metering.autoconfigure.MeteringTenantAutoConfiguration;
import dev.metering.event.UsageEvent;
import dev.metering.event.UsagePayload;
import dev.metering.ledger.JdbcUsageEventStore;
import dev.metering.meter.MeterDefinitions;
import dev.metering.meter.MeterEvents;
import dev.metering.rollup.RollupJob;
import dev.metering.test.TestDatabase;
import dev.metering.test.TestSchema;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.http.converter.autoconfigure.HttpMessageConvertersAutoConfiguration;
import org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.webmvc.autoconfigure.WebMvcAutoConfiguration;
import org.springframework.http.MediaType;
import org.springframework.jdbc.datasource.DelegatingDataSource;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.setup.MockMvcBuilders;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

/**
 * The usage API and the billing report over defined meters, on every database, against SQL over
 * the ledger: {@code group_by=model} answers each model's sum, {@code filter[model]} one model's,
 * a gauge its maximum; a price per model makes one report line per model (JSON and CSV), a gauge
 * priced per unit bills the month's maximum, a seats meter the month's distinct users. Unknown
 * dimensions are refused naming the parameter, and prices filtering by one stop the start-up
 * naming the property.
 */
class MeterUsageApiTests {

	private static final String KEY = "s3cret-key";

	private static final YearMonth MONTH = YearMonth.now(ZoneOffset.UTC).minusMonths(1);

	private static final Instant START = MONTH.atDay(1).atStartOfDay().toInstant(ZoneOffset.UTC);

	private static final String[] METERS = { "metering.meters[0].name=llm.tokens",
			"metering.meters[0].event-type=llm.completion", "metering.meters[0].value=/usage/total_tokens",
			"metering.meters[0].group-by.model=/model", "metering.meters[1].name=storage.gb",
			"metering.meters[1].aggregation=max", "metering.meters[1].event-type=storage.sample",
			"metering.meters[1].value=/gb", "metering.meters[2].name=seats",
			"metering.meters[2].aggregation=unique-count", "metering.meters[2].event-type=llm.completion",
			"metering.meters[2].value=/user" };

	private static final String[] PRICES = { "metering.tenants.acme.plan=pro",
			"metering.plans.pro.quotas[0].meter=api.calls", "metering.plans.pro.quotas[0].limit=1000",
			"metering.plans.pro.quotas[0].window=month", "metering.billing.plans.pro.currency=EUR",
			"metering.billing.plans.pro.prices[0].meter=llm.tokens",
			"metering.billing.plans.pro.prices[0].filter.model=a",
			"metering.billing.plans.pro.prices[0].unit-price=0.002",
			"metering.billing.plans.pro.prices[1].meter=llm.tokens",
			"metering.billing.plans.pro.prices[1].filter.model=b",
			"metering.billing.plans.pro.prices[1].unit-price=0.0005",
			"metering.billing.plans.pro.prices[2].meter=storage.gb",
			"metering.billing.plans.pro.prices[2].unit-price=0.10", "metering.billing.plans.pro.prices[3].meter=seats",
			"metering.billing.plans.pro.prices[3].included=2", "metering.billing.plans.pro.prices[3].unit-price=8" };

	@ParameterizedTest
	@EnumSource(TestDatabase.class)
	void groupByFilterAndPricesPerModelEqualTheLedger(TestDatabase database) throws Exception {
		try (TestSchema schema = database.newSchema()) {
			runner(schema).withPropertyValues(PRICES).run((context) -> {
				assertThat(context).hasNotFailed();
				write(schema, context.getBean(MeterDefinitions.class), context.getBean(RollupJob.class));
				MockMvc mvc = MockMvcBuilders.webAppContextSetup(context).build();
				String month = "period=" + MONTH;

				String grouped = mvc.perform(get("/api/usage/acme/llm.tokens?granularity=month&group_by=model&" + month)
					.header("X-Api-Key", KEY)).andExpect(status().isOk())
					.andExpect(jsonPath("$.aggregation").value("sum"))
					.andExpect(jsonPath("$.group_by[0]").value("model"))
					.andReturn().getResponse().getContentAsString();
				List<Map<String, Object>> groups = JsonPath.read(grouped, "$.groups");
				assertThat(groups).hasSize(3);
				for (Map<String, Object> group : groups) {
					String model = ((Map<?, ?>) group.get("group")).get("model").toString();
					assertThat(new BigDecimal(group.get("total").toString())).as(model)
						.isEqualByComparingTo(ledger(schema, "SUM(quantity)", "llm.tokens", model));
				}
				assertThat(new BigDecimal(JsonPath.read(grouped, "$.total").toString()))
					.isEqualByComparingTo(ledger(schema, "SUM(quantity)", "llm.tokens", null));

				String filtered = mvc.perform(get("/api/usage/acme/llm.tokens?granularity=day&filter[model]=b&" + month)
					.header("X-Api-Key", KEY)).andExpect(status().isOk())
					.andReturn().getResponse().getContentAsString();
				assertThat(new BigDecimal(JsonPath.read(filtered, "$.total").toString()))
					.isEqualByComparingTo(ledger(schema, "SUM(quantity)", "llm.tokens", "b"));
				assertThat(JsonPath.<List<?>>read(filtered, "$.groups")).isEmpty();

				String gauge = mvc.perform(get("/api/usage/acme/storage.gb?granularity=month&" + month)
					.header("X-Api-Key", KEY)).andExpect(status().isOk())
					.andExpect(jsonPath("$.aggregation").value("max"))
					.andReturn().getResponse().getContentAsString();
				BigDecimal max = ledger(schema, "MAX(quantity)", "storage.gb", null);
				assertThat(new BigDecimal(JsonPath.read(gauge, "$.total").toString())).isEqualByComparingTo(max);

				String seatsJson = mvc.perform(get("/api/usage/acme/seats?granularity=month&" + month)
					.header("X-Api-Key", KEY)).andExpect(status().isOk())
					.andReturn().getResponse().getContentAsString();
				long seats = distinctUsers(schema);
				assertThat(new BigDecimal(JsonPath.read(seatsJson, "$.total").toString())).isEqualByComparingTo(
						BigDecimal.valueOf(seats));

				String report = mvc.perform(post("/api/billing-report").header("X-Api-Key", KEY)
					.contentType(MediaType.APPLICATION_JSON)
					.content("{\"tenant_id\":\"acme\",\"period\":\"" + MONTH + "\"}"))
					.andExpect(status().isOk())
					.andExpect(jsonPath("$.lines.length()").value(4))
					.andExpect(jsonPath("$.lines[0].filter.model").value("a"))
					.andExpect(jsonPath("$.lines[1].filter.model").value("b"))
					.andExpect(jsonPath("$.lines[2].filter").doesNotExist())
					.andReturn().getResponse().getContentAsString();
				BigDecimal tokensA = ledger(schema, "SUM(quantity)", "llm.tokens", "a");
				BigDecimal tokensB = ledger(schema, "SUM(quantity)", "llm.tokens", "b");
				assertThat(new BigDecimal(JsonPath.read(report, "$.lines[0].quantity").toString()))
					.isEqualByComparingTo(tokensA);
				assertThat(JsonPath.<String>read(report, "$.lines[0].amount"))
					.isEqualTo(euros(tokensA.multiply(new BigDecimal("0.002"))));
				assertThat(JsonPath.<String>read(report, "$.lines[1].amount"))
					.isEqualTo(euros(tokensB.multiply(new BigDecimal("0.0005"))));
				assertThat(new BigDecimal(JsonPath.read(report, "$.lines[2].quantity").toString()))
					.as("the gauge is billed at the month's maximum").isEqualByComparingTo(max);
				assertThat(JsonPath.<String>read(report, "$.lines[2].amount"))
					.isEqualTo(euros(max.multiply(new BigDecimal("0.10"))));
				assertThat(new BigDecimal(JsonPath.read(report, "$.lines[3].quantity").toString()))
					.as("seats are the month's distinct users").isEqualByComparingTo(BigDecimal.valueOf(seats));
				assertThat(JsonPath.<String>read(report, "$.lines[3].amount"))
					.isEqualTo(euros(BigDecimal.valueOf(Math.max(0, seats - 2) * 8L)));

				String csv = mvc.perform(post("/api/billing-report").header("X-Api-Key", KEY)
					.header("Accept", "text/csv")
					.contentType(MediaType.APPLICATION_JSON)
					.content("{\"tenant_id\":\"acme\",\"period\":\"" + MONTH + "\"}"))
					.andExpect(status().isOk())
					.andReturn().getResponse().getContentAsString();
				assertThat(csv).contains(",llm.tokens,model=a," + plain(tokensA) + ",0,")
					.contains(",llm.tokens,model=b," + plain(tokensB) + ",0,")
					.contains(",storage.gb,," + plain(max) + ",0,");
			});
		}
	}

	@Test
	void unknownDimensionsAreRefusedNamingTheParameter() throws Exception {
		try (TestSchema schema = TestDatabase.H2.newSchema()) {
			runner(schema).run((context) -> {
				MockMvc mvc = MockMvcBuilders.webAppContextSetup(context).build();
				for (String[] bad : new String[][] { { "llm.tokens?group_by=region", "group_by" },
						{ "llm.tokens?group_by=model,model", "group_by" },
						{ "llm.tokens?filter[region]=eu", "filter[region]" },
						{ "llm.tokens?filter[model=a", "filter[model" }, { "llm.tokens?filter=a", "filter" },
						{ "llm.tokens?filter[model]=", "filter[model]" },
						{ "api.calls?group_by=model", "group_by" }, { "api.calls?filter[model]=a", "filter[model]" } }) {
					mvc.perform(get("/api/usage/acme/" + bad[0]).header("X-Api-Key", KEY))
						.andExpect(status().isBadRequest())
						.andExpect(jsonPath("$.field").value(bad[1]));
				}
			});
		}
	}

	@Test
	void aPriceFilteringByWhatTheMeterDoesNotHaveStopsTheStartNamingTheProperty() throws Exception {
		try (TestSchema schema = TestDatabase.H2.newSchema()) {
			runner(schema).withPropertyValues("metering.billing.plans.pro.currency=EUR",
					"metering.billing.plans.pro.prices[0].meter=llm.tokens",
					"metering.billing.plans.pro.prices[0].filter.region=eu",
					"metering.billing.plans.pro.prices[0].unit-price=1")
				.run((context) -> assertThat(context).getFailure()
					.hasStackTraceContaining("metering.billing.plans.pro.prices[0].filter.region"));
			runner(schema).withPropertyValues("metering.billing.plans.pro.currency=EUR",
					"metering.billing.plans.pro.prices[0].meter=api.calls",
					"metering.billing.plans.pro.prices[0].filter.model=a",
					"metering.billing.plans.pro.prices[0].unit-price=1")
				.run((context) -> assertThat(context).getFailure()
					.hasStackTraceContaining("metering.billing.plans.pro.prices[0].filter.model"));
			runner(schema).withPropertyValues("metering.billing.plans.pro.currency=EUR",
					"metering.billing.plans.pro.prices[0].meter=llm.tokens",
					"metering.billing.plans.pro.prices[0].filter.model=a",
					"metering.billing.plans.pro.prices[0].unit-price=1",
					"metering.billing.plans.pro.prices[1].meter=llm.tokens",
					"metering.billing.plans.pro.prices[1].filter.model=a",
					"metering.billing.plans.pro.prices[1].unit-price=2")
				.run((context) -> assertThat(context).getFailure()
					.hasStackTraceContaining("metering.billing.plans.pro"));
		}
	}

	/** Random completions and storage samples of the month, partly folded, partly not. */
	private static void write(TestSchema schema, MeterDefinitions definitions, RollupJob rollup) {
		JdbcUsageEventStore store = new JdbcUsageEventStore(schema.dataSource(), schema::dialect, schema.tables());
		MeterEvents events = new MeterEvents(definitions);
		ThreadLocalRandom random = ThreadLocalRandom.current();
		for (int batch = 0; batch < 6; batch++) {
			List<UsageEvent> written = new ArrayList<>();
			for (int i = 0; i < 40; i++) {
				Instant at = START.plus(random.nextInt(24 * 27), ChronoUnit.HOURS).plusSeconds(random.nextInt(3600));
				written.addAll(events.eventsOf(UsagePayload.builder("acme", "llm.completion")
					.data(Map.of("model", List.of("a", "b", "c").get(random.nextInt(3)), "user", "u-" + random.nextInt(9),
							"usage", Map.of("total_tokens", random.nextInt(1, 4000))))
					.occurredAt(at)
					.build()));
				written.addAll(events.eventsOf(UsagePayload.builder("acme", "storage.sample")
					.data(Map.of("gb", BigDecimal.valueOf(random.nextLong(1, 900_000), 3)))
					.occurredAt(at)
					.build()));
			}
			store.insert(written, Instant.now());
			if (batch == 3) {
				rollup.rollupNow();
			}
		}
	}

	private static BigDecimal ledger(TestSchema schema, String aggregate, String meter, String model) {
		String dimensions = (schema.database() == TestDatabase.POSTGRESQL) ? "CAST(dimensions AS TEXT)" : "dimensions";
		String separator = (schema.database() == TestDatabase.POSTGRESQL) ? ": " : ":";
		String sql = "SELECT " + aggregate + " FROM " + schema.tables().usageEvent() + " WHERE tenant_id = 'acme' "
				+ "AND meter = ?" + ((model != null) ? " AND " + dimensions + " LIKE ?" : "");
		Object[] args = (model != null) ? new Object[] { meter, "{\"model\"" + separator + "\"" + model + "\"%" }
				: new Object[] { meter };
		return schema.jdbc().queryForObject(sql, BigDecimal.class, args);
	}

	/** The distinct users: the seats meter's rows hold only the counted user in their dimensions. */
	private static long distinctUsers(TestSchema schema) {
		String dimensions = (schema.database() == TestDatabase.POSTGRESQL) ? "CAST(dimensions AS TEXT)" : "dimensions";
		Long count = schema.jdbc()
			.queryForObject("SELECT COUNT(DISTINCT " + dimensions + ") FROM " + schema.tables().usageEvent()
					+ " WHERE tenant_id = 'acme' AND meter = 'seats'", Long.class);
		return (count != null) ? count : 0;
	}

	private static String euros(BigDecimal amount) {
		return amount.setScale(2, RoundingMode.HALF_UP).toPlainString();
	}

	private static String plain(BigDecimal value) {
		return dev.metering.billing.BillingReportCsv.plain(value);
	}

	private static WebApplicationContextRunner runner(TestSchema schema) {
		return new WebApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(MeteringTenantAutoConfiguration.class,
					MeteringLedgerAutoConfiguration.class, MeteringRollupAutoConfiguration.class,
					MeteringQuotaAutoConfiguration.class, MeteringBillingAutoConfiguration.class,
					MeteringApiAutoConfiguration.class, JacksonAutoConfiguration.class,
					HttpMessageConvertersAutoConfiguration.class, WebMvcAutoConfiguration.class))
			.withBean(DataSource.class, () -> new DelegatingDataSource(schema.dataSource()))
			.withPropertyValues("metering.jdbc.table-prefix=" + schema.prefix(), "metering.jdbc.initialize-schema=never",
					"metering.jdbc.platform=" + schema.database().platform(), "metering.rollup.enabled=false",
					"metering.web.enabled=false", "metering.api.enabled=true", "metering.api.auth=api-key",
					"metering.api.api-key=" + KEY)
			.withPropertyValues(METERS);
	}

}
