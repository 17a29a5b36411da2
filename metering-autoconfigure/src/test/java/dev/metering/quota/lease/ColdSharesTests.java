package dev.metering.quota.lease;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import com.zaxxer.hikari.HikariDataSource;

import dev.metering.quota.LeaseInstances;
import dev.metering.test.FailingDataSource;
import dev.metering.test.MutableClock;
import dev.metering.test.TestDatabase;
import dev.metering.test.TestSchema;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import org.springframework.context.ConfigurableApplicationContext;

import static dev.metering.quota.LeaseInstances.flush;
import static dev.metering.quota.LeaseInstances.instance;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Cold shares keep hard limits exact across the lives of a position (docs/quotas.md): an
 * instance killed while it admitted from shares it never settled, its position claimed again by a
 * new instance; a clean close followed at once by a new holder; a maintenance pass of a closed
 * epoch that runs after its position was released and taken. Two positions, two instances at a
 * time, hourly windows, a hard limit of 20: no tenant is ever admitted more than 20 times (what
 * every instance admitted, and the ledger).
 */
class ColdSharesTests {

	private static final int LIMIT = 20;

	private static final int TENANTS = 30;

	private static final String[] SHARES = { "metering.quota.lease.cold-shares.enabled=true",
			"metering.quota.lease.cold-shares.positions=2" };

	private final MutableClock clock = new MutableClock(Instant.parse("2026-11-23T10:05:00Z"));

	private final Map<String, AtomicInteger> allowed = new ConcurrentHashMap<>();

	/**
	 * Four times: an instance claims the second position (after the first time, from a killed
	 * holder: it is fenced off the hour it claims in), the hour turns, it admits from its shares of
	 * new tenants while its settlements fail (so it holds uses only its share rows cover), and it
	 * is killed: no settlement, no release, its events up to then in the ledger. The next one
	 * claims the expired position within the same hour, and both instances take traffic of every
	 * tenant so far.
	 */
	@ParameterizedTest
	@EnumSource(TestDatabase.class)
	void anInstanceKilledWithUnsettledSharesAndItsPositionsNextHolderNeverPassTheLimit(TestDatabase database)
			throws Exception {
		try (TestSchema schema = database.newSchema();
				HikariDataSource poolA = database.newDataSource(4);
				HikariDataSource poolV = database.newDataSource(4)) {
			instance(schema, keepOpen(poolA), this.clock, LIMIT, "hour", SHARES).run((a) -> {
				assertThat(a).hasNotFailed();
				assertThat(shares(a).position()).isZero();
				List<String> tenants = new ArrayList<>();
				for (int life = 0; life < 4; life++) {
					FailingDataSource failing = new FailingDataSource(keepOpen(poolV), (sql) -> sql.contains("SET instance_id = ?"));
					int lifeNo = life;
					instance(schema, failing, this.clock, LIMIT, "hour", SHARES).run((v) -> {
						assertThat(v).hasNotFailed();
						assertThat(shares(v).position()).isEqualTo(1);
						// The hour it claimed in: its share there may be an earlier life's, so it leases.
						traffic(a, v, tenants, lifeNo * 10);
						assertWithinLimit(schema, a, v);
						// A new hour: its shares of new tenants are its own; none of its uses is settled.
						nextHour(a, v);
						failing.failNext(Integer.MAX_VALUE);
						for (int t = 0; t < TENANTS; t++) {
							tenants.add("life" + lifeNo + "-" + t);
						}
						traffic(a, v, tenants, lifeNo * 10 + 5);
						assertThat(v.getBean(QuotaLeases.class).provisionalCount()).isPositive();
						flush(v);
						v.getBean(QuotaLeases.class).abandon();
					});
					// Its position expires; the survivor keeps its own.
					for (int s = 0; s < 4; s++) {
						this.clock.advance(Duration.ofSeconds(10));
						a.getBean(QuotaLeases.class).maintain();
					}
					assertWithinLimit(schema, a, null);
				}
			});
		}
	}

	/**
	 * An instance closes cleanly while it holds shares and uses of them, and a new instance claims
	 * its position at once (a clean claim: not fenced); both it and the survivor take traffic of
	 * the same tenants in the same hour. Five times.
	 */
	@ParameterizedTest
	@EnumSource(TestDatabase.class)
	void aCleanCloseAndANewHolderAtOnceNeverPassTheLimit(TestDatabase database) throws Exception {
		try (TestSchema schema = database.newSchema();
				HikariDataSource poolA = database.newDataSource(4);
				HikariDataSource poolV = database.newDataSource(4)) {
			instance(schema, keepOpen(poolA), this.clock, LIMIT, "hour", SHARES).run((a) -> {
				List<String> tenants = new ArrayList<>();
				for (int t = 0; t < TENANTS; t++) {
					tenants.add("clean-" + t);
				}
				for (int life = 0; life < 5; life++) {
					int lifeNo = life;
					// Each life also sees tenants nobody asked for yet: their shares are unused at the close.
					for (int t = 0; t < 10; t++) {
						tenants.add("clean" + lifeNo + "-" + t);
					}
					instance(schema, keepOpen(poolV), this.clock, LIMIT, "hour", SHARES).run((v) -> {
						assertThat(v).hasNotFailed();
						assertThat(shares(v).position()).isEqualTo(1);
						traffic(a, v, tenants.subList(0, tenants.size() - 5), lifeNo);
						// Closed (by the end of run) with settlements and give-backs racing the traffic.
					});
					assertWithinLimit(schema, a, null);
				}
			});
		}
	}

	/**
	 * A maintenance pass of an epoch that was closed (and whose position another instance took at
	 * once) runs late, as a pass read before the close would: it gives back and settles nothing of
	 * the new holder's. Also a close while maintenance passes run in a loop.
	 */
	@ParameterizedTest
	@EnumSource(TestDatabase.class)
	void aMaintenancePassRacingTheCloseChangesNothingOfTheNextHolder(TestDatabase database) throws Exception {
		try (TestSchema schema = database.newSchema();
				HikariDataSource poolA = database.newDataSource(4);
				HikariDataSource poolV = database.newDataSource(4);
				HikariDataSource poolW = database.newDataSource(4)) {
			instance(schema, keepOpen(poolA), this.clock, LIMIT, "hour", SHARES).run((a) -> {
				List<String> tenants = new ArrayList<>();
				for (int t = 0; t < TENANTS; t++) {
					tenants.add("race-" + t);
				}
				AtomicReference<ColdShares> closedShares = new AtomicReference<>();
				AtomicReference<ColdShares.Held> closedHeld = new AtomicReference<>();
				instance(schema, keepOpen(poolV), this.clock, LIMIT, "hour", SHARES).run((v) -> {
					traffic(a, v, tenants.subList(0, 10), 1);
					closedShares.set(shares(v));
					closedHeld.set(shares(v).held());
					QuotaLeases leases = v.getBean(QuotaLeases.class);
					Thread maintenance = new Thread(() -> {
						for (int i = 0; i < 200; i++) {
							leases.maintain();
						}
					});
					maintenance.start();
					leases.close();
					maintenance.join();
				});
				instance(schema, keepOpen(poolW), this.clock, LIMIT, "hour", SHARES).run((w) -> {
					assertThat(shares(w).position()).isEqualTo(1);
					// Rows that reserve the new holder's share: created now by the survivor alone.
					List<String> others = new ArrayList<>();
					for (int t = 0; t < 10; t++) {
						others.add("race-only-a-" + t);
					}
					traffic(a, a, others, 4);
					tenants.addAll(others);
					assertThat(shareRows(schema)).anySatisfy((key, value) -> assertThat(key).endsWith("/#1"));
					Map<String, Object> before = shareRows(schema);
					// The closed epoch's late pass: everything it would give back or settle is conditioned
					// on holding the position with its epoch.
					closedShares.get().giveBackShares(closedHeld.get(), Long.MAX_VALUE, true);
					assertThat(shareRows(schema)).isEqualTo(before);
					traffic(a, w, tenants, 3);
					assertWithinLimit(schema, a, w);
				});
				assertWithinLimit(schema, a, null);
			});
		}
	}

	/** The pool outlives each context that uses it (a context closes its DataSource bean). */
	private static javax.sql.DataSource keepOpen(javax.sql.DataSource pool) {
		return new org.springframework.jdbc.datasource.DelegatingDataSource(pool);
	}

	private static Map<String, Object> shareRows(TestSchema schema) {
		Map<String, Object> rows = new HashMap<>();
		schema.jdbc()
			.query("SELECT scope_id, instance_id, amount FROM " + schema.prefix() + "quota_lease"
					+ " WHERE instance_id LIKE '#%'", (rs) -> {
						rows.put(rs.getString(1) + "/" + rs.getString(2), rs.getBigDecimal(3).stripTrailingZeros());
					});
		schema.jdbc()
			.query("SELECT scope_id, granted FROM " + schema.prefix() + "quota_allocation", (rs) -> {
				rows.put(rs.getString(1), rs.getBigDecimal(2).stripTrailingZeros());
			});
		return rows;
	}

	private static ColdShares shares(ConfigurableApplicationContext context) {
		ColdShares shares = context.getBean(QuotaLeases.class).shares();
		assertThat(shares).isNotNull();
		return shares;
	}

	private void nextHour(ConfigurableApplicationContext a, ConfigurableApplicationContext v) {
		Instant now = this.clock.instant();
		this.clock.set(now.plus(Duration.ofHours(1)).truncatedTo(java.time.temporal.ChronoUnit.HOURS).plusSeconds(60));
		// Both renew their positions at once (their leases of the last hour lapsed with it).
		a.getBean(QuotaLeases.class).maintain();
		v.getBean(QuotaLeases.class).maintain();
	}

	/** Twice the limit of requests per tenant, from 8 threads, each to one of the two at random. */
	private void traffic(ConfigurableApplicationContext a, ConfigurableApplicationContext b, List<String> tenants,
			int seed) throws Exception {
		List<String> requests = new ArrayList<>();
		for (int r = 0; r < 2 * LIMIT; r++) {
			requests.addAll(tenants);
		}
		java.util.Collections.shuffle(requests, new Random(seed));
		Random pick = new Random(seed + 1000);
		boolean[] onA = new boolean[requests.size()];
		for (int i = 0; i < onA.length; i++) {
			onA[i] = pick.nextBoolean();
		}
		LeaseInstances.sendEach(requests.size(), 8, (i) -> onA[i] ? a : b, requests::get, (context, tenant) -> {
			Instant hour = this.clock.instant().truncatedTo(java.time.temporal.ChronoUnit.HOURS);
			boolean admitted = LeaseInstances.request(context, tenant);
			if (admitted) {
				this.allowed.computeIfAbsent(tenant + "@" + hour, (k) -> new AtomicInteger()).incrementAndGet();
			}
			return admitted;
		});
		// The uses are settled in the background: wait for it, so what follows sees their rows.
		dev.metering.test.Await.until(() -> settledOrFailing(a) && settledOrFailing(b), Duration.ofSeconds(30));
	}

	private static boolean settledOrFailing(ConfigurableApplicationContext context) {
		QuotaLeases leases = context.getBean(QuotaLeases.class);
		return leases.requests().pending() == 0
				&& (leases.provisionalCount() == 0 || context.getBean(javax.sql.DataSource.class) instanceof FailingDataSource);
	}

	/** What every instance admitted, and what the ledger holds, per tenant and hour: never over the limit. */
	private void assertWithinLimit(TestSchema schema, ConfigurableApplicationContext a,
			ConfigurableApplicationContext other) {
		flush(a);
		if (other != null) {
			flush(other);
		}
		assertThat(this.allowed).allSatisfy((key, n) -> assertThat(n.get()).as(key).isLessThanOrEqualTo(LIMIT));
		Map<String, Long> rows = new HashMap<>();
		schema.jdbc()
			.query("SELECT tenant_id, occurred_at FROM " + schema.tables().usageEvent(), (rs) -> {
				Instant at = rs.getTimestamp(2).toInstant();
				rows.merge(rs.getString(1) + "@" + at.truncatedTo(java.time.temporal.ChronoUnit.HOURS), 1L, Long::sum);
			});
		assertThat(rows).allSatisfy((key, n) -> assertThat(n).as(key).isLessThanOrEqualTo(LIMIT));
		assertThat(rows).isEqualTo(counts(this.allowed));
	}

	private static Map<String, Long> counts(Map<String, AtomicInteger> allowed) {
		Map<String, Long> counts = new HashMap<>();
		allowed.forEach((key, n) -> counts.put(key, (long) n.get()));
		return counts;
	}

}
