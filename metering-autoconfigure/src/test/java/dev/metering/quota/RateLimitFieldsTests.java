package dev.metering.quota;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;

import dev.metering.test.StructuredFields;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class RateLimitFieldsTests {

	private static final Instant START = Instant.parse("2026-11-01T00:00:00Z");

	private static final Instant RESET = Instant.parse("2026-12-01T00:00:00Z");

	@Test
	void formatsTheDraftsExample() {
		PolicyUsage usage = usage("free-http.requests-month", 1000, 1000, QuotaWindow.MONTH);
		Instant now = RESET.minusSeconds(86400);
		assertThat(RateLimitFields.policy(List.of(usage))).isEqualTo("\"free-http.requests-month\";q=1000;w=2592000");
		assertThat(RateLimitFields.rateLimit(List.of(usage), now)).isEqualTo("\"free-http.requests-month\";r=0;t=86400");
	}

	@Test
	void fieldsParseAsStructuredFieldLists() {
		PolicyUsage month = usage("free-http.requests-month", 1000, 250, QuotaWindow.MONTH);
		PolicyUsage hour = new PolicyUsage(policy("acme-http.requests-hour", 50, QuotaWindow.HOUR), "acme",
				new BigDecimal("12.5"), new BigDecimal("37.5"), Instant.parse("2026-11-23T10:00:00Z"),
				Instant.parse("2026-11-23T11:00:00Z"), false);
		Instant now = Instant.parse("2026-11-23T10:15:00.250Z");
		List<StructuredFields.Member> policies = StructuredFields.parseList(RateLimitFields.policy(List.of(month, hour)));
		assertThat(policies).hasSize(2);
		assertThat(policies.get(0).value()).isEqualTo("free-http.requests-month");
		assertThat(policies.get(0).integer("q")).isEqualTo(1000);
		assertThat(policies.get(0).integer("w")).isEqualTo(30 * 86400);
		assertThat(policies.get(1).integer("w")).isEqualTo(3600);
		List<StructuredFields.Member> state = StructuredFields.parseList(RateLimitFields.rateLimit(List.of(month, hour), now));
		assertThat(state.get(0).integer("r")).isEqualTo(750);
		// 37.5 left: an Integer field says 37, never more than what is left
		assertThat(state.get(1).integer("r")).isEqualTo(37);
		// 44 min 59.75 s left: rounded up, so a client never retries early
		assertThat(state.get(1).integer("t")).isEqualTo(2700);
	}

	@Test
	void policyNamesAreEscapedStrings() {
		PolicyUsage odd = usage("t\"en\\ant-é", 10, 0, QuotaWindow.DAY);
		String field = RateLimitFields.policy(List.of(odd));
		assertThat(StructuredFields.parseList(field).get(0).value()).isEqualTo("t\"en\\ant-_");
	}

	@Test
	void integersAreClampedToFifteenDigits() {
		assertThat(RateLimitFields.integer(new BigDecimal("1e20"))).isEqualTo(999_999_999_999_999L);
		assertThat(RateLimitFields.integer(new BigDecimal("-3"))).isZero();
		assertThat(RateLimitFields.integer(new BigDecimal("2.99"))).isEqualTo(2);
	}

	@Test
	void retryAfterIsWholeSecondsUntilResetAndAtLeastOne() {
		QuotaDecision denied = new QuotaDecision(QuotaDecision.Outcome.DENY, "t", "m", BigDecimal.ONE,
				usage("p", 10, 10, QuotaWindow.MONTH), List.of(), List.of("p"), true, Reservation.NONE);
		assertThat(RateLimitFields.retryAfter(denied, RESET.minusMillis(1500))).isEqualTo(2);
		assertThat(RateLimitFields.retryAfter(denied, RESET)).isEqualTo(1);
	}

	@Test
	void theCachedMemberOfAPolicyFollowsItsWindow() {
		// One policy object in two months of different lengths: the member is cached per window.
		QuotaPolicy month = policy("free-http.requests-month", 1000, QuotaWindow.MONTH);
		Instant february = Instant.parse("2027-02-01T00:00:00Z");
		Instant march = Instant.parse("2027-03-01T00:00:00Z");
		Instant april = Instant.parse("2027-04-01T00:00:00Z");
		for (int i = 0; i < 3; i++) {
			assertThat(RateLimitFields.policy(List.of(new PolicyUsage(month, "free", BigDecimal.ONE,
					BigDecimal.valueOf(999), february, march, false)))).endsWith(";w=" + 28 * 86400);
			assertThat(RateLimitFields.policy(List.of(new PolicyUsage(month, "free", BigDecimal.ONE,
					BigDecimal.valueOf(999), march, april, false)))).endsWith(";w=" + 31 * 86400);
		}
	}

	@Test
	void policiesOfTheSameNameKeepTheirOwnLimits() {
		// A changed definition is a new policy object under the old name: never the old member.
		QuotaPolicy before = policy("free-http.requests-month", 1000, QuotaWindow.MONTH);
		QuotaPolicy after = policy("free-http.requests-month", 5000, QuotaWindow.MONTH);
		PolicyUsage old = new PolicyUsage(before, "free", BigDecimal.ONE, BigDecimal.valueOf(999), START, RESET, false);
		PolicyUsage raised = new PolicyUsage(after, "free", BigDecimal.ONE, BigDecimal.valueOf(4999), START, RESET,
				false);
		assertThat(RateLimitFields.policy(List.of(old))).isEqualTo("\"free-http.requests-month\";q=1000;w=2592000");
		assertThat(RateLimitFields.policy(List.of(raised))).isEqualTo("\"free-http.requests-month\";q=5000;w=2592000");
		assertThat(RateLimitFields.policy(List.of(old, raised)))
			.isEqualTo("\"free-http.requests-month\";q=1000;w=2592000, \"free-http.requests-month\";q=5000;w=2592000");
		assertThat(RateLimitFields.rateLimit(List.of(raised), RESET.minusSeconds(10)))
			.isEqualTo("\"free-http.requests-month\";r=4999;t=10");
	}

	@Test
	void secondsUntilRoundsUpAndNeverGoesBelowZero() {
		Instant reset = Instant.parse("2026-12-01T00:00:00Z");
		assertThat(RateLimitFields.secondsUntil(reset.minusNanos(1), reset)).isEqualTo(1);
		assertThat(RateLimitFields.secondsUntil(reset.minusMillis(2500), reset)).isEqualTo(3);
		assertThat(RateLimitFields.secondsUntil(reset.minusSeconds(7), reset)).isEqualTo(7);
		assertThat(RateLimitFields.secondsUntil(reset, reset)).isZero();
		assertThat(RateLimitFields.secondsUntil(reset.plusMillis(300), reset)).isZero();
		assertThat(RateLimitFields.secondsUntil(reset.plusSeconds(5), reset)).isZero();
	}

	@Test
	void parserRejectsWhatTheRfcRejects() {
		assertThatIllegalArgumentException().isThrownBy(() -> StructuredFields.parseList("\"a\";q=1,"));
		assertThatIllegalArgumentException().isThrownBy(() -> StructuredFields.parseList("\"a\";Q=1"));
		assertThatIllegalArgumentException().isThrownBy(() -> StructuredFields.parseList("\"a\";q=1234567890123456"));
		assertThatIllegalArgumentException().isThrownBy(() -> StructuredFields.parseList("'a'"));
		assertThat(StructuredFields.parseList("a;q=1, (b c);x, ?1, 1.5").get(1).items()).hasSize(2);
	}

	private static QuotaPolicy policy(String name, long limit, QuotaWindow window) {
		return new QuotaPolicy(name, "http.requests", BigDecimal.valueOf(limit), window, Enforcement.HARD, null);
	}

	private static PolicyUsage usage(String name, long limit, long used, QuotaWindow window) {
		Instant start = (window == QuotaWindow.MONTH) ? START : window.start(Instant.parse("2026-11-23T10:15:00Z"));
		return new PolicyUsage(policy(name, limit, window), "free", BigDecimal.valueOf(used),
				BigDecimal.valueOf(Math.max(0, limit - used)), start, window.end(start), used >= limit);
	}

}
