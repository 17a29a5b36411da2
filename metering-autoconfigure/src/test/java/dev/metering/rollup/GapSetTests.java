package dev.metering.rollup;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The gap bookkeeping on its own: ids found split their range, old ranges expire.
 */
class GapSetTests {

	private static final Instant T0 = Instant.parse("2026-11-23T18:00:00Z");

	@Test
	void foundIdsSplitTheirRangeAndKeepItsAge() {
		GapSet gaps = new GapSet(List.of(new IdGap(10, 14, T0), new IdGap(20, 20, T0)));

		assertThat(gaps.fill(12)).isTrue();
		assertThat(gaps.fill(10)).isTrue();
		assertThat(gaps.fill(20)).isTrue();
		assertThat(gaps.fill(15)).isFalse();
		assertThat(gaps.fill(5)).isFalse();

		assertThat(gaps.gaps()).containsExactly(new IdGap(11, 11, T0), new IdGap(13, 14, T0));
	}

	@Test
	void gapsExpireWhenTheTimeoutHasPassedSinceTheyWereFirstSeen() {
		GapSet gaps = new GapSet(List.of(new IdGap(1, 3, T0)));
		gaps.open(7, 9, T0.plusSeconds(60));

		gaps.expire(T0.plusSeconds(299), Duration.ofMinutes(5));
		assertThat(gaps.size()).isEqualTo(2);
		gaps.expire(T0.plusSeconds(300), Duration.ofMinutes(5));

		assertThat(gaps.gaps()).containsExactly(new IdGap(7, 9, T0.plusSeconds(60)));
		assertThat(gaps.expired()).isEqualTo(1);
	}

	@Test
	void zeroTimeoutGivesEveryGapUpAtOnceAsANaiveWatermarkWould() {
		GapSet gaps = new GapSet(List.of());
		gaps.open(4, 4, T0);

		gaps.expire(T0, Duration.ZERO);

		assertThat(gaps.gaps()).isEmpty();
	}

}
