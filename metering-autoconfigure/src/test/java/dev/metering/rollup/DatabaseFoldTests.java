package dev.metering.rollup;

import java.sql.Connection;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import dev.metering.event.UsageEvent;
import dev.metering.rollup.RollupTruth.Key;
import dev.metering.rollup.RollupTruth.Totals;
import dev.metering.test.MutableClock;
import dev.metering.test.TestDatabase;
import dev.metering.test.TestSchema;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The fold in the database against the former fold in Java, on every real database: over the
 * same ledger, with skipped ids and several batches, both write the same rollups and leave the
 * same gaps and watermark.
 */
class DatabaseFoldTests {

	private static final Instant NOW = Instant.parse("2026-11-23T18:20:00Z");

	@ParameterizedTest
	@EnumSource(TestDatabase.class)
	void databaseFoldWritesWhatTheJavaFoldWrites(TestDatabase database) throws Exception {
		try (TestSchema schema = database.newSchema()) {
			List<UsageEvent> events = new ArrayList<>();
			for (int i = 0; i < 60; i++) {
				events.add(RollupJobTests.event("tenant-" + (i % 4), "meter-" + (i % 3), (i % 5) + ".125",
						NOW.minus(Duration.ofMinutes(17L * i)), (i % 7 == 0) ? null : "user-" + (i % 5)));
			}
			RollupJobTests.store(schema).insert(events.subList(0, 25), NOW);
			try (Connection rolledBack = schema.dataSource().getConnection()) {
				// Takes ids and never commits them: gaps inside the batch.
				rolledBack.setAutoCommit(false);
				RollupJobTests.insertOn(rolledBack, schema, RollupJobTests.event("ghost", "meter-0", "1000", NOW));
				RollupJobTests.insertOn(rolledBack, schema, RollupJobTests.event("ghost", "meter-0", "1000", NOW));
				rolledBack.rollback();
			}
			// One tenant, meter, hour and user under two billing scopes: one per-user rollup row.
			for (int i = 0; i < 4; i++) {
				UsageEvent event = RollupJobTests.event("tenant-1", "meter-1", "2.5", NOW.minusSeconds(i), "user-1");
				events.add((i % 2 == 0) ? event : event.withBillingScope("parent-1"));
			}
			// Hours before 1970 and at the edges of an hour.
			events.add(RollupJobTests.event("tenant-2", "meter-0", "1", Instant.parse("1969-12-31T23:59:59.999999Z")));
			events.add(RollupJobTests.event("tenant-2", "meter-0", "1", Instant.parse("1900-03-01T00:00:00Z"), "u"));
			events.add(RollupJobTests.event("tenant-2", "meter-0", "1", Instant.parse("2026-11-23T17:00:00Z")));
			events.add(RollupJobTests.event("tenant-2", "meter-0", "1", Instant.parse("2026-11-23T16:59:59.999999Z")));
			RollupJobTests.store(schema).insert(events.subList(25, events.size()), NOW);
			RollupSettings settings = new RollupSettings(11, Duration.ofMinutes(10));

			RollupResult inJava = new RollupJob(schema.dataSource(), schema::dialect, schema.tables(), settings,
					new MutableClock(NOW), false)
				.rollupNow();
			Map<Key, Totals> javaRollups = RollupTruth.rollups(schema);
			Map<Key, Totals> javaUserRollups = RollupTruth.userRollups(schema);
			List<Map<String, Object>> javaGaps = gaps(schema);
			Long javaWatermark = watermark(schema);
			forgetRollups(schema);
			RollupResult inDatabase = new RollupJob(schema.dataSource(), schema::dialect, schema.tables(), settings,
					new MutableClock(NOW), true)
				.rollupNow();

			assertThat(inDatabase).isEqualTo(inJava);
			assertThat(inDatabase.eventsFolded()).isEqualTo(68);
			assertThat(inDatabase.openGaps()).isEqualTo(1);
			assertThat(RollupTruth.rollups(schema)).isEqualTo(javaRollups).isEqualTo(RollupTruth.ledger(schema));
			assertThat(RollupTruth.userRollups(schema)).isNotEmpty()
				.isEqualTo(javaUserRollups)
				.isEqualTo(RollupTruth.userLedger(schema));
			assertThat(gaps(schema)).isEqualTo(javaGaps);
			assertThat(watermark(schema)).isEqualTo(javaWatermark);
		}
	}

	private static List<Map<String, Object>> gaps(TestSchema schema) {
		return schema.jdbc()
			.queryForList("SELECT gap_start, gap_end FROM " + schema.tables().rollupGap() + " ORDER BY gap_start");
	}

	private static Long watermark(TestSchema schema) {
		return schema.jdbc()
			.queryForObject("SELECT watermark FROM " + schema.tables().rollupState() + " WHERE name = ?", Long.class,
					RollupJob.NAME);
	}

	private static void forgetRollups(TestSchema schema) {
		schema.jdbc().update("DELETE FROM " + schema.tables().usageRollup());
		schema.jdbc().update("DELETE FROM " + schema.tables().usageUserRollup());
		schema.jdbc().update("DELETE FROM " + schema.tables().rollupGap());
		schema.jdbc().update("DELETE FROM " + schema.tables().rollupState());
	}

}
