package dev.metering.operation;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import dev.metering.autoconfigure.MeteringLedgerAutoConfiguration;
import dev.metering.autoconfigure.MeteringOperationAutoConfiguration;
import dev.metering.autoconfigure.metrics.MeteringMetricsAutoConfiguration;
import dev.metering.ledger.BufferedLedgerWriter;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.jdbc.core.JdbcTemplate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A {@code @Metered} call whose event the writer drops (buffer full) still returns, and the drop
 * is counted: {@code metering.operations.unrecorded} and the writer's dropped events agree with
 * what the ledger misses.
 */
class MeteredDropTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withPropertyValues("spring.datasource.url=jdbc:h2:mem:metered-drops-${random.uuid}",
				"metering.writer.capacity=1", "metering.writer.overflow=drop")
		.withConfiguration(AutoConfigurations.of(DataSourceAutoConfiguration.class,
				MeteringLedgerAutoConfiguration.class, MeteringOperationAutoConfiguration.class,
				MetricsAutoConfiguration.class, SimpleMetricsExportAutoConfiguration.class,
				MeteringMetricsAutoConfiguration.class))
		.withBean(Work.class);

	@Test
	void aDroppedCallEventIsCountedAndTheCallStillReturns() {
		this.runner.run((context) -> {
			Work work = context.getBean(Work.class);
			BufferedLedgerWriter writer = context.getBean(BufferedLedgerWriter.class);
			int calls = 0;
			while (writer.stats().dropped() == 0 && calls < 100_000) {
				assertThat(work.pages("acme")).isEqualTo(1);
				calls++;
			}
			assertThat(writer.flush(Duration.ofSeconds(10))).isTrue();
			long rows = new JdbcTemplate(context.getBean(javax.sql.DataSource.class))
				.queryForObject("SELECT COUNT(*) FROM metering_usage_event", Long.class);
			double unrecorded = context.getBean(MeterRegistry.class)
				.get("metering.operations.unrecorded")
				.tag("meter", "pages")
				.counter()
				.count();

			assertThat(work.done()).isEqualTo(calls);
			assertThat(unrecorded).isPositive().isEqualTo((double) writer.stats().dropped());
			assertThat(rows + (long) unrecorded).isEqualTo(calls);
		});
	}

	static class Work {

		private final AtomicInteger done = new AtomicInteger();

		int done() {
			return this.done.get();
		}

		@Metered(meter = "pages", tenant = "#tenant")
		public int pages(String tenant) {
			this.done.incrementAndGet();
			return 1;
		}

	}

}
