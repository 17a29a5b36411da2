package dev.metering.operation;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import dev.metering.autoconfigure.MeteringLedgerAutoConfiguration;
import dev.metering.autoconfigure.MeteringOperationAutoConfiguration;
import dev.metering.event.UsageEvent;
import dev.metering.event.UsageRecorder;
import dev.metering.event.UsageSource;
import dev.metering.ledger.BufferedLedgerWriter;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.jdbc.core.JdbcTemplate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

/**
 * {@code @Metered} on plain Spring beans: what each call records.
 */
class MeteredOperationTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withPropertyValues("spring.datasource.url=jdbc:h2:mem:metered-${random.uuid}")
		.withConfiguration(AutoConfigurations.of(DataSourceAutoConfiguration.class,
				MeteringLedgerAutoConfiguration.class, MeteringOperationAutoConfiguration.class));

	@Test
	void recordsOneEventWithTheQuantityOfTheArguments() {
		this.runner.withBean(CapturingRecorder.class).withBean(ReportService.class).run((context) -> {
			ReportService reports = context.getBean(ReportService.class);

			assertThat(reports.generate(new ReportRequest("acme", "r-1", 7))).isEqualTo("report of 7 pages");

			assertThat(context.getBean(CapturingRecorder.class).events).singleElement().satisfies((event) -> {
				assertThat(event.tenantId()).isEqualTo("acme");
				assertThat(event.meter()).isEqualTo("reports.generated");
				assertThat(event.quantity()).isEqualByComparingTo("7");
				assertThat(event.resource()).isEqualTo("ReportService.generate");
				assertThat(event.source()).isEqualTo(UsageSource.OPERATION);
			});
		});
	}

	@Test
	void resultBasedQuantitiesRecordTheRealResult() {
		this.runner.withBean(CapturingRecorder.class).withBean(ReportService.class).run((context) -> {
			List<String> rows = context.getBean(ReportService.class).export("acme", 3);

			assertThat(rows).hasSize(3);
			assertThat(context.getBean(CapturingRecorder.class).events).singleElement()
				.satisfies((event) -> assertThat(event.quantity()).isEqualByComparingTo("3"));
		});
	}

	@Test
	void alwaysRecordsWhenTheMethodThrowsAndOnSuccessDoesNot() {
		this.runner.withBean(CapturingRecorder.class).withBean(ReportService.class).run((context) -> {
			ReportService reports = context.getBean(ReportService.class);

			assertThatIllegalStateException().isThrownBy(() -> reports.failAlways("acme"));
			assertThatIllegalStateException().isThrownBy(() -> reports.failOnSuccess("acme"));

			assertThat(context.getBean(CapturingRecorder.class).events).singleElement()
				.satisfies((event) -> assertThat(event.meter()).isEqualTo("attempts"));
		});
	}

	@Test
	void aMetaAnnotationAndATypeLevelAnnotationMeterToo() {
		this.runner.withBean(CapturingRecorder.class).withBean(SeatService.class).run((context) -> {
			SeatService seats = context.getBean(SeatService.class);
			seats.assign("acme");
			seats.release("acme");
			seats.toString();

			assertThat(context.getBean(CapturingRecorder.class).events).extracting(UsageEvent::meter)
				.containsExactly("seats.assigned", "seats.changed");
		});
	}

	@Test
	void anIdempotencyKeyMakesARetriedCallCountOnce() {
		this.runner.withBean(ReportService.class).run((context) -> {
			ReportService reports = context.getBean(ReportService.class);
			ReportRequest request = new ReportRequest("acme", "r-42", 5);
			reports.generate(request);
			reports.generate(request);
			reports.generate(new ReportRequest("acme", "r-43", 2));

			assertThat(context.getBean(BufferedLedgerWriter.class).flush(Duration.ofSeconds(10))).isTrue();
			JdbcTemplate jdbc = new JdbcTemplate(context.getBean(javax.sql.DataSource.class));
			assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM metering_usage_event", Long.class)).isEqualTo(2);
			assertThat(jdbc.queryForObject("SELECT SUM(quantity) FROM metering_usage_event", BigDecimal.class))
				.isEqualByComparingTo("7");
		});
	}

	@Test
	void expressionsWithoutAUsableValueFailTheCallNamingMethodAndExpressionAndRecordNothing() {
		this.runner.withBean(CapturingRecorder.class).withBean(ReportService.class).run((context) -> {
			ReportService reports = context.getBean(ReportService.class);

			assertThatExceptionOfType(MeteredOperationException.class)
				.isThrownBy(() -> reports.generate(new ReportRequest("acme", "r-1", -2)))
				.withMessageContaining("ReportService.generate(ReportRequest)")
				.withMessageContaining("#request.pages")
				.withMessageContaining("negative");
			assertThatExceptionOfType(MeteredOperationException.class).isThrownBy(() -> reports.named("acme"))
				.withMessageContaining("'#tenant'")
				.withMessageContaining("not a number");
			assertThatExceptionOfType(MeteredOperationException.class)
				.isThrownBy(() -> reports.generate(new ReportRequest(null, "r-1", 1)))
				.withMessageContaining("gave no tenant");
			assertThatExceptionOfType(MeteredOperationException.class).isThrownBy(() -> reports.requestTenant())
				.withMessageContaining("no tenant");

			assertThat(context.getBean(CapturingRecorder.class).events).isEmpty();
		});
	}

	@Test
	void anExpressionThatDoesNotParseFailsStartUpNamingTheMethod() {
		this.runner.withBean(CapturingRecorder.class).withBean(BrokenService.class).run((context) -> {
			assertThat(context).hasFailed();
			assertThat(context.getStartupFailure())
				.hasMessageContaining("BrokenService.broken")
				.hasMessageContaining("quantity expression '#request.pages +'");
		});
	}

	@Test
	void anInvalidMeterFailsStartUpNamingTheMethod() {
		this.runner.withBean(CapturingRecorder.class).withBean(BadMeterService.class).run((context) -> {
			assertThat(context).hasFailed();
			assertThat(context.getStartupFailure())
				.hasMessageContaining("BadMeterService.work")
				.hasMessageContaining("'Bad Meter'");
		});
	}

	@Test
	void disabledOperationsAreNotProxied() {
		this.runner.withPropertyValues("metering.operation.enabled=false")
			.withBean(CapturingRecorder.class)
			.withBean(ReportService.class)
			.run((context) -> {
				context.getBean(ReportService.class).generate(new ReportRequest("acme", "r", 1));
				assertThat(context.getBean(CapturingRecorder.class).events).isEmpty();
			});
	}

	@Test
	void theMvcInterceptorIsRegisteredOnlyInAWebApplicationWithQuotas() {
		org.springframework.boot.autoconfigure.AutoConfigurations configurations = AutoConfigurations.of(
				DataSourceAutoConfiguration.class, MeteringLedgerAutoConfiguration.class,
				dev.metering.autoconfigure.MeteringRollupAutoConfiguration.class,
				dev.metering.autoconfigure.MeteringQuotaAutoConfiguration.class,
				MeteringOperationAutoConfiguration.class);
		new org.springframework.boot.test.context.runner.WebApplicationContextRunner()
			.withPropertyValues("spring.datasource.url=jdbc:h2:mem:metered-web-${random.uuid}")
			.withConfiguration(configurations)
			.run((context) -> assertThat(context)
				.hasSingleBean(dev.metering.web.MeteredHandlerInterceptor.class)
				.hasBean("meteredHandlerInterceptorConfigurer"));
		this.runner.withConfiguration(configurations)
			.run((context) -> assertThat(context)
				.doesNotHaveBean(dev.metering.web.MeteredHandlerInterceptor.class));
		new org.springframework.boot.test.context.runner.WebApplicationContextRunner()
			.withPropertyValues("spring.datasource.url=jdbc:h2:mem:metered-web-${random.uuid}",
					"metering.quota.enabled=false")
			.withConfiguration(configurations)
			.run((context) -> assertThat(context)
				.doesNotHaveBean(dev.metering.web.MeteredHandlerInterceptor.class));
	}

	record ReportRequest(String tenant, String id, int pages) {
	}

	static class ReportService {

		@Metered(meter = "reports.generated", quantity = "#request.pages", tenant = "#request.tenant",
				idempotencyKey = "#request.id")
		public String generate(ReportRequest request) {
			return "report of " + request.pages() + " pages";
		}

		@Metered(meter = "rows.exported", quantity = "#result.size()", tenant = "#tenant")
		public List<String> export(String tenant, int rows) {
			return java.util.stream.IntStream.range(0, rows).mapToObj(Integer::toString).toList();
		}

		@Metered(meter = "attempts", tenant = "#tenant", record = Metered.RecordPolicy.ALWAYS)
		public void failAlways(String tenant) {
			throw new IllegalStateException("always");
		}

		@Metered(meter = "successes", tenant = "#tenant")
		public void failOnSuccess(String tenant) {
			throw new IllegalStateException("on success");
		}

		@Metered(meter = "named", quantity = "#tenant", tenant = "#tenant")
		public void named(String tenant) {
		}

		@Metered(meter = "requests")
		public void requestTenant() {
		}

	}

	@Target({ ElementType.METHOD, ElementType.TYPE })
	@Retention(RetentionPolicy.RUNTIME)
	@Metered(meter = "seats.assigned", tenant = "#tenant")
	@interface SeatAssignment {

	}

	@Metered(meter = "seats.changed", tenant = "#tenant")
	static class SeatService {

		@SeatAssignment
		public void assign(String tenant) {
		}

		public void release(String tenant) {
		}

	}

	static class BrokenService {

		@Metered(meter = "broken", quantity = "#request.pages +")
		public void broken(ReportRequest request) {
		}

	}

	static class BadMeterService {

		@Metered(meter = "Bad Meter")
		public void work() {
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

}
