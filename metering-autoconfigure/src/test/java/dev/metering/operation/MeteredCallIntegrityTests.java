package dev.metering.operation;

import java.math.BigDecimal;
import java.security.Principal;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import dev.metering.autoconfigure.MeteringLedgerAutoConfiguration;
import dev.metering.autoconfigure.MeteringOperationAutoConfiguration;
import dev.metering.autoconfigure.MeteringQuotaAutoConfiguration;
import dev.metering.autoconfigure.MeteringRollupAutoConfiguration;
import dev.metering.autoconfigure.metrics.MeteringMetricsAutoConfiguration;
import dev.metering.event.InvalidUsageEventException;
import dev.metering.event.UsageEvent;
import dev.metering.event.UsageRecorder;
import dev.metering.ledger.BufferedLedgerWriter;
import dev.metering.quota.QuotaEnforcementService;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.web.context.request.RequestContextHolder;
import org.springframework.web.context.request.ServletRequestAttributes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * A {@code @Metered} call either fails before its work, because what it would record is invalid,
 * or completes: metering never fails a call that has done its work (it logs and counts
 * {@code metering.operations.unrecorded} instead).
 */
class MeteredCallIntegrityTests {

	private static final String LONG_TENANT = "t".repeat(129);

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withPropertyValues("spring.datasource.url=jdbc:h2:mem:metered-integrity-${random.uuid}",
				"metering.ledger.max-quantity=1000")
		.withConfiguration(AutoConfigurations.of(DataSourceAutoConfiguration.class,
				MeteringLedgerAutoConfiguration.class, MeteringOperationAutoConfiguration.class,
				MetricsAutoConfiguration.class, SimpleMetricsExportAutoConfiguration.class,
				MeteringMetricsAutoConfiguration.class))
		.withBean(Work.class);

	@Test
	void aTenantTheLedgerCannotHoldFailsTheCallBeforeItsWork() {
		this.runner.run((context) -> {
			Work work = context.getBean(Work.class);

			assertThatExceptionOfType(MeteredOperationException.class).isThrownBy(() -> work.pages(LONG_TENANT, 1))
				.withMessageContaining("Work.pages(String, int)")
				.withMessageContaining("tenant expression '#tenant'")
				.withMessageContaining("at most 128 characters")
				.withCauseInstanceOf(InvalidUsageEventException.class);

			assertThat(work.done()).isZero();
			assertThat(ledgerCount(context)).isZero();
		});
	}

	@Test
	void aBlankOrOverlongIdempotencyKeyFailsTheCallBeforeItsWork() {
		this.runner.run((context) -> {
			Work work = context.getBean(Work.class);

			assertThatExceptionOfType(MeteredOperationException.class).isThrownBy(() -> work.keyed("acme", " "))
				.withMessageContaining("idempotencyKey expression '#key'")
				.withMessageContaining("must not be blank");
			assertThatExceptionOfType(MeteredOperationException.class)
				.isThrownBy(() -> work.keyed("acme", "k".repeat(201)))
				.withMessageContaining("at most 200 characters");

			assertThat(work.done()).isZero();
			assertThat(ledgerCount(context)).isZero();
		});
	}

	@Test
	void aQuantityTheLedgerRefusesFailsTheCallBeforeItsWork() {
		this.runner.run((context) -> {
			Work work = context.getBean(Work.class);

			assertThatExceptionOfType(MeteredOperationException.class).isThrownBy(() -> work.pages("acme", 1001))
				.withMessageContaining("quantity expression '#pages'")
				.withMessageContaining("metering.ledger.max-quantity");
			assertThatExceptionOfType(MeteredOperationException.class).isThrownBy(() -> work.fraction("acme"))
				.withMessageContaining("decimal places");

			assertThat(work.done()).isZero();
			assertThat(ledgerCount(context)).isZero();
		});
	}

	@Test
	void anOverlongOperationNameFailsStartUp() {
		this.runner.withBean(LongNamedWork.class).run((context) -> {
			assertThat(context).hasFailed();
			assertThat(context.getStartupFailure()).hasMessageContaining("LongNamedWork.work")
				.hasMessageContaining("name")
				.hasMessageContaining("512");
		});
	}

	@Test
	void aResultQuantityTheLedgerRefusesLeavesTheCompletedCallAloneAndIsCounted() {
		this.runner.run((context) -> {
			Work work = context.getBean(Work.class);

			assertThat(work.rows("acme", -1)).isEqualTo(-1);
			assertThat(work.rows("acme", 5000)).isEqualTo(5000);
			assertThat(work.rows("acme", 3)).isEqualTo(3);

			assertThat(work.done()).isEqualTo(3);
			assertThat(ledgerCount(context)).isOne();
			assertThat(unrecorded(context, "rows")).isEqualTo(2);
		});
	}

	@Test
	void aRecorderThatFailsAfterTheCallDoesNotFailIt() {
		this.runner.withBean(UsageRecorder.class, FailingRecorder::new).run((context) -> {
			Work work = context.getBean(Work.class);

			assertThat(work.pages("acme", 2)).isEqualTo(2);

			assertThat(work.done()).isOne();
			assertThat(unrecorded(context, "pages")).isOne();
		});
	}

	@Test
	void aRecordFailureOfAFailedCallIsSuppressedIntoTheCallsOwnException() {
		this.runner.withBean(UsageRecorder.class, FailingRecorder::new).run((context) -> {
			Work work = context.getBean(Work.class);

			assertThatExceptionOfType(IllegalStateException.class).isThrownBy(() -> work.failing("acme"))
				.withMessage("the call's own failure")
				.satisfies((ex) -> assertThat(ex.getSuppressed()).singleElement()
					.satisfies((suppressed) -> assertThat(suppressed).hasMessageContaining("recorder down")));
			assertThat(unrecorded(context, "attempts")).isOne();
		});
	}

	@Test
	void anOverlongPrincipalNameIsTruncatedAsTheFilterDoes() {
		this.runner.run((context) -> {
			MockHttpServletRequest request = new MockHttpServletRequest("POST", "/reports");
			Principal user = () -> "u".repeat(300);
			request.setUserPrincipal(user);
			RequestContextHolder.setRequestAttributes(new ServletRequestAttributes(request));
			try {
				assertThat(context.getBean(Work.class).pages("acme", 1)).isOne();
			}
			finally {
				RequestContextHolder.resetRequestAttributes();
			}

			assertThat(ledgerCount(context)).isOne();
			assertThat(new JdbcTemplate(context.getBean(javax.sql.DataSource.class))
				.queryForObject("SELECT user_id FROM metering_usage_event", String.class)).isEqualTo("u".repeat(256));
			assertThat(unrecorded(context, "pages")).isZero();
		});
	}

	@Test
	void aRefusedCallGivesItsReservedQuotaBack() {
		this.runner
			.withPropertyValues("metering.default-plan=free", "metering.plans.free.quotas[0].meter=rows",
					"metering.plans.free.quotas[0].limit=10", "metering.plans.free.quotas[0].window=day",
					"metering.plans.free.quotas[0].enforcement=hard")
			.withConfiguration(AutoConfigurations.of(MeteringRollupAutoConfiguration.class,
					MeteringQuotaAutoConfiguration.class))
			.run((context) -> {
				Work work = context.getBean(Work.class);
				assertThat(work.rows("acme", -1)).isEqualTo(-1);
				assertThat(work.rows("acme", 4)).isEqualTo(4);

				QuotaEnforcementService quotas = context.getBean(QuotaEnforcementService.class);
				assertThat(quotas.check(List.of("acme"), "rows", BigDecimal.valueOf(6), java.time.Instant.now())
					.allowed()).isTrue();
			});
	}

	private static long ledgerCount(AssertableApplicationContext context) {
		assertThat(context.getBean(BufferedLedgerWriter.class).flush(Duration.ofSeconds(10))).isTrue();
		return new JdbcTemplate(context.getBean(javax.sql.DataSource.class))
			.queryForObject("SELECT COUNT(*) FROM metering_usage_event", Long.class);
	}

	private static double unrecorded(AssertableApplicationContext context, String meter) {
		var counter = context.getBean(MeterRegistry.class)
			.find("metering.operations.unrecorded")
			.tag("meter", meter)
			.counter();
		return (counter != null) ? counter.count() : 0;
	}

	static class Work {

		private final AtomicInteger done = new AtomicInteger();

		int done() {
			return this.done.get();
		}

		@Metered(meter = "pages", quantity = "#pages", tenant = "#tenant")
		public int pages(String tenant, int pages) {
			this.done.incrementAndGet();
			return pages;
		}

		@Metered(meter = "keyed", tenant = "#tenant", idempotencyKey = "#key")
		public void keyed(String tenant, String key) {
			this.done.incrementAndGet();
		}

		@Metered(meter = "fractions", quantity = "0.0000000001", tenant = "#tenant")
		public void fraction(String tenant) {
			this.done.incrementAndGet();
		}

		@Metered(meter = "rows", quantity = "#result", tenant = "#tenant")
		public int rows(String tenant, int rows) {
			this.done.incrementAndGet();
			return rows;
		}

		@Metered(meter = "attempts", tenant = "#tenant", record = Metered.RecordPolicy.ALWAYS)
		public void failing(String tenant) {
			throw new IllegalStateException("the call's own failure");
		}

	}

	static class LongNamedWork {

		@Metered(meter = "work", name = "n" + "0123456789012345678901234567890123456789012345678901234567890123"
				+ "0123456789012345678901234567890123456789012345678901234567890123"
				+ "0123456789012345678901234567890123456789012345678901234567890123"
				+ "0123456789012345678901234567890123456789012345678901234567890123"
				+ "0123456789012345678901234567890123456789012345678901234567890123"
				+ "0123456789012345678901234567890123456789012345678901234567890123"
				+ "0123456789012345678901234567890123456789012345678901234567890123"
				+ "0123456789012345678901234567890123456789012345678901234567890123")
		public void work() {
		}

	}

	static class FailingRecorder implements UsageRecorder {

		@Override
		public void record(UsageEvent event) {
			throw new IllegalStateException("recorder down");
		}

		@Override
		public void recordAll(Collection<UsageEvent> events) {
			throw new IllegalStateException("recorder down");
		}

	}

}
