package dev.metering.rollup;

import java.math.BigDecimal;
import java.sql.Connection;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import dev.metering.event.UsageEvent;
import dev.metering.ledger.JdbcUsageEventStore;
import dev.metering.ledger.LedgerPartitions;
import dev.metering.ledger.PartitionedLedgerTests;
import dev.metering.test.MutableClock;
import dev.metering.test.TestDatabase;
import dev.metering.test.TestSchema;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The rollup reader keeps the {@link UsageReader} contract: on every database it returns what
 * summing the raw ledger returns, for hour-aligned and unaligned windows, by tenant and by
 * billing scope, while part of the ledger is folded, part is not, and a gap is open.
 */
class RollupUsageReaderTests {

	private static final Instant NOW = Instant.parse("2026-11-23T18:20:00Z");

	private static final List<String> TENANTS = List.of("acme", "globex");

	private static final List<String> SCOPES = List.of("acme", "globex", "holding");

	@ParameterizedTest
	@EnumSource(TestDatabase.class)
	void equalsTheRawLedgerSums(TestDatabase database) throws Exception {
		try (TestSchema schema = database.newSchema()) {
			assertEqualsTheRawLedgerSums(schema);
		}
	}

	@Test
	void equalsTheRawLedgerSumsOnAMonthlyPartitionedLedger() throws Exception {
		try (TestSchema schema = TestDatabase.POSTGRESQL.newSchema(PartitionedLedgerTests.PARTITIONED_SCHEMA)) {
			new LedgerPartitions(schema.dataSource(), schema.tables(), new MutableClock(NOW), 1, 1, null,
					Duration.ofDays(35))
				.ensureMonths();
			assertEqualsTheRawLedgerSums(schema);
		}
	}

	private static void assertEqualsTheRawLedgerSums(TestSchema schema) throws Exception {
		Random random = new Random(42);
		JdbcUsageEventStore store = RollupJobTests.store(schema);
		RollupJob job = RollupJobTests.job(schema, new MutableClock(NOW), RollupSettings.defaults());
		UsageReader rollups = new RollupUsageReader(schema.dataSource(), schema::dialect, schema.tables());
		UsageReader ledger = new LedgerUsageReader(schema.dataSource(), schema::dialect, schema.tables());
		assertSameUsage(rollups, ledger, random);

		store.insert(events(random, 200), NOW);
		assertSameUsage(rollups, ledger, random);
		job.rollupNow();
		assertSameUsage(rollups, ledger, random);
		try (Connection slow = schema.dataSource().getConnection()) {
			slow.setAutoCommit(false);
			RollupJobTests.insertOn(slow, schema, events(random, 1).get(0));
			store.insert(events(random, 50), NOW);
			job.rollupNow();
			assertSameUsage(rollups, ledger, random);
			slow.commit();
			slow.setAutoCommit(true);
		}
		// The late commit sits in an open gap, and 50 more rows sit above the watermark.
		store.insert(events(random, 50), NOW);
		assertSameUsage(rollups, ledger, random);
		job.rollupNow();
		assertSameUsage(rollups, ledger, random);
	}

	private static void assertSameUsage(UsageReader rollups, UsageReader ledger, Random random) {
		Instant start = NOW.truncatedTo(ChronoUnit.HOURS).minus(Duration.ofHours(7));
		List<Instant[]> windows = new ArrayList<>();
		windows.add(new Instant[] { start, start.plus(Duration.ofHours(9)) });
		windows.add(new Instant[] { start.plus(Duration.ofHours(2)), start.plus(Duration.ofHours(3)) });
		windows.add(new Instant[] { start.plusSeconds(1), start.plus(Duration.ofHours(8)).minusSeconds(1) });
		for (int i = 0; i < 6; i++) {
			Instant from = start.plusSeconds(random.nextInt(9 * 3600));
			windows.add(new Instant[] { from, from.plusSeconds(random.nextInt(4 * 3600)) });
		}
		for (Instant[] window : windows) {
			for (String meter : List.of("api.calls", "exports")) {
				for (String tenant : TENANTS) {
					assertThat(rollups.tenantUsage(tenant, meter, window[0], window[1]))
						.as("%s %s [%s, %s)", tenant, meter, window[0], window[1])
						.isEqualByComparingTo(ledger.tenantUsage(tenant, meter, window[0], window[1]));
				}
				for (String scope : SCOPES) {
					assertThat(rollups.billingScopeUsage(scope, meter, window[0], window[1]))
						.as("scope %s %s [%s, %s)", scope, meter, window[0], window[1])
						.isEqualByComparingTo(ledger.billingScopeUsage(scope, meter, window[0], window[1]));
				}
			}
		}
	}

	private static List<UsageEvent> events(Random random, int count) {
		List<UsageEvent> events = new ArrayList<>();
		for (int i = 0; i < count; i++) {
			String tenant = TENANTS.get(random.nextInt(TENANTS.size()));
			UsageEvent event = UsageEvent.builder(tenant, random.nextBoolean() ? "api.calls" : "exports")
				.quantity(BigDecimal.valueOf(random.nextInt(1_000_000_000), 6))
				.occurredAt(NOW.minusSeconds(random.nextInt(7 * 3600)))
				.build();
			events.add(random.nextInt(3) == 0 ? event.withBillingScope("holding") : event);
		}
		return events;
	}


	/**
	 * The grouped read of a batch of tenants (the cold lease path) is planned for each execution on
	 * PostgreSQL: run first while the tables were empty, a server-prepared statement kept a generic
	 * plan that scanned the whole scope index of the rollups once they had grown (before ANALYZE).
	 */
	@org.junit.jupiter.api.Test
	void aGroupedReadOfManyTenantsLooksUpTheRollupsAfterTheyGrewFromEmpty() {
		try (TestSchema schema = TestDatabase.POSTGRESQL.newSchema();
				com.zaxxer.hikari.HikariDataSource one = TestDatabase.POSTGRESQL.newDataSource(1)) {
			UsageReader reader = new RollupUsageReader(one, schema::dialect, schema.tables());
			List<String> tenants = java.util.stream.IntStream.range(0, 20).mapToObj((i) -> "new-" + i).toList();
			Instant from = NOW.truncatedTo(ChronoUnit.DAYS);
			// Enough executions for pgjdbc to server-prepare and PostgreSQL to choose a generic plan.
			for (int i = 0; i < 12; i++) {
				reader.tenantUsages(tenants, "api.calls", from, NOW);
			}
			schema.jdbc()
				.update("INSERT INTO " + schema.prefix() + "usage_rollup (tenant_id, meter, billing_scope_id, "
						+ "period_start, quantity, event_count, updated_at) SELECT 'other-' || i, 'api.calls', "
						+ "'other-' || i, CAST(? AS timestamptz), 1, 1, now() FROM generate_series(1, 20000) i",
						java.sql.Timestamp.from(from.plus(1, ChronoUnit.HOURS)));
			org.springframework.jdbc.core.JdbcTemplate sameBackend = new org.springframework.jdbc.core.JdbcTemplate(one);
			long before = scopeIndexTuplesRead(sameBackend, schema);

			assertThat(reader.tenantUsages(tenants, "api.calls", from, NOW).values())
				.allMatch((usage) -> usage.signum() == 0);

			assertThat(scopeIndexTuplesRead(sameBackend, schema) - before).isLessThan(1_000);
		}
	}

	private static long scopeIndexTuplesRead(org.springframework.jdbc.core.JdbcTemplate jdbc, TestSchema schema) {
		jdbc.queryForList("SELECT pg_stat_force_next_flush()");
		Long read = jdbc.queryForObject("SELECT COALESCE(SUM(idx_tup_read), 0) FROM pg_stat_user_indexes "
				+ "WHERE indexrelname = ?", Long.class, schema.prefix() + "usage_rollup_scope_ix");
		return (read != null) ? read : 0;
	}

}
