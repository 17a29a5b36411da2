package dev.metering.admin;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariDataSource;

import dev.metering.autoconfigure.MeteringAdminAutoConfiguration;
import dev.metering.autoconfigure.MeteringBusAutoConfiguration;
import dev.metering.autoconfigure.MeteringLedgerAutoConfiguration;
import dev.metering.autoconfigure.MeteringQuotaAutoConfiguration;
import dev.metering.autoconfigure.MeteringRollupAutoConfiguration;
import dev.metering.autoconfigure.MeteringTenantAutoConfiguration;
import dev.metering.event.UsagePayload;
import dev.metering.event.UsageRecorder;
import dev.metering.internal.json.DimensionsJson;
import dev.metering.ledger.BufferedLedgerWriter;
import dev.metering.meter.Aggregation;
import dev.metering.meter.MeterDefinition;
import dev.metering.meter.MeterDefinitions;
import dev.metering.quota.bus.QuotaInvalidationBus;
import dev.metering.test.TestDatabase;
import dev.metering.test.TestSchema;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.ApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Meter definitions of the admin API on two instances (application contexts on DataSources of
 * their own, one schema): a definition put on one shapes the events the other records once the
 * change reaches it (bus or the definitions' time to live), a bad definition changes nothing, every
 * change has its audit row, and a meter's rollups keep its aggregation and group-by.
 */
class RuntimeMeterDefinitionsTests {

	private static final MeterChange TOKENS_BY_MODEL = new MeterChange("llm.tokens", "sum", "llm.completion",
			"/usage/total_tokens", Map.of("model", "/model"), "token", "Tokens per completion", null);

	private static ApplicationContextRunner runner(TestSchema schema, DataSource dataSource) {
		return new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(MeteringTenantAutoConfiguration.class,
					MeteringLedgerAutoConfiguration.class, MeteringRollupAutoConfiguration.class,
					MeteringAdminAutoConfiguration.class, MeteringQuotaAutoConfiguration.class,
					MeteringBusAutoConfiguration.class))
			.withBean(DataSource.class, () -> dataSource)
			.withPropertyValues("metering.jdbc.table-prefix=" + schema.prefix(), "metering.jdbc.initialize-schema=never",
					"metering.rollup.enabled=false", "metering.cache.definitions-ttl=300ms",
					"metering.meters[0].name=seats", "metering.meters[0].aggregation=unique-count",
					"metering.meters[0].value=/user");
	}

	@ParameterizedTest
	@EnumSource(TestDatabase.class)
	void aDefinitionPutOnOneInstanceShapesTheEventsTheOtherRecords(TestDatabase database) {
		try (TestSchema schema = database.newSchema(); HikariDataSource first = database.newDataSource(4);
				HikariDataSource second = database.newDataSource(4)) {
			runner(schema, first).run((one) -> runner(schema, second).run((two) -> {
				MeterDefinitions seen = two.getBean(MeterDefinitions.class);
				assertThat(seen.find("llm.tokens")).isNull();
				assertThat(seen.find("seats")).isNotNull();

				one.getBean(MeteringAdmin.class).putMeter("ops", TOKENS_BY_MODEL);
				await(() -> seen.find("llm.tokens") != null);
				assertThat(seen.forEventType("llm.completion")).extracting(MeterDefinition::name)
					.containsExactly("llm.tokens");
				record(two, "llm.completion", Map.of("model", "gpt-4o", "usage", Map.of("total_tokens", 250)));
				assertThat(ledger(schema, "llm.tokens")).containsExactly("250|{model=gpt-4o}");

				List<AuditEntry> audit = one.getBean(MeteringAdmin.class).audit("meter:", 10);
				assertThat(audit).hasSize(1);
				assertThat(audit.get(0).action()).isEqualTo("put-meter");
				assertThat(audit.get(0).actor()).isEqualTo("ops");
				assertThat(audit.get(0).target()).isEqualTo("meter:llm.tokens");
				assertThat(audit.get(0).oldValue()).isNull();
				assertThat(audit.get(0).newValue()).contains("aggregation=sum", "event-type=llm.completion",
						"value=/usage/total_tokens", "group-by.model=/model");

				// A row wins over metering.meters: seats counted by team instead of in total.
				one.getBean(MeteringAdmin.class)
					.putMeter("ops", new MeterChange("seats", "unique-count", null, "/user", Map.of("team", "/team"),
							null, null, 50));
				await(() -> !seen.find("seats").groupBy().isEmpty());
				assertThat(seen.find("seats").maxGroups()).isEqualTo(50);

				one.getBean(MeteringAdmin.class).deleteMeter("ops", "llm.tokens");
				await(() -> seen.find("llm.tokens") == null);
				one.getBean(MeteringAdmin.class).deleteMeter("ops", "seats");
				await(() -> seen.find("seats") != null && seen.find("seats").groupBy().isEmpty());
				assertThat(one.getBean(MeteringAdmin.class).audit("meter:", 10)).extracting(AuditEntry::action)
					.containsExactly("delete-meter", "delete-meter", "put-meter", "put-meter");
				assertThatExceptionOfType(DefinitionNotFoundException.class)
					.isThrownBy(() -> one.getBean(MeteringAdmin.class).deleteMeter("ops", "seats"));
			}));
		}
	}

	@ParameterizedTest
	@EnumSource(value = TestDatabase.class, names = "POSTGRESQL")
	void onPostgresqlTheBusCarriesTheDefinitionLongBeforeTheCacheExpires(TestDatabase database) {
		try (TestSchema schema = database.newSchema(); HikariDataSource first = database.newDataSource(4);
				HikariDataSource second = database.newDataSource(4)) {
			runner(schema, first).withPropertyValues("metering.cache.definitions-ttl=1h")
				.run((one) -> runner(schema, second).withPropertyValues("metering.cache.definitions-ttl=1h")
					.run((two) -> {
						assertThat(two.getBean(QuotaInvalidationBus.class).state().transport()).isEqualTo("postgres");
						await(() -> one.getBean(QuotaInvalidationBus.class).state().connected()
								&& two.getBean(QuotaInvalidationBus.class).state().connected());
						MeterDefinitions seen = two.getBean(MeterDefinitions.class);
						assertThat(seen.find("llm.tokens")).isNull();
						one.getBean(MeteringAdmin.class).putMeter("ops", TOKENS_BY_MODEL);
						await(() -> seen.find("llm.tokens") != null);
						record(two, "llm.completion", Map.of("model", "a", "usage", Map.of("total_tokens", 7)));
						assertThat(ledger(schema, "llm.tokens")).containsExactly("7|{model=a}");
					}));
		}
	}

	@ParameterizedTest
	@EnumSource(TestDatabase.class)
	void aDefinitionThatMakesNoSenseIsRefusedNamingThePropertyAndNothingChanges(TestDatabase database) {
		try (TestSchema schema = database.newSchema(); HikariDataSource first = database.newDataSource(4)) {
			runner(schema, first).withPropertyValues("metering.web.request-meter=api.calls").run((one) -> {
				MeteringAdmin admin = one.getBean(MeteringAdmin.class);
				admin.putMeter("ops", TOKENS_BY_MODEL);
				List<String> before = rows(schema);
				assertRefused(admin, "value", new MeterChange("llm.tokens", "sum", null, "usage", null, null, null, null));
				assertRefused(admin, "aggregation",
						new MeterChange("llm.tokens", "average", null, null, null, null, null, null));
				assertRefused(admin, "group-by.model",
						new MeterChange("llm.tokens", "sum", null, null, Map.of("model", ""), null, null, null));
				assertRefused(admin, "value", new MeterChange("seats", "unique-count", null, null, null, null, null, null));
				assertRefused(admin, "max-groups", new MeterChange("m", "max", null, null, null, null, null, 0));
				assertRefused(admin, "name", new MeterChange(null, "sum", null, null, null, null, null, null));
				assertRefused(admin, "group-by",
						new MeterChange("api.calls", "count", null, null, Map.of("status", "/status"), null, null, null));
				assertThat(rows(schema)).isEqualTo(before);
				assertThat(one.getBean(MeterDefinitions.class).find("llm.tokens").groupBy()).containsOnlyKeys("model");
			});
		}
	}

	@ParameterizedTest
	@EnumSource(TestDatabase.class)
	void aMeterWithRollupsKeepsItsAggregationAndGroupBy(TestDatabase database) {
		try (TestSchema schema = database.newSchema(); HikariDataSource first = database.newDataSource(4)) {
			runner(schema, first).run((one) -> {
				MeteringAdmin admin = one.getBean(MeteringAdmin.class);
				admin.putMeter("ops", TOKENS_BY_MODEL);
				Instant hour = Instant.parse("2026-12-01T10:00:00Z");
				Object at = schema.dialect().timestamp(hour);
				schema.jdbc()
					.update("INSERT INTO " + schema.prefix() + "meter_rollup (tenant_id, meter, billing_scope_id, "
							+ "period_start, group_key, group_values, quantity, event_count, min_value, max_value, "
							+ "latest_value, latest_at, latest_event_id, updated_at) VALUES ('acme', 'llm.tokens', "
							+ "'acme', ?, 'k', '{\"model\":\"a\"}', 5, 1, 5, 5, 5, ?, 'e-1', ?)", at, at, at);
				List<String> before = rows(schema);
				assertThatExceptionOfType(DefinitionConflictException.class).isThrownBy(() -> admin.putMeter("ops",
						new MeterChange("llm.tokens", "max", "llm.completion", "/usage/total_tokens",
								Map.of("model", "/model"), null, null, null)));
				assertThatExceptionOfType(DefinitionConflictException.class).isThrownBy(() -> admin.putMeter("ops",
						new MeterChange("llm.tokens", "sum", "llm.completion", "/usage/total_tokens",
								Map.of("region", "/region"), null, null, null)));
				assertThat(rows(schema)).isEqualTo(before);
				// Its unit, description, value and event type may change: the ledger keeps the values read.
				admin.putMeter("ops", new MeterChange("llm.tokens", "sum", "llm.chat", "/tokens",
						Map.of("model", "/model"), "tokens", null, null));
				assertThat(one.getBean(MeterDefinitions.class).find("llm.tokens").eventType()).isEqualTo("llm.chat");
				// Without a definition it is read as the sum every meter's rollups hold.
				admin.deleteMeter("ops", "llm.tokens");
				assertThat(one.getBean(MeterDefinitions.class).find("llm.tokens")).isNull();

				// A meter with usage already rolled up as a sum of quantity is not given a definition.
				schema.jdbc()
					.update("INSERT INTO " + schema.prefix() + "usage_rollup (tenant_id, meter, billing_scope_id, "
							+ "period_start, quantity, event_count, updated_at) VALUES ('acme', 'api.calls', 'acme', ?, "
							+ "3, 3, ?)", at, at);
				assertThatExceptionOfType(DefinitionConflictException.class).isThrownBy(() -> admin.putMeter("ops",
						new MeterChange("api.calls", "max", null, null, null, null, null, null)));
			});
		}
	}

	private static void assertRefused(MeteringAdmin admin, String field, MeterChange change) {
		assertThatExceptionOfType(InvalidDefinitionException.class).isThrownBy(() -> admin.putMeter("ops", change))
			.satisfies((ex) -> assertThat(ex.getField()).isEqualTo(field));
	}

	/** Every row of the meter definitions and the audit trail, as text. */
	private static List<String> rows(TestSchema schema) {
		List<String> rows = new java.util.ArrayList<>();
		for (String table : List.of("meter_definition", "quota_audit")) {
			schema.jdbc().query("SELECT * FROM " + schema.prefix() + table, (rs) -> {
				StringBuilder row = new StringBuilder(table);
				for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
					row.append('|').append(rs.getString(i));
				}
				rows.add(row.toString());
			});
		}
		rows.sort(null);
		return rows;
	}

	private static void record(ApplicationContext instance, String type, Map<String, Object> data) {
		instance.getBean(UsageRecorder.class)
			.record(UsagePayload.builder("acme", type).data(data).dedupKey("client/1").build());
		instance.getBean(BufferedLedgerWriter.class).flush(Duration.ofSeconds(10));
	}

	private static List<String> ledger(TestSchema schema, String meter) {
		return schema.jdbc()
			.query("SELECT quantity, dimensions FROM " + schema.prefix() + "usage_event WHERE meter = ?",
					(rs, n) -> new BigDecimal(rs.getString(1)).stripTrailingZeros().toPlainString() + "|"
							+ DimensionsJson.decode(rs.getString(2)),
					meter);
	}

	private static void await(BooleanSupplier condition) throws InterruptedException {
		long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
		while (!condition.getAsBoolean()) {
			assertThat(System.nanoTime()).as("not seen within 15 s").isLessThan(deadline);
			Thread.sleep(10);
		}
	}

}
