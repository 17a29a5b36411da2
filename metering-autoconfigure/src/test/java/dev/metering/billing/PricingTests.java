package dev.metering.billing;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Currency;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * Each pricing model against figures computed by hand: tier boundaries, included units larger
 * than usage, zero usage, fractional quantities, and currencies of 0, 2 and 3 decimals.
 */
class PricingTests {

	private static final Currency EUR = Currency.getInstance("EUR");

	private static final Currency JPY = Currency.getInstance("JPY");

	private static final Currency KWD = Currency.getInstance("KWD");

	// 1000 included, then 0.002 per call.
	private static final MeterPrice PER_UNIT = MeterPrice.perUnit("api.calls", new BigDecimal("1000"),
			new BigDecimal("0.002"));

	// 5.00 per started package of 1000, nothing included.
	private static final MeterPrice PACKAGE = new MeterPrice("api.calls", BigDecimal.ZERO, PricingModel.PACKAGE,
			new BigDecimal("5.00"), new BigDecimal("1000"), List.of());

	// The same package price with 500 included.
	private static final MeterPrice PACKAGE_INCLUDED = new MeterPrice("api.calls", new BigDecimal("500"),
			PricingModel.PACKAGE, new BigDecimal("5.00"), new BigDecimal("1000"), List.of());

	// 0.10 up to 100, 0.05 up to 1000, 0.01 beyond.
	private static final List<PriceTier> TIERS = List.of(PriceTier.of("100", "0.10"), PriceTier.of("1000", "0.05"),
			PriceTier.of(null, "0.01"));

	private static final MeterPrice GRADUATED = new MeterPrice("api.calls", BigDecimal.ZERO, PricingModel.GRADUATED,
			null, null, TIERS);

	private static final MeterPrice GRADUATED_INCLUDED = new MeterPrice("api.calls", new BigDecimal("100"),
			PricingModel.GRADUATED, null, null, TIERS);

	// As TIERS, and reaching the second tier costs a flat 2.00.
	private static final MeterPrice GRADUATED_FLAT = new MeterPrice("api.calls", BigDecimal.ZERO,
			PricingModel.GRADUATED, null, null, List.of(PriceTier.of("100", "0.10"),
					new PriceTier(new BigDecimal("1000"), new BigDecimal("0.05"), new BigDecimal("2.00")),
					PriceTier.of(null, "0.01")));

	private static final MeterPrice VOLUME = new MeterPrice("api.calls", BigDecimal.ZERO, PricingModel.VOLUME, null,
			null, TIERS);

	// 0.5 yen per call: a currency without decimals.
	private static final MeterPrice YEN = MeterPrice.perUnit("api.calls", BigDecimal.ZERO, new BigDecimal("0.5"));

	// 0.0015 dinar per call: a currency of three decimals.
	private static final MeterPrice DINAR = MeterPrice.perUnit("api.calls", BigDecimal.ZERO, new BigDecimal("0.0015"));

	static Stream<Arguments> cases() {
		return Stream.of(
				// price, currency, quantity, expected billable, expected amount
				Arguments.of("per-unit zero usage", PER_UNIT, EUR, "0", "0", "0.00"),
				Arguments.of("per-unit included > usage", PER_UNIT, EUR, "500", "0", "0.00"),
				Arguments.of("per-unit exactly included", PER_UNIT, EUR, "1000", "0", "0.00"),
				Arguments.of("per-unit overage", PER_UNIT, EUR, "1500", "500", "1.00"),
				Arguments.of("per-unit fractional, half rounds up", PER_UNIT, EUR, "1002.5", "2.5", "0.01"),
				Arguments.of("per-unit fractional, below half", PER_UNIT, EUR, "1002.4", "2.4", "0.00"),
				Arguments.of("per-unit nine decimals", PER_UNIT, EUR, "1000.000000001", "0.000000001", "0.00"),
				Arguments.of("package zero", PACKAGE, EUR, "0", "0", "0.00"),
				Arguments.of("package one unit starts a package", PACKAGE, EUR, "1", "1", "5.00"),
				Arguments.of("package boundary", PACKAGE, EUR, "1000", "1000", "5.00"),
				Arguments.of("package just past boundary", PACKAGE, EUR, "1000.000000001", "1000.000000001",
						"10.00"),
				Arguments.of("package with included", PACKAGE_INCLUDED, EUR, "2500", "2000", "10.00"),
				Arguments.of("package included > usage", PACKAGE_INCLUDED, EUR, "499", "0", "0.00"),
				Arguments.of("graduated zero", GRADUATED, EUR, "0", "0", "0.00"),
				Arguments.of("graduated fractional in tier 1", GRADUATED, EUR, "50.5", "50.5", "5.05"),
				Arguments.of("graduated tier 1 boundary", GRADUATED, EUR, "100", "100", "10.00"),
				Arguments.of("graduated first unit of tier 2", GRADUATED, EUR, "101", "101", "10.05"),
				Arguments.of("graduated tier 2 boundary", GRADUATED, EUR, "1000", "1000", "55.00"),
				Arguments.of("graduated into tier 3", GRADUATED, EUR, "1500", "1500", "60.00"),
				Arguments.of("graduated with included", GRADUATED_INCLUDED, EUR, "150", "50", "5.00"),
				Arguments.of("graduated included > usage", GRADUATED_INCLUDED, EUR, "99", "0", "0.00"),
				Arguments.of("graduated flat fee not reached", GRADUATED_FLAT, EUR, "100", "100", "10.00"),
				Arguments.of("graduated flat fee reached", GRADUATED_FLAT, EUR, "101", "101", "12.05"),
				Arguments.of("volume zero", VOLUME, EUR, "0", "0", "0.00"),
				Arguments.of("volume fractional", VOLUME, EUR, "2.5", "2.5", "0.25"),
				Arguments.of("volume tier 1 boundary", VOLUME, EUR, "100", "100", "10.00"),
				Arguments.of("volume just past tier 1: all units cheaper", VOLUME, EUR, "101", "101", "5.05"),
				Arguments.of("volume tier 2 boundary", VOLUME, EUR, "1000", "1000", "50.00"),
				Arguments.of("volume into tier 3", VOLUME, EUR, "1001", "1001", "10.01"),
				Arguments.of("yen rounds to whole yen", YEN, JPY, "3", "3", "2"),
				Arguments.of("yen below half", YEN, JPY, "0.9", "0.9", "0"),
				Arguments.of("dinar keeps three decimals", DINAR, KWD, "1001", "1001", "1.502"));
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("cases")
	void pricesAsComputedByHand(String name, MeterPrice price, Currency currency, String quantity, String billable,
			String amount) {
		MeterPrice.Charge charge = price.charge(new BigDecimal(quantity), currency.getDefaultFractionDigits(),
				RoundingMode.HALF_UP);
		assertThat(charge.billable()).isEqualByComparingTo(billable);
		assertThat(charge.amount()).isEqualTo(new BigDecimal(amount));
		assertThat(charge.amount().scale()).isEqualTo(currency.getDefaultFractionDigits());
		assertThat(charge.included().add(charge.billable())).isEqualByComparingTo(quantity);
	}

	@Test
	void theRoundingModeDecidesHalves() {
		BigDecimal quantity = new BigDecimal("1002.5");
		assertThat(PER_UNIT.charge(quantity, 2, RoundingMode.HALF_UP).amount()).isEqualTo(new BigDecimal("0.01"));
		assertThat(PER_UNIT.charge(quantity, 2, RoundingMode.HALF_EVEN).amount()).isEqualTo(new BigDecimal("0.00"));
		assertThat(PER_UNIT.charge(new BigDecimal("1002.4"), 2, RoundingMode.CEILING).amount())
			.isEqualTo(new BigDecimal("0.01"));
	}

	@Test
	void tiersMustAscendAndEndUnbounded() {
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new MeterPrice("m", BigDecimal.ZERO, PricingModel.GRADUATED, null, null,
					List.of(PriceTier.of("100", "1"), PriceTier.of("50", "1"), PriceTier.of(null, "1"))))
			.withMessageContaining("ascend");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new MeterPrice("m", BigDecimal.ZERO, PricingModel.VOLUME, null, null,
					List.of(PriceTier.of("100", "1"))))
			.withMessageContaining("last tier");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new MeterPrice("m", BigDecimal.ZERO, PricingModel.PACKAGE, BigDecimal.ONE,
					BigDecimal.ZERO, List.of()))
			.withMessageContaining("package-size");
		assertThatIllegalArgumentException().isThrownBy(() -> PriceTier.of("10", "-1"));
	}

	@Test
	void aPlanPricesEachMeterOnce() {
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new PlanPricing("pro", EUR, BigDecimal.ZERO, List.of(PER_UNIT, VOLUME)))
			.withMessageContaining("twice");
	}

}
