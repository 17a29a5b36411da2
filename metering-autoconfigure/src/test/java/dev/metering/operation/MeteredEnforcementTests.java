package dev.metering.operation;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;

import dev.metering.autoconfigure.MeteringLedgerAutoConfiguration;
import dev.metering.autoconfigure.MeteringOperationAutoConfiguration;
import dev.metering.autoconfigure.MeteringQuotaAutoConfiguration;
import dev.metering.autoconfigure.MeteringRollupAutoConfiguration;
import dev.metering.ledger.BufferedLedgerWriter;
import dev.metering.quota.QuotaExceededException;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.jdbc.core.JdbcTemplate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * {@code @Metered} on a service bean with a hard quota: a call that would pass the limit is
 * refused before it runs, and nothing is recorded for it.
 */
class MeteredEnforcementTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withPropertyValues("spring.datasource.url=jdbc:h2:mem:metered-quota-${random.uuid}",
				"metering.default-plan=free", "metering.plans.free.quotas[0].meter=reports.generated",
				"metering.plans.free.quotas[0].limit=10", "metering.plans.free.quotas[0].window=day",
				"metering.plans.free.quotas[0].enforcement=hard",
				"metering.plans.free.quotas[1].meter=rows.exported", "metering.plans.free.quotas[1].limit=5",
				"metering.plans.free.quotas[1].window=day", "metering.plans.free.quotas[1].enforcement=hard")
		.withConfiguration(AutoConfigurations.of(DataSourceAutoConfiguration.class,
				MeteringLedgerAutoConfiguration.class, MeteringRollupAutoConfiguration.class,
				MeteringQuotaAutoConfiguration.class, MeteringOperationAutoConfiguration.class))
		.withBean(Reports.class);

	@Test
	void theCallThatWouldPassTheLimitIsRefusedAndNotRecorded() {
		this.runner.run((context) -> {
			Reports reports = context.getBean(Reports.class);
			reports.generate(new Request("acme", 4));
			reports.generate(new Request("acme", 5));

			assertThatExceptionOfType(QuotaExceededException.class)
				.isThrownBy(() -> reports.generate(new Request("acme", 2)))
				.satisfies((ex) -> {
					assertThat(ex.getStatusCode().value()).isEqualTo(429);
					assertThat(ex.getDecision().limit()).isEqualByComparingTo("10");
					assertThat(ex.getDecision().used()).isEqualByComparingTo("9");
					assertThat(ex.getHeaders().getFirst("Retry-After")).isNotNull();
				});
			assertThat(reports.calls()).isEqualTo(2);

			reports.generate(new Request("acme", 1));
			reports.generate(new Request("globex", 10));
			assertThat(ledgerSum(context, "acme", "reports.generated")).isEqualByComparingTo("10");
			assertThat(ledgerCount(context, "acme")).isEqualTo(3);
		});
	}

	@Test
	void aResultBasedQuantityIsPreCheckedForRemainingQuotaAndRecordsTheRealResult() {
		this.runner.run((context) -> {
			Reports reports = context.getBean(Reports.class);
			assertThat(reports.export("acme", 3)).hasSize(3);
			// 2 left: the pre-check passes, the real 3 rows are recorded (6 of 5).
			assertThat(reports.export("acme", 3)).hasSize(3);

			assertThatExceptionOfType(QuotaExceededException.class).isThrownBy(() -> reports.export("acme", 1));
			assertThat(ledgerSum(context, "acme", "rows.exported")).isEqualByComparingTo("6");
		});
	}

	private static BigDecimal ledgerSum(AssertableApplicationContext context, String tenant, String meter) {
		assertThat(context.getBean(BufferedLedgerWriter.class).flush(Duration.ofSeconds(10))).isTrue();
		return new JdbcTemplate(context.getBean(javax.sql.DataSource.class)).queryForObject(
				"SELECT COALESCE(SUM(quantity), 0) FROM metering_usage_event WHERE tenant_id = ? AND meter = ?",
				BigDecimal.class, tenant, meter);
	}

	private static long ledgerCount(AssertableApplicationContext context, String tenant) {
		assertThat(context.getBean(BufferedLedgerWriter.class).flush(Duration.ofSeconds(10))).isTrue();
		return new JdbcTemplate(context.getBean(javax.sql.DataSource.class))
			.queryForObject("SELECT COUNT(*) FROM metering_usage_event WHERE tenant_id = ?", Long.class, tenant);
	}

	record Request(String tenant, int pages) {
	}

	static class Reports {

		private int calls;

		public int calls() {
			return this.calls;
		}

		@Metered(meter = "reports.generated", quantity = "#request.pages", tenant = "#request.tenant")
		public String generate(Request request) {
			this.calls++;
			return "report";
		}

		@Metered(meter = "rows.exported", quantity = "#result.size()", tenant = "#tenant")
		public List<Integer> export(String tenant, int rows) {
			return java.util.stream.IntStream.range(0, rows).boxed().toList();
		}

	}

}
