package dev.metering.event;

import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * An event the sink does not take is never reported as recorded: the caller gets
 * {@link UsageNotRecordedException} naming how many of the first events were taken.
 */
class DefaultUsageRecorderTests {

	private final UsageEventValidator validator = new UsageEventValidator(Clock.systemUTC(), Duration.ofDays(1),
			new BigDecimal("1000000000"));

	@Test
	void anEventTheSinkRefusesIsReportedToTheCaller() {
		DefaultUsageRecorder recorder = new DefaultUsageRecorder(this.validator, (event) -> false);

		assertThatExceptionOfType(UsageNotRecordedException.class)
			.isThrownBy(() -> recorder.record(UsageEvent.builder("acme", "api.calls").build()))
			.satisfies((ex) -> {
				assertThat(ex.recorded()).isZero();
				assertThat(ex.notRecorded()).isEqualTo(1);
			});
	}

	@Test
	void aBatchStopsAtTheFirstRefusalAndNamesHowManyWereTaken() {
		List<UsageEvent> taken = new ArrayList<>();
		DefaultUsageRecorder recorder = new DefaultUsageRecorder(this.validator,
				(event) -> taken.size() < 3 && taken.add(event));
		List<UsageEvent> batch = new ArrayList<>();
		for (int i = 0; i < 10; i++) {
			batch.add(UsageEvent.builder("acme", "api.calls").userId("u-" + i).build());
		}

		assertThatExceptionOfType(UsageNotRecordedException.class).isThrownBy(() -> recorder.recordAll(batch))
			.satisfies((ex) -> {
				assertThat(ex.recorded()).isEqualTo(3);
				assertThat(ex.notRecorded()).isEqualTo(7);
			});
		assertThat(taken).containsExactlyElementsOf(batch.subList(0, 3));
	}

}
