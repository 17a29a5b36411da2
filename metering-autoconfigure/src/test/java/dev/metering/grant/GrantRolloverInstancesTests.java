package dev.metering.grant;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.BooleanSupplier;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariDataSource;

import dev.metering.admin.InvalidDefinitionException;
import dev.metering.quota.LeaseInstances;
import dev.metering.test.MutableClock;
import dev.metering.test.TestDatabase;
import dev.metering.test.TestSchema;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * A recurring grant with a rollover rule on two instances (two contexts on separate pools to one
 * database, both running the renewer): each month is renewed once, what was left at a month's end
 * carries into the next once, capped, after the ledger has the month's usage; the carried units
 * are admitted exactly on both instances; a voided grant stops renewing. Bad rules name the field
 * and write nothing.
 */
class GrantRolloverInstancesTests {

	private static final String METER = "http.requests";

	private static final Instant NOVEMBER = Instant.parse("2026-11-01T00:00:00Z");

	private static final Instant DECEMBER = Instant.parse("2026-12-01T00:00:00Z");

	private static final Instant JANUARY = Instant.parse("2027-01-01T00:00:00Z");

	private static ApplicationContextRunner instance(TestSchema schema, DataSource dataSource, MutableClock clock) {
		return GrantInstancesTests.instance(schema, dataSource, clock, "30s")
			.withPropertyValues("metering.grants.check-interval=50ms", "metering.grants.renew-ahead=1h",
					"metering.grants.rollover-delay=1m");
	}

	@ParameterizedTest
	@EnumSource(TestDatabase.class)
	void aRecurringGrantRenewsEachMonthOnceAndCarriesWhatIsLeftCapped(TestDatabase database) throws Exception {
		MutableClock clock = new MutableClock(Instant.parse("2026-11-23T10:15:00Z"));
		try (TestSchema schema = database.newSchema(); HikariDataSource a = database.newDataSource(4);
				HikariDataSource b = database.newDataSource(4)) {
			instance(schema, a, clock).run((one) -> instance(schema, b, clock).run((two) -> {
				GrantService grants = one.getBean(GrantService.class);
				assertThatExceptionOfType(InvalidDefinitionException.class)
					.isThrownBy(() -> grants.create("ops", new NewGrant("acme", METER, BigDecimal.TEN, null, null,
							DECEMBER, null, GrantService.MONTH, null)))
					.satisfies((ex) -> assertThat(ex.getField()).isEqualTo("expires_at"));
				assertThatExceptionOfType(InvalidDefinitionException.class)
					.isThrownBy(() -> grants.create("ops", new NewGrant("acme", METER, BigDecimal.TEN, null, null, null,
							null, null, BigDecimal.ONE)))
					.satisfies((ex) -> assertThat(ex.getField()).isEqualTo("rollover.max_amount"));
				assertThatExceptionOfType(InvalidDefinitionException.class)
					.isThrownBy(() -> grants.create("ops", new NewGrant("acme", METER, BigDecimal.TEN, null, null, null,
							null, "week", null)))
					.satisfies((ex) -> assertThat(ex.getField()).isEqualTo("recurrence"));
				assertThatExceptionOfType(InvalidDefinitionException.class)
					.isThrownBy(() -> grants.create("ops", new NewGrant("acme", METER, BigDecimal.TEN, null, null, null,
							null, GrantService.MONTH, BigDecimal.valueOf(-1))))
					.satisfies((ex) -> assertThat(ex.getField()).isEqualTo("rollover.max_amount"));
				assertThat(grants.grantsOf("acme")).isEmpty();

				Grant november = grants.create("ops", new NewGrant("acme", METER, BigDecimal.valueOf(100), null,
						NOVEMBER, null, "plan allowance", GrantService.MONTH, BigDecimal.valueOf(30)));
				assertThat(november.expiresAt()).isEqualTo(DECEMBER);
				ConfigurableApplicationContext[] instances = { one, two };
				assertThat(GrantInstancesTests.send(60, 8, "acme", (i) -> instances[i % 2])).isEqualTo(60);
				flush(one, two);

				// An hour before the month's end, both renewers see it due: one next month is written.
				clock.set(Instant.parse("2026-11-30T23:30:00Z"));
				await(() -> grants.grantsOf("acme").size() == 2);
				Thread.sleep(300);
				List<Grant> rows = grants.grantsOf("acme");
				assertThat(rows).hasSize(2);
				Grant december = rows.stream().filter((g) -> !g.id().equals(november.id())).findFirst().orElseThrow();
				assertThat(december.id()).isEqualTo(GrantRenewer.renewalId(november.id()));
				assertThat(december.amount()).isEqualByComparingTo("100");
				assertThat(december.effectiveAt()).isEqualTo(DECEMBER);
				assertThat(december.expiresAt()).isEqualTo(JANUARY);
				assertThat(december.rolloverMax()).isEqualByComparingTo("30");
				assertThat(audits(schema, "renew-grant")).isEqualTo(1);

				// December: usage before the rollover delay is over burns the renewed 100 first.
				clock.set(DECEMBER.plusSeconds(20));
				assertThat(GrantInstancesTests.send(10, 4, "acme", (i) -> instances[i % 2])).isEqualTo(10);
				flush(one, two);
				Thread.sleep(300);
				assertThat(find(grants, december.id()).carried()).isEqualByComparingTo("0");
				assertThat(audits(schema, "roll-over-grant")).isZero();

				// After it: November had 40 left, at most 30 carry.
				clock.set(DECEMBER.plusSeconds(90));
				await(() -> find(grants, december.id()).carried().signum() > 0);
				Thread.sleep(300);
				assertThat(find(grants, december.id()).amount()).isEqualByComparingTo("130");
				assertThat(find(grants, december.id()).carried()).isEqualByComparingTo("30");
				assertThat(audits(schema, "roll-over-grant")).isEqualTo(1);
				await(() -> balance(two).compareTo(BigDecimal.valueOf(120)) == 0);
				// The carried units are admitted exactly, across both instances.
				assertThat(GrantInstancesTests.send(300, 16, "acme", (i) -> instances[i % 2])).isEqualTo(120);
				flush(one, two);

				// January renews the 100 (not what was carried); December had nothing left to carry.
				clock.set(Instant.parse("2026-12-31T23:30:00Z"));
				await(() -> grants.grantsOf("acme").size() == 3);
				clock.set(JANUARY.plusSeconds(120));
				await(() -> rolledOver(schema, december.id()));
				Grant january = find(grants, GrantRenewer.renewalId(december.id()));
				assertThat(january.amount()).isEqualByComparingTo("100");
				assertThat(january.carried()).isEqualByComparingTo("0");
				assertThat(audits(schema, "renew-grant")).isEqualTo(2);
				assertThat(audits(schema, "roll-over-grant")).isEqualTo(1);

				// February is renewed ahead; voiding January voids it too, and nothing renews after.
				clock.set(Instant.parse("2027-01-31T23:30:00Z"));
				await(() -> grants.grantsOf("acme").size() == 4);
				grants.voidGrant("ops", january.id());
				Grant february = find(grants, GrantRenewer.renewalId(january.id()));
				assertThat(february.voidedAt()).isNotNull();
				clock.set(Instant.parse("2027-03-01T00:10:00Z"));
				Thread.sleep(500);
				assertThat(grants.grantsOf("acme")).hasSize(4);
				assertThat(audits(schema, "renew-grant")).isEqualTo(3);
				assertThat(audits(schema, "void-grant")).isEqualTo(2);
			}));
		}
	}

	private static void flush(ConfigurableApplicationContext... instances) {
		for (ConfigurableApplicationContext instance : instances) {
			LeaseInstances.flush(instance);
		}
	}

	private static Grant find(GrantService grants, String id) {
		return grants.grantsOf("acme").stream().filter((g) -> g.id().equals(id)).findFirst().orElseThrow();
	}

	private static BigDecimal balance(ConfigurableApplicationContext context) {
		return context.getBean(GrantService.class).balancesOf("acme").get(0).balance();
	}

	private static long audits(TestSchema schema, String action) {
		Long count = schema.jdbc()
			.queryForObject("SELECT COUNT(*) FROM " + schema.prefix() + "quota_audit" + " WHERE action = ?", Long.class,
					action);
		return (count != null) ? count : 0;
	}

	private static boolean rolledOver(TestSchema schema, String id) {
		Long count = schema.jdbc()
			.queryForObject("SELECT COUNT(*) FROM " + schema.prefix() + "grant"
					+ " WHERE grant_id = ? AND rolled_over_at IS NOT NULL", Long.class, id);
		return count != null && count == 1;
	}

	private static void await(BooleanSupplier condition) throws InterruptedException {
		long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
		while (!condition.getAsBoolean()) {
			if (System.nanoTime() > deadline) {
				throw new AssertionError("not within 20 s");
			}
			Thread.sleep(20);
		}
	}

}
