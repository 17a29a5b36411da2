package dev.metering.tenant;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.YearMonth;
import java.time.ZoneId;
import java.time.temporal.ChronoUnit;
import java.util.Random;

import dev.metering.billing.Granularity;
import dev.metering.quota.QuotaWindow;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * A billing scope's calendar: periods from the anchor day's local midnight (clamped in short
 * months), days from local midnight across both DST changes, whole-hour zones only; quota windows
 * and usage buckets use the same boundaries, and every instant falls in exactly one period.
 */
class BillingCalendarTests {

	private static final ZoneId BERLIN = ZoneId.of("Europe/Berlin");

	@Test
	void berlinDaysStartAtLocalMidnightAcrossBothDstChanges() {
		BillingCalendar calendar = BillingCalendar.of(BERLIN, 1);
		// 2026-03-29: clocks go 02:00 -> 03:00 (a 23-hour day); 2026-10-25: 03:00 -> 02:00 (25 hours).
		BillingCalendar.Window spring = calendar.day(Instant.parse("2026-03-29T12:00:00Z"));
		assertThat(spring.start()).isEqualTo(Instant.parse("2026-03-28T23:00:00Z"));
		assertThat(spring.end()).isEqualTo(Instant.parse("2026-03-29T22:00:00Z"));
		assertThat(Duration.between(spring.start(), spring.end())).isEqualTo(Duration.ofHours(23));
		BillingCalendar.Window autumn = calendar.day(Instant.parse("2026-10-25T12:00:00Z"));
		assertThat(autumn.start()).isEqualTo(Instant.parse("2026-10-24T22:00:00Z"));
		assertThat(autumn.end()).isEqualTo(Instant.parse("2026-10-25T23:00:00Z"));
		assertThat(Duration.between(autumn.start(), autumn.end())).isEqualTo(Duration.ofHours(25));
		// The quota window and the usage API's day bucket are the same day.
		assertThat(QuotaWindow.DAY.bounds(Instant.parse("2026-03-29T12:00:00Z"), calendar).start())
			.isEqualTo(spring.start());
		assertThat(QuotaWindow.DAY.end(spring.start(), calendar)).isEqualTo(spring.end());
		assertThat(Granularity.DAY.start(Instant.parse("2026-10-25T22:59:59Z"), calendar)).isEqualTo(autumn.start());
		assertThat(Granularity.DAY.next(autumn.start(), calendar)).isEqualTo(autumn.end());
		// A daily quota resets at local midnight: 22:59:59Z is still the 29th in Berlin (summer time), 23:00Z is not.
		assertThat(QuotaWindow.DAY.bounds(Instant.parse("2026-03-29T21:59:59Z"), calendar).start())
			.isEqualTo(spring.start());
		assertThat(QuotaWindow.DAY.bounds(Instant.parse("2026-03-29T22:00:00Z"), calendar).start())
			.isEqualTo(spring.end());
	}

	@Test
	void berlinMonthsSpanTheDstChangesAtLocalMidnight() {
		BillingCalendar calendar = BillingCalendar.of(BERLIN, 1);
		BillingCalendar.Window march = calendar.periodStartingIn(YearMonth.of(2026, 3));
		assertThat(march.start()).isEqualTo(Instant.parse("2026-02-28T23:00:00Z"));
		assertThat(march.end()).isEqualTo(Instant.parse("2026-03-31T22:00:00Z"));
		BillingCalendar.Window october = calendar.periodStartingIn(YearMonth.of(2026, 10));
		assertThat(october.start()).isEqualTo(Instant.parse("2026-09-30T22:00:00Z"));
		assertThat(october.end()).isEqualTo(Instant.parse("2026-10-31T23:00:00Z"));
		assertThat(QuotaWindow.MONTH.bounds(Instant.parse("2026-10-31T22:30:00Z"), calendar).end())
			.isEqualTo(october.end());
		assertThat(Granularity.MONTH.start(Instant.parse("2026-03-31T21:59:59Z"), calendar)).isEqualTo(march.start());
	}

	@ParameterizedTest
	@ValueSource(ints = { 1, 15, 28, 29, 30, 31 })
	void anchorsAreClampedToTheLastDayOfShortMonths(int anchor) {
		BillingCalendar calendar = BillingCalendar.of(BERLIN, anchor);
		for (int year : new int[] { 2027, 2028 }) {
			int february = YearMonth.of(year, 2).lengthOfMonth();
			BillingCalendar.Window inFebruary = calendar.periodStartingIn(YearMonth.of(year, 2));
			assertThat(inFebruary.start()).isEqualTo(midnight(LocalDate.of(year, 2, Math.min(anchor, february))));
			assertThat(inFebruary.end()).isEqualTo(midnight(LocalDate.of(year, 3, Math.min(anchor, 31))));
			BillingCalendar.Window inJanuary = calendar.periodStartingIn(YearMonth.of(year, 1));
			assertThat(inJanuary.end()).as("January's period ends where February's starts").isEqualTo(inFebruary.start());
			// The instant before February's start is in January's period, the start itself in February's.
			assertThat(calendar.period(inFebruary.start().minusNanos(1))).isEqualTo(inJanuary);
			assertThat(calendar.period(inFebruary.start())).isEqualTo(inFebruary);
			BillingCalendar.Window inApril = calendar.periodStartingIn(YearMonth.of(year, 4));
			assertThat(inApril.start()).isEqualTo(midnight(LocalDate.of(year, 4, Math.min(anchor, 30))));
		}
	}

	@ParameterizedTest
	@ValueSource(ints = { 1, 15, 28, 29, 30, 31 })
	void everyInstantIsInExactlyOnePeriodAndOneDay(int anchor) {
		BillingCalendar calendar = BillingCalendar.of(BERLIN, anchor);
		Random random = new Random(anchor);
		Instant from = Instant.parse("2027-01-01T00:00:00Z");
		long span = Duration.ofDays(800).toSeconds();
		for (int i = 0; i < 20_000; i++) {
			Instant at = from.plusSeconds((long) (random.nextDouble() * span)).plusNanos(random.nextInt(1_000_000_000));
			BillingCalendar.Window period = calendar.period(at);
			assertThat(period.start()).isBeforeOrEqualTo(at);
			assertThat(period.end()).isAfter(at);
			// Tiling: the neighbours end and start exactly at this period's boundaries.
			assertThat(calendar.period(period.start().minusNanos(1)).end()).isEqualTo(period.start());
			assertThat(calendar.period(period.end()).start()).isEqualTo(period.end());
			LocalDate startDay = LocalDate.ofInstant(period.start(), BERLIN);
			assertThat(startDay.getDayOfMonth()).isEqualTo(Math.min(anchor, startDay.lengthOfMonth()));
			assertThat(period.start().truncatedTo(ChronoUnit.HOURS)).isEqualTo(period.start());
			BillingCalendar.Window day = calendar.day(at);
			assertThat(day.start()).isBeforeOrEqualTo(at);
			assertThat(day.end()).isAfter(at);
			assertThat(LocalDateTime.ofInstant(day.start(), BERLIN).toLocalTime().toSecondOfDay()).isZero();
		}
	}

	@Test
	void zonesWithOffsetsNotOfWholeHoursAreRefusedNamingTheOffset() {
		assertThatIllegalArgumentException().isThrownBy(() -> BillingCalendar.parse("America/St_Johns", 1))
			.withMessageContaining("America/St_Johns")
			.withMessageContaining("-03:30");
		assertThatIllegalArgumentException().isThrownBy(() -> BillingCalendar.parse("Asia/Kathmandu", 1))
			.withMessageContaining("+05:45");
		assertThatIllegalArgumentException().isThrownBy(() -> BillingCalendar.parse("+05:30", 1));
		assertThatIllegalArgumentException().isThrownBy(() -> BillingCalendar.parse("Mars/Olympus", 1))
			.withMessageContaining("unknown time zone");
		assertThatIllegalArgumentException().isThrownBy(() -> BillingCalendar.parse("UTC", 32));
		// Whole-hour zones, and the default.
		assertThat(BillingCalendar.parse("Asia/Singapore", 15).zone()).isEqualTo(ZoneId.of("Asia/Singapore"));
		assertThat(BillingCalendar.parse("America/New_York", 31).anchorDay()).isEqualTo(31);
		assertThat(BillingCalendar.parse(null, null)).isSameAs(BillingCalendar.UTC);
	}

	private static Instant midnight(LocalDate date) {
		return date.atStartOfDay(BERLIN).toInstant();
	}

}
