package dev.metering.quota.lease;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import com.zaxxer.hikari.HikariDataSource;

import dev.metering.event.UsageEvent;
import dev.metering.event.UsageRecorder;
import dev.metering.quota.LeaseInstances;
import dev.metering.quota.QuotaDecision;
import dev.metering.quota.QuotaEnforcementService;
import dev.metering.test.Await;
import dev.metering.test.MutableClock;
import dev.metering.test.StatementCountingDataSource;
import dev.metering.test.TestDatabase;
import dev.metering.test.TestSchema;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import org.springframework.context.ConfigurableApplicationContext;

import static dev.metering.quota.LeaseInstances.flush;
import static dev.metering.quota.LeaseInstances.instance;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * 10,000 tenants seen for the first time at once, from 64 threads spread over two instances,
 * each with a hard limit of 3: no tenant is ever admitted more than 3 times, and once the
 * budgets the instances hold unused have gone back (idle return), every tenant has been
 * admitted exactly 3 times.
 * <p>
 * The statements of the cold burst are counted: every statement both instances send while the
 * burst runs, except the ledger writer's inserts of events (the writer shares the DataSource; its
 * statements are not the lease path's). Lease maintenance running meanwhile (renewals, idle
 * give-backs, the removal of closed windows) is counted too, though it is not the cold path: a few
 * hundred at most. The bound asserted is what the batched lease requests achieve (0.59 to 0.68
 * statements per tenant and instance measured; docs/quotas.md), not the aim of one statement per
 * 50 tenants: a check waits for its tenant's first lease, so a batch carries at most as many
 * windows as there are threads waiting on the instance (here about 32), and a batch takes about
 * seven statements. With cold shares (the second test) a first check admits from its instance's
 * share with no statement, the uses are settled a thousand windows a statement, and the burst is
 * counted until every use is settled: at most one statement per 50 tenants.
 */
class ColdTenantsAtOnceTests {

	private static final String METER = LeaseInstances.METER;

	private static final int TENANTS = 10_000;

	private static final int LIMIT = 3;

	private static final int REQUESTS_PER_TENANT = 5;

	/**
	 * Measured: 0.59 to 0.68 statements per tenant and instance on H2, PostgreSQL and MariaDB (0.95
	 * to 1.1 in the same run before a batch's grantable leftovers got a second batch and the
	 * linger, 0.78 to 0.83 with the linger alone; 7 before batched refusals).
	 */
	private static final double STATEMENTS_PER_TENANT_AND_INSTANCE = 0.75;

	private final MutableClock clock = new MutableClock(Instant.parse("2026-11-23T10:15:00Z"));

	/** Issue 31's aim: with cold shares, one statement per 50 cold tenants, both instances together. */
	private static final double STATEMENTS_PER_TENANT_WITH_SHARES = 1.0 / 50;

	@ParameterizedTest
	@EnumSource(TestDatabase.class)
	void tenThousandColdTenantsFromSixtyFourThreadsOnTwoInstancesEachGetExactlyTheirLimit(TestDatabase database)
			throws Exception {
		burst(database, (int) (2 * TENANTS * STATEMENTS_PER_TENANT_AND_INSTANCE));
	}

	/**
	 * The same burst with cold shares (two positions, one per instance): a first check admits from
	 * its instance's share with no statement, and the settlements of hundreds of windows share a
	 * statement. Still exactly the limit per tenant.
	 */
	@ParameterizedTest
	@EnumSource(TestDatabase.class)
	void withColdSharesTheBurstTakesAStatementPerFiftyTenantsAndEachGetsExactlyItsLimit(TestDatabase database)
			throws Exception {
		burst(database, (int) (TENANTS * STATEMENTS_PER_TENANT_WITH_SHARES), "metering.quota.lease.cold-shares.enabled=true",
				"metering.quota.lease.cold-shares.positions=2");
	}

	private void burst(TestDatabase database, int maxStatements, String... extra) throws Exception {
		try (TestSchema schema = database.newSchema();
				HikariDataSource poolA = database.newDataSource(8);
				HikariDataSource poolB = database.newDataSource(8)) {
			StatementCountingDataSource countedA = new StatementCountingDataSource(poolA);
			StatementCountingDataSource countedB = new StatementCountingDataSource(poolB);
			List<String> properties = new ArrayList<>(List.of("metering.quota.lease.idle-return=1s"));
			properties.addAll(List.of(extra));
			String[] idle = properties.toArray(String[]::new);
			instance(schema, countedA, this.clock, LIMIT, "day", idle).run((a) -> instance(schema, countedB, this.clock,
					LIMIT, "day", idle).run((b) -> {
						assertThat(a).hasNotFailed();
						assertThat(b).hasNotFailed();
						countedA.reset();
						countedB.reset();
						Map<String, AtomicInteger> allowed = new ConcurrentHashMap<>();
						AtomicInteger unknown = new AtomicInteger();
						// Every tenant's requests at once, shuffled, each to one of the instances at random.
						List<String> burst = new ArrayList<>(TENANTS * REQUESTS_PER_TENANT);
						for (int r = 0; r < REQUESTS_PER_TENANT; r++) {
							for (int t = 0; t < TENANTS; t++) {
								burst.add("cold-" + t);
							}
						}
						Collections.shuffle(burst, new Random(31));
						send(burst, new Random(7), a, b, allowed, unknown);
						// With cold shares the uses are settled after the checks: their statements count too.
						Await.until(() -> settled(a) && settled(b), Duration.ofSeconds(60));
						List<String> statements = new ArrayList<>(countedA.statementsBesidesLedgerWrites());
						statements.addAll(countedB.statementsBesidesLedgerWrites());
						long batches = a.getBean(QuotaLeases.class).requests().batches()
								+ b.getBean(QuotaLeases.class).requests().batches();
						assertThat(allowed).hasSize(TENANTS);
						assertThat(allowed.values()).allSatisfy((n) -> assertThat(n.get()).isBetween(1, LIMIT));
						assertThat(statements.size())
							.as("statements for %d cold tenants on two instances, in %d lease batches, by kind: %s",
									TENANTS, batches, StatementCountingDataSource.tally(statements))
							.isLessThanOrEqualTo(maxStatements);
						System.out.printf("cold burst on %s%s: %d statements, by kind %s%n", database,
								List.of(extra), statements.size(), StatementCountingDataSource.tally(statements));
						// Budgets one instance holds unused while the other refuses go back when idle: a
						// budget in use through the burst may stay idle as long as it was in use, at most
						// 6 × idle-return.
						// With cold shares a share one instance left unused goes back only once idle, and the
						// round after that hands over again (a lease request takes the deficit and a quarter of
						// what is free): so two idle returns, each followed by a round of 4 requests per tenant.
						int rounds = (extra.length > 0) ? 2 : 1;
						for (int round = 0; round < rounds; round++) {
							Thread.sleep(6_500);
							a.getBean(QuotaLeases.class).maintain();
							b.getBean(QuotaLeases.class).maintain();
							List<String> more = new ArrayList<>();
							for (int r = 0; r < 4; r++) {
								for (int t = 0; t < TENANTS; t++) {
									more.add("cold-" + t);
								}
							}
							Collections.shuffle(more, new Random(37 + round));
							send(more, new Random(11 + round), a, b, allowed, unknown);
							assertThat(allowed.values()).allSatisfy((n) -> assertThat(n.get()).isBetween(1, LIMIT));
						}
						flush(a);
						flush(b);
						assertThat(unknown.get()).as("checks decided without a lease answer").isZero();
						assertThat(allowed.values()).allSatisfy((n) -> assertThat(n.get()).isEqualTo(LIMIT));
						Map<String, Long> rows = new ConcurrentHashMap<>();
						schema.jdbc()
							.query("SELECT tenant_id, COUNT(*) FROM " + schema.tables().usageEvent()
									+ " GROUP BY tenant_id", (rs) -> {
										rows.put(rs.getString(1), rs.getLong(2));
									});
						assertThat(rows).hasSize(TENANTS).allSatisfy((tenant, n) -> assertThat(n).isEqualTo(LIMIT));
					}));
		}
	}

	private static boolean settled(ConfigurableApplicationContext context) {
		QuotaLeases leases = context.getBean(QuotaLeases.class);
		return leases.provisionalCount() == 0 && leases.requests().pending() == 0;
	}

	private static void send(List<String> requests, Random pick, ConfigurableApplicationContext a,
			ConfigurableApplicationContext b, Map<String, AtomicInteger> allowed, AtomicInteger unknown)
			throws Exception {
		boolean[] onA = new boolean[requests.size()];
		for (int i = 0; i < onA.length; i++) {
			onA[i] = pick.nextBoolean();
		}
		LeaseInstances.sendEach(requests.size(), 64, (i) -> onA[i] ? a : b, requests::get, (context, tenant) -> {
			boolean admitted = request(context, tenant, unknown);
			if (admitted) {
				allowed.computeIfAbsent(tenant, (k) -> new AtomicInteger()).incrementAndGet();
			}
			return admitted;
		});
	}

	/** A check of one request and, when allowed, its event, as the filter does. */
	private static boolean request(ConfigurableApplicationContext context, String tenant, AtomicInteger unknown) {
		QuotaEnforcementService quotas = context.getBean(QuotaEnforcementService.class);
		Instant at = quotas.getClock().instant();
		QuotaDecision decision = quotas.check(tenant, METER, 1);
		if (!decision.usageKnown()) {
			unknown.incrementAndGet();
		}
		if (!decision.allowed()) {
			return false;
		}
		UsageEvent event = UsageEvent.builder(tenant, METER).occurredAt(at).build();
		decision.reservation().record(context.getBean(UsageRecorder.class), event);
		return true;
	}

}
