package dev.metering.autoconfigure;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import dev.metering.event.UsageEvent;
import dev.metering.event.UsageRecorder;
import dev.metering.ledger.BufferedLedgerWriter;
import dev.metering.ledger.EventSpool;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The spool's auto-configuration: off unless enabled, and when enabled every recorded event
 * passes through its directory.
 */
class SpoolAutoConfigurationTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withPropertyValues("spring.datasource.url=jdbc:h2:mem:spool-${random.uuid}")
		.withConfiguration(
				AutoConfigurations.of(DataSourceAutoConfiguration.class, MeteringLedgerAutoConfiguration.class));

	@TempDir
	Path directory;

	@Test
	void theSpoolIsOffByDefault() {
		this.runner.run((context) -> assertThat(context).hasSingleBean(BufferedLedgerWriter.class)
			.doesNotHaveBean(EventSpool.class));
	}

	@Test
	void enabledTheSpoolTakesEveryRecordedEventInItsDirectory() {
		this.runner
			.withPropertyValues("metering.writer.spool.enabled=true",
					"metering.writer.spool.directory=" + this.directory, "metering.writer.spool.segment-size=1MB",
					"metering.writer.spool.max-size=8MB", "metering.writer.spool.fsync-interval=200ms")
			.run((context) -> {
				assertThat(context).hasSingleBean(EventSpool.class);
				context.getBean(UsageRecorder.class).record(UsageEvent.builder("acme", "http.requests").build());
				EventSpool spool = context.getBean(EventSpool.class);
				assertThat(spool.flush(Duration.ofSeconds(30))).isTrue();
				assertThat(spool.stats().spooled()).isEqualTo(1);
				try (var files = Files.list(this.directory)) {
					assertThat(files.filter((file) -> file.toString().endsWith(".seg")))
						.singleElement()
						.satisfies((segment) -> assertThat(Files.size(segment)).isEqualTo(1024 * 1024));
				}
			});
	}

	@Test
	void aUserSpoolBeanWins() {
		this.runner.withPropertyValues("metering.writer.spool.enabled=true")
			.withBean("mySpool", EventSpool.class,
					() -> new EventSpool(new BufferedLedgerWriter((events, at) -> null,
							dev.metering.ledger.WriterSettings.defaults(), java.time.Clock.systemUTC()),
							dev.metering.ledger.SpoolSettings.in(this.directory)))
			.run((context) -> assertThat(context).getBean(EventSpool.class)
				.isSameAs(context.getBean("mySpool")));
	}

}
