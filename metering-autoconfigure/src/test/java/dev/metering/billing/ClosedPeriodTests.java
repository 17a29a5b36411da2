package dev.metering.billing;

import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
import java.util.List;

import javax.sql.DataSource;

import dev.metering.autoconfigure.MeteringLedgerAutoConfiguration;
import dev.metering.event.DefaultUsageRecorder;
import dev.metering.event.InvalidUsageEventException;
import dev.metering.event.UsageEvent;
import dev.metering.event.UsageEventValidator;
import dev.metering.event.UsageRecorder;
import dev.metering.ledger.BufferedLedgerWriter;
import dev.metering.ledger.JdbcUsageEventStore;
import dev.metering.rollup.RollupJob;
import dev.metering.rollup.RollupSettings;
import dev.metering.test.FaultyDataSource;
import dev.metering.test.MutableClock;
import dev.metering.test.TestDatabase;
import dev.metering.test.TestSchema;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * The late-event policy: a period closes {@code close-after} (here the ledger's late window)
 * after its end; until then late events still count in its report, from then on the ledger
 * rejects them, so a closed period's report never changes.
 */
class ClosedPeriodTests {

	private static final Duration LATE_WINDOW = Duration.ofDays(35);

	private static final BillingPeriod NOVEMBER = BillingPeriod.month(YearMonth.of(2026, 11));

	@ParameterizedTest
	@EnumSource(TestDatabase.class)
	void aClosedPeriodsReportDoesNotChange(TestDatabase database) {
		try (TestSchema schema = database.newSchema()) {
			MutableClock clock = new MutableClock(Instant.parse("2026-12-03T12:00:00Z"));
			JdbcUsageEventStore store = new JdbcUsageEventStore(schema.dataSource(), schema::dialect, schema.tables());
			// A synchronous sink, so what was recorded is in the ledger when record returns.
			UsageRecorder recorder = new DefaultUsageRecorder(
					new UsageEventValidator(clock, LATE_WINDOW, new BigDecimal("1000000000000")),
					(event) -> store.insert(List.of(event), clock.instant()).inserted() > 0);
			RollupJob rollup = new RollupJob(schema.dataSource(), schema::dialect, schema.tables(),
					RollupSettings.defaults(), clock);
			BillingReportService reports = BillingFromLedgerTests.reportService(schema, clock);

			recorder.record(event("1500", "2026-11-10T08:00:00Z"));
			rollup.rollupNow();
			BillingReport open = reports.report("acme", NOVEMBER);
			assertThat(open.closed()).isFalse();
			assertThat(open.closesAt()).isEqualTo(NOVEMBER.to().plus(LATE_WINDOW));
			assertThat(open.lines().get(0).charge().quantity()).isEqualByComparingTo("1500");

			// Just before the close a late event still counts.
			clock.set(open.closesAt().minusSeconds(3600));
			recorder.record(event("500", "2026-11-30T23:30:00Z"));
			rollup.rollupNow();
			BillingReport late = reports.report("acme", NOVEMBER);
			assertThat(late.closed()).isFalse();
			assertThat(late.lines().get(0).charge().quantity()).isEqualByComparingTo("2000");

			// From the close on, every event of the period is refused, and nothing changes.
			clock.set(open.closesAt());
			assertThatExceptionOfType(InvalidUsageEventException.class)
				.isThrownBy(() -> recorder.record(event("700", "2026-11-30T23:59:59Z")))
				.satisfies((ex) -> assertThat(ex.getField()).isEqualTo("occurredAt"));
			assertThatExceptionOfType(InvalidUsageEventException.class)
				.isThrownBy(() -> recorder.record(event("700", "2026-11-01T00:00:00Z")));
			rollup.rollupNow();
			BillingReport closed = reports.report("acme", NOVEMBER);
			assertThat(closed.closed()).isTrue();
			assertThat(closed.lines()).isEqualTo(late.lines());
			assertThat(closed.subtotal()).isEqualTo(late.subtotal());
			assertThat(schema.eventCount()).isEqualTo(2);
		}
	}

	@ParameterizedTest
	@EnumSource(TestDatabase.class)
	void anEventBufferedThroughAnOutageIsRefusedOnceItsPeriodHasClosed(TestDatabase database) {
		try (TestSchema schema = database.newSchema()) {
			FaultyDataSource faulty = new FaultyDataSource(schema.dataSource());
			Instant closesAt = NOVEMBER.to().plus(LATE_WINDOW);
			MutableClock clock = new MutableClock(closesAt.minusSeconds(60));
			new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(MeteringLedgerAutoConfiguration.class))
				.withBean(DataSource.class, () -> faulty)
				.withBean(Clock.class, () -> clock)
				.withPropertyValues("metering.jdbc.table-prefix=" + schema.prefix(),
						"metering.jdbc.initialize-schema=never", "metering.jdbc.platform=" + platform(database),
						"metering.writer.retry.initial-backoff=10ms", "metering.writer.retry.max-backoff=50ms")
				.run((context) -> {
					BufferedLedgerWriter writer = context.getBean(BufferedLedgerWriter.class);
					faulty.mode(FaultyDataSource.Mode.FAIL);
					// Within the late window when recorded; the database is down until after the close.
					context.getBean(UsageRecorder.class).record(event("700", "2026-11-30T23:59:00Z"));
					Thread.sleep(200);
					clock.set(closesAt.plusSeconds(1));
					faulty.mode(FaultyDataSource.Mode.NORMAL);
					assertThat(writer.flush(Duration.ofSeconds(20))).isTrue();

					assertThat(schema.eventCount()).isZero();
					assertThat(writer.stats().rejected()).isEqualTo(1);
				});
		}
	}

	private static String platform(TestDatabase database) {
		return switch (database) {
			case H2 -> "h2";
			case POSTGRESQL -> "postgresql";
			case MARIADB -> "mariadb";
		};
	}

	private static UsageEvent event(String quantity, String occurredAt) {
		return UsageEvent.builder("acme", "api.calls")
			.quantity(new BigDecimal(quantity))
			.occurredAt(Instant.parse(occurredAt))
			.build();
	}

}
