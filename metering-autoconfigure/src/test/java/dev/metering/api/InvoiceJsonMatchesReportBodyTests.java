package dev.metering.api;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;
import java.util.Currency;
import java.util.List;
import java.util.Map;

import dev.metering.billing.BillingPeriod;
import dev.metering.billing.BillingReport;
import dev.metering.billing.InvoiceDocuments;
import dev.metering.billing.MeterPrice;
import dev.metering.billing.PriceTier;
import dev.metering.billing.PricingModel;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A finalized invoice's stored JSON (written by hand in {@code billing.InvoiceJson}) carries the
 * same fields with the same values as the usage API's report body of the same report (written
 * by the application's Jackson mapper from {@link ReportBody}), but for the invoice's own
 * {@code invoice_number} and {@code finalized_at} and the report's {@code closed} and
 * {@code closes_at}: a field added to one and not the other fails here.
 */
class InvoiceJsonMatchesReportBodyTests {

	private static final BillingPeriod MARCH = new BillingPeriod(Instant.parse("2026-03-01T00:00:00Z"),
			Instant.parse("2026-04-01T00:00:00Z"));

	private static final JsonMapper parser = JsonMapper.builder()
		.enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
		.build();

	@Test
	void aReportWithEveryFieldSetIsStoredWithTheReportBodysFieldsAndValues() {
		BillingReport.Part starter = new BillingReport.Part("starter", new BillingPeriod(MARCH.from(),
				Instant.parse("2026-03-11T00:00:00Z")), new BigDecimal("3.23"));
		BillingReport.Part pro = new BillingReport.Part("pro \"annual\"", new BillingPeriod(
				Instant.parse("2026-03-11T00:00:00Z"), MARCH.to()), new BigDecimal("64.52"));
		MeterPrice graduated = new MeterPrice("ai.tokens", new BigDecimal("1000"), PricingModel.GRADUATED, null, null,
				List.of(new PriceTier(new BigDecimal("10000"), new BigDecimal("0.002"), new BigDecimal("1.50")),
						new PriceTier(null, new BigDecimal("0.0015"), BigDecimal.ZERO)),
				Map.of("model", "gpt-4o\\mini"));
		MeterPrice packaged = new MeterPrice("api.calls", BigDecimal.ZERO, PricingModel.PACKAGE, new BigDecimal("5.00"),
				new BigDecimal("1000"), List.of());
		MeterPrice perUnit = MeterPrice.perUnit("storage.gb", new BigDecimal("10.5"), new BigDecimal("0.25"));
		List<BillingReport.Line> lines = List.of(
				new BillingReport.Line(graduated, graduated.charge(new BigDecimal("25000.5"), 2, RoundingMode.HALF_EVEN),
						pro, new BigDecimal("1200")),
				new BillingReport.Line(packaged, packaged.charge(new BigDecimal("2500"), 2, RoundingMode.HALF_EVEN),
						starter, BigDecimal.ZERO),
				new BillingReport.Line(perUnit, perUnit.charge(new BigDecimal("42.75"), 2, RoundingMode.HALF_EVEN),
						new BigDecimal("3.25")));
		List<BillingReport.Adjustment> adjustments = List.of(
				new BillingReport.Adjustment("ai.tokens", BillingPeriod.parseMonth("2026-02"), new BigDecimal("-120"),
						new BigDecimal("-0.24")),
				new BillingReport.Adjustment("storage.gb", BillingPeriod.parseMonth("2026-01"), new BigDecimal("2.5"),
						new BigDecimal("0.63")));
		BillingReport report = new BillingReport("acme\tcorp", "pro \"annual\"", Currency.getInstance("EUR"), MARCH, lines,
				new BigDecimal("67.75"), new BigDecimal("123.45"), List.of("acme\tcorp", "acme-eu", "acme\nlabs"), true,
				Instant.parse("2026-04-04T00:00:00Z"), List.of(starter, pro), adjustments);

		ObjectNode invoice = sameFieldsAsTheReportBody(report);
		// Every part of the report is there, so nothing above was compared away.
		assertThat(invoice.get("lines")).hasSize(3);
		assertThat(invoice.get("lines").get(0).get("tiers")).hasSize(2);
		assertThat(invoice.get("lines").get(0).get("filter").get("model").asString()).isEqualTo("gpt-4o\\mini");
		assertThat(invoice.get("lines").get(0).get("part_start").asString()).isEqualTo("2026-03-11T00:00:00Z");
		assertThat(invoice.get("lines").get(1).get("package_size").decimalValue()).isEqualByComparingTo("1000");
		assertThat(invoice.get("lines").get(2).get("credits_applied").decimalValue()).isEqualByComparingTo("3.25");
		assertThat(invoice.get("parts")).hasSize(2);
		assertThat(invoice.get("adjustments")).hasSize(2);
		assertThat(invoice.get("tenants")).hasSize(3);
	}

	@Test
	void aReportWithOnlyItsRequiredFieldsLeavesOutTheSameFields() {
		MeterPrice perUnit = MeterPrice.perUnit("api.calls", BigDecimal.ZERO, new BigDecimal("0.01"));
		BillingReport report = new BillingReport("acme", "free", Currency.getInstance("USD"), MARCH,
				List.of(new BillingReport.Line(perUnit, perUnit.charge(BigDecimal.ZERO, 2, RoundingMode.HALF_EVEN))),
				BigDecimal.ZERO, new BigDecimal("0.00"), List.of(), true, Instant.parse("2026-04-04T00:00:00Z"));

		ObjectNode invoice = sameFieldsAsTheReportBody(report);
		assertThat(invoice.has("parts")).isFalse();
		assertThat(invoice.get("lines").get(0).has("filter")).isFalse();
		assertThat(invoice.get("lines").get(0).has("tiers")).isFalse();
		assertThat(invoice.get("lines").get(0).has("plan")).isFalse();
	}

	/**
	 * Asserts that the invoice's JSON is the report body's, but for the fields of each alone.
	 * @return the invoice's JSON without its own fields
	 */
	private static ObjectNode sameFieldsAsTheReportBody(BillingReport report) {
		ObjectNode invoice = (ObjectNode) parser
			.readTree(InvoiceDocuments.json(report, "INV-7", Instant.parse("2026-04-04T00:05:00Z")));
		ObjectNode body = (ObjectNode) parser.readTree(applicationMapper().writeValueAsString(ReportBody.of(report)));
		assertThat(invoice.remove("invoice_number").asString()).isEqualTo("INV-7");
		assertThat(invoice.remove("finalized_at").asString()).isEqualTo("2026-04-04T00:05:00Z");
		assertThat(body.remove("closed").asBoolean()).isTrue();
		assertThat(body.remove("closes_at").asString()).isEqualTo("2026-04-04T00:00:00Z");
		assertThat(invoice).isEqualTo(body);
		return invoice;
	}

	/** The mapper that writes the usage API's answers: the application's, as Spring Boot sets it up. */
	private static JsonMapper applicationMapper() {
		JsonMapper[] mapper = new JsonMapper[1];
		new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(JacksonAutoConfiguration.class))
			.run((context) -> mapper[0] = context.getBean(JsonMapper.class));
		return mapper[0];
	}

}
