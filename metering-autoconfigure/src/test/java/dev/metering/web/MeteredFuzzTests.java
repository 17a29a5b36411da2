package dev.metering.web;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.security.Principal;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

import dev.metering.event.InvalidUsageEventException;
import dev.metering.event.UsageEvent;
import dev.metering.event.UsageEventValidator;
import dev.metering.event.UsageRecorder;
import dev.metering.operation.Metered;
import dev.metering.operation.MeteredOperationException;
import jakarta.servlet.Filter;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.setup.MockMvcBuilders;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.context.WebApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatNoException;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;

/**
 * Fuzzed {@code @Metered} quantities and principal names, 10,000 seeded cases each.
 * <ul>
 * <li>Quantities: SpEL yielding NaN, infinities, huge, tiny, negative numbers of every
 * {@link Number} type, and non-numbers; and text parsed by a method the expression calls (which
 * throws). Each call either records exactly one event of exactly that quantity, which the
 * validator accepts, or fails with {@link MeteredOperationException} and records nothing.</li>
 * <li>Principal names of every shape (control characters, NUL, lone surrogates, emoji split at
 * the ledger's width, 10 kB, blank, null): never a 5xx; every request and {@code @Metered} call is
 * recorded, once, with a user the validator accepts.</li>
 * </ul>
 */
@SpringBootTest(classes = MeteredFuzzTests.TestApplication.class,
		properties = { "spring.datasource.url=jdbc:h2:mem:metered-fuzz;DB_CLOSE_DELAY=-1",
				"metering.web.tenant-source=header", "metering.web.trusted-proxies=127.0.0.1",
				"metering.rollup.enabled=false", "logging.level.dev.metering=ERROR" })
class MeteredFuzzTests {

	private static final int CASES = 10_000;

	@Autowired
	private WebApplicationContext context;

	@Autowired
	private CapturingRecorder recorder;

	@Autowired
	private FuzzService service;

	@Autowired
	private UsageEventValidator validator;

	private MockMvc mvc;

	@BeforeEach
	void setUp() {
		Filter filter = this.context.getBean("meteringFilterRegistration", FilterRegistrationBean.class).getFilter();
		this.mvc = MockMvcBuilders.webAppContextSetup(this.context).addFilters(filter).build();
		this.recorder.events.clear();
	}

	@Test
	void everyQuantityIsRecordedExactlyOrRefusedWithNothingRecorded() {
		Random random = new Random(1301);
		int recorded = 0;
		for (int i = 0; i < CASES; i++) {
			Object value = quantity(random);
			@Nullable BigDecimal expected = decimalOf(value);
			int before = this.recorder.events.size();
			Throwable failure = catchThrowable(() -> this.service.byValue("acme", value));
			recorded += check(i, String.valueOf(value), expected, failure, before);
		}
		assertThat(recorded).as("the generator also makes valid quantities").isGreaterThan(CASES / 10);
	}

	@Test
	void textParsedByTheExpressionIsRecordedExactlyOrRefusedWithNothingRecorded() {
		Random random = new Random(1302);
		int recorded = 0;
		for (int i = 0; i < CASES; i++) {
			String text = numberText(random);
			BigDecimal expected;
			try {
				double parsed = Double.parseDouble(text);
				expected = decimalOf(parsed);
			}
			catch (NumberFormatException ex) {
				expected = null;
			}
			int before = this.recorder.events.size();
			Throwable failure = catchThrowable(() -> this.service.byText("acme", text));
			recorded += check(i, text, expected, failure, before);
		}
		assertThat(recorded).isGreaterThan(CASES / 10);
	}

	/** One case: recorded exactly (1) or refused with nothing recorded (0). */
	private int check(int i, String input, @Nullable BigDecimal expected, @Nullable Throwable failure, int before) {
		List<UsageEvent> events = this.recorder.events;
		if (failure == null) {
			assertThat(events).as("case %d (%s)", i, input).hasSize(before + 1);
			UsageEvent event = events.get(before);
			assertThat(expected).as("case %d (%s) recorded a non-number", i, input).isNotNull();
			assertThat(event.quantity()).as("case %d (%s)", i, input).isEqualByComparingTo(expected);
			assertThatNoException().as("case %d (%s)", i, input).isThrownBy(() -> this.validator.validate(event));
			return 1;
		}
		assertThat(failure).as("case %d (%s)", i, input).isInstanceOf(MeteredOperationException.class);
		assertThat(events).as("case %d (%s) recorded although refused", i, input).hasSize(before);
		if (expected != null) {
			// A number the kit refused must be one the validator refuses.
			UsageEvent probe = UsageEvent.builder("acme", "fuzz.units").quantity(expected).build();
			assertThat(catchThrowable(() -> this.validator.validate(probe))).as("case %d (%s)", i, input)
				.isInstanceOf(InvalidUsageEventException.class);
		}
		return 0;
	}

	@Test
	void numbersBuiltToBeExpandedAreRefusedBeforeTheCallQuicklyWithAShortMessage() {
		BigInteger digits = BigInteger.TEN.pow(100_000).subtract(BigInteger.ONE);
		List<Object> hostile = List.of(new BigDecimal("1e999999999"), new BigDecimal("-1e999999999"),
				new BigDecimal("1e-999999999"), new BigDecimal("1e2147483647"), new BigDecimal("0e-999999999"),
				new BigDecimal(digits), new BigDecimal(digits, 999_999_999), digits, digits.negate());
		for (Object value : hostile) {
			int before = this.recorder.events.size();
			for (int warm = 0; warm < 3; warm++) {
				catchThrowable(() -> this.service.byValue("acme", value));
			}
			long start = System.nanoTime();
			Throwable failure = catchThrowable(() -> this.service.byValue("acme", value));
			long micros = (System.nanoTime() - start) / 1_000;
			assertThat(failure).isInstanceOf(MeteredOperationException.class);
			assertThat(failure.getMessage()).hasSizeLessThan(1024);
			assertThat(micros).as("microseconds to refuse").isLessThan(10_000);
			assertThat(this.recorder.events).hasSize(before);
		}
	}

	@Test
	void principalNamesOfEveryShapeNeverFailAndAreRecordedAsStorableUsers() throws Exception {
		Random random = new Random(1303);
		for (int i = 0; i < CASES; i++) {
			String name = principalName(random);
			int before = this.recorder.events.size();
			Principal principal = () -> name;
			int status = this.mvc.perform(get("/fuzz/hello").header("X-Tenant-Id", "acme").principal(principal))
				.andReturn()
				.getResponse()
				.getStatus();
			assertThat(status).as("case %d", i).isEqualTo(200);
			List<UsageEvent> events = this.recorder.events.subList(before, this.recorder.events.size());
			// The @Metered call and the request, each once.
			assertThat(events).as("case %d", i)
				.extracting(UsageEvent::meter)
				.containsExactlyInAnyOrder("fuzz.calls", "http.requests");
			for (UsageEvent event : events) {
				assertThatNoException().as("case %d user %s", i, event.userId())
					.isThrownBy(() -> this.validator.validate(event));
				assertThat(event.userId()).isEqualTo(UsageEventValidator.storableUser(name));
				if (name != null && name.length() <= UsageEventValidator.MAX_USER_LENGTH && storable(name)) {
					assertThat(event.userId()).as("case %d: a storable name is kept as it is", i).isEqualTo(name);
				}
			}
		}
	}

	private static boolean storable(String name) {
		return catchThrowable(() -> new UsageEventValidator(java.time.Clock.systemUTC(), java.time.Duration.ofDays(1),
				BigDecimal.ONE)
			.validate(UsageEvent.builder("acme", "m").userId(name).build())) == null;
	}

	private static @Nullable BigDecimal decimalOf(@Nullable Object value) {
		if (value instanceof BigDecimal decimal) {
			return decimal;
		}
		if (value instanceof BigInteger integer) {
			return new BigDecimal(integer);
		}
		if (value instanceof Double || value instanceof Float) {
			double number = ((Number) value).doubleValue();
			return (Double.isFinite(number)) ? BigDecimal.valueOf(number) : null;
		}
		if (value instanceof Number number) {
			return BigDecimal.valueOf(number.longValue());
		}
		return null;
	}

	private static @Nullable Object quantity(Random random) {
		return switch (random.nextInt(10)) {
			case 0 -> List.of(Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, -0.0, Double.MIN_VALUE,
					Double.MAX_VALUE, -Double.MAX_VALUE, 1e12, Math.nextUp(1e12), 1e-9, 1.5e-9).get(random.nextInt(11));
			case 1 -> (random.nextBoolean() ? 1 : -1) * random.nextDouble() * Math.pow(10, random.nextInt(-15, 16));
			case 2 -> (float) (random.nextDouble() * Math.pow(10, random.nextInt(-12, 40)));
			case 3 -> BigDecimal.valueOf(random.nextLong() >> random.nextInt(64), random.nextInt(-25, 30));
			case 4 -> new BigInteger(random.nextInt(1, 200), random).multiply(BigInteger.valueOf(random.nextBoolean() ? 1 : -1));
			case 5 -> List.of(Long.MIN_VALUE, Long.MAX_VALUE, 0L, 1L, -1L, random.nextLong()).get(random.nextInt(6));
			case 6 -> switch (random.nextInt(4)) {
				case 0 -> random.nextInt();
				case 1 -> (short) random.nextInt();
				case 2 -> (byte) random.nextInt();
				default -> new AtomicLong(random.nextInt(1000));
			};
			case 7 -> List.of("1", "NaN", "abc", "", "1e3").get(random.nextInt(5));
			case 8 -> (random.nextBoolean()) ? null : Boolean.TRUE;
			default -> List.of(Optional.of(1), new Object(), List.of(1), 'x', new int[] { 1 }).get(random.nextInt(5));
		};
	}

	private static String numberText(Random random) {
		return switch (random.nextInt(8)) {
			case 0 -> List.of("NaN", "Infinity", "-Infinity", "+Infinity", "1e400", "-1e400", "4.9e-324", "0x1p3",
					"1e12", "1000000000000.5", "-0", "1_000", "", " ", "abc", "1,5", "١٢", "1e", "--1", ".", "0.0000000001")
				.get(random.nextInt(21));
			case 1 -> Long.toString(random.nextLong());
			case 2 -> Double.toString(random.nextDouble() * Math.pow(10, random.nextInt(-20, 20)));
			case 3 -> " " + random.nextInt(1000) + " ";
			case 4 -> random.nextInt(100) + "." + random.nextInt(1_000_000_000) + random.nextInt(1000);
			case 5 -> new String(Character.toChars(random.nextInt(0x20, 0x3000))) + random.nextInt(10);
			case 6 -> random.nextInt(10) + "d";
			default -> Integer.toString(random.nextInt(1_000_000));
		};
	}

	private static @Nullable String principalName(Random random) {
		StringBuilder name = new StringBuilder();
		int kind = random.nextInt(12);
		if (kind == 0) {
			return null;
		}
		if (kind == 1) {
			return "";
		}
		if (kind == 2) {
			// An emoji across the ledger's width: a plain cut would leave half a surrogate pair.
			return "u".repeat(UsageEventValidator.MAX_USER_LENGTH - 1 - random.nextInt(2)) + "\ud83d\ude00".repeat(3);
		}
		if (kind == 3) {
			return "x".repeat(random.nextInt(250, 10_240));
		}
		int length = random.nextInt(1, 40);
		for (int c = 0; c < length; c++) {
			switch (random.nextInt(8)) {
				case 0 -> name.append((char) random.nextInt(0x20));
				case 1 -> name.append('\u0000');
				case 2 -> name.append((char) random.nextInt(0xD800, 0xE000)); // lone surrogates
				case 3 -> name.append("\ud83d\ude00");
				case 4 -> name.append("CN=user,O=acme; \"quoted\" <x@y> ");
				case 5 -> name.append((char) random.nextInt(0x80, 0xFFFF));
				case 6 -> name.append(' ');
				default -> name.append((char) random.nextInt('a', 'z' + 1));
			}
		}
		return name.toString();
	}

	@SpringBootConfiguration
	@EnableAutoConfiguration
	static class TestApplication {

		@Bean
		CapturingRecorder capturingRecorder() {
			return new CapturingRecorder();
		}

		@Bean
		FuzzService fuzzService() {
			return new FuzzService();
		}

		@Bean
		FuzzController fuzzController() {
			return new FuzzController();
		}

	}

	static class CapturingRecorder implements UsageRecorder {

		final List<UsageEvent> events = new CopyOnWriteArrayList<>();

		@Override
		public void record(UsageEvent event) {
			this.events.add(event);
		}

		@Override
		public void recordAll(Collection<UsageEvent> events) {
			this.events.addAll(events);
		}

	}

	static class FuzzService {

		@Metered(meter = "fuzz.units", tenant = "#tenant", quantity = "#value")
		public String byValue(String tenant, @Nullable Object value) {
			return "ok";
		}

		@Metered(meter = "fuzz.parsed", tenant = "#tenant", quantity = "T(java.lang.Double).parseDouble(#text)")
		public String byText(String tenant, String text) {
			return "ok";
		}

	}

	@RestController
	static class FuzzController {

		@GetMapping("/fuzz/hello")
		@Metered(meter = "fuzz.calls")
		public String hello() {
			return "hello";
		}

	}

}
