package dev.metering.admin;

import java.math.BigDecimal;
import java.time.Clock;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import dev.metering.meter.Aggregation;
import dev.metering.meter.MeterDefinition;
import dev.metering.meter.MeterDefinitions;
import dev.metering.quota.QuotaPolicy;
import dev.metering.quota.bus.InProcessInvalidationBus;
import dev.metering.quota.bus.QuotaInvalidation;
import dev.metering.tenant.InMemoryTenantDefinitions;
import dev.metering.tenant.TenantHierarchyRules;
import dev.metering.test.TestDatabase;
import dev.metering.test.TestSchema;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import org.springframework.jdbc.support.JdbcTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Runtime quotas limited to a dimension value ({@code filter}), on every database: a filtered
 * row lives beside the meter's unfiltered row, is enforced with its filter, audited and
 * published; a filter the meter cannot have is refused naming the field and changes nothing.
 */
class FilteredRuntimeQuotaTests {

	private static final MeterDefinitions METERS = MeterDefinitions.of(List.of(
			MeterDefinition.builder("llm.tokens", Aggregation.SUM).value("/tokens").groupBy("model", "/model").build(),
			MeterDefinition.builder("storage", Aggregation.LATEST).value("/gb").build()));

	@ParameterizedTest
	@EnumSource(TestDatabase.class)
	void aFilteredRowIsKeptBesideTheUnfilteredOneEnforcedAuditedAndPublished(TestDatabase database) {
		try (TestSchema schema = database.newSchema()) {
			RuntimeDefinitionsFixture fixture = new RuntimeDefinitionsFixture(schema);
			List<QuotaInvalidation> published = new ArrayList<>();
			MeteringAdmin admin = admin(fixture, published);
			admin.putPlanQuota("sales", "free", change(5000, null));
			admin.putPlanQuota("sales", "free", change(1000, Map.of("model", "gpt-4o")));
			admin.putTenantQuota("support", "acme", change(10, Map.of("model", "gpt-4o")));

			assertThat(admin.planQuotas("free")).filteredOn((row) -> row.meter().equals("llm.tokens"))
				.extracting(QuotaRow::filter)
				.containsExactly(Map.of(), Map.of("model", "gpt-4o"));
			List<QuotaPolicy> initech = fixture.definitions.quotasOf("initech").policies("llm.tokens");
			assertThat(initech).extracting(QuotaPolicy::name)
				.containsExactlyInAnyOrder("free-llm.tokens-day", "free-llm.tokens[model=gpt-4o]-day");
			// The tenant's filtered row replaces the plan's of that filter only.
			assertThat(fixture.definitions.quotasOf("acme").policies("llm.tokens"))
				.extracting(QuotaPolicy::name, (p) -> p.limit().intValue())
				.containsExactlyInAnyOrder(org.assertj.core.groups.Tuple.tuple("free-llm.tokens-day", 5000),
						org.assertj.core.groups.Tuple.tuple("acme-llm.tokens[model=gpt-4o]-day", 10));
			QuotaPolicy filtered = fixture.definitions.quotasOf("acme")
				.policies("llm.tokens")
				.stream()
				.filter((p) -> !p.filter().isEmpty())
				.findFirst()
				.orElseThrow();
			assertThat(filtered.matches(Map.of("model", "gpt-4o"))).isTrue();
			assertThat(filtered.matches(Map.of("model", "gpt-4o-mini"))).isFalse();

			admin.deleteTenantQuota("support", "acme", "llm.tokens", Map.of("model", "gpt-4o"), "day");
			admin.deletePlanQuota("sales", "free", "llm.tokens", Map.of("model", "gpt-4o"), "day");
			assertThat(admin.planQuotas("free")).filteredOn((row) -> row.meter().equals("llm.tokens"))
				.extracting(QuotaRow::filter)
				.containsExactly(Map.of());
			assertThat(schema.jdbc()
				.queryForList("SELECT target FROM " + schema.prefix() + "quota_audit ORDER BY id", String.class))
				.containsExactly("plan:free/llm.tokens/day", "plan:free/llm.tokens[model=gpt-4o]/day",
						"tenant:acme/llm.tokens[model=gpt-4o]/day", "tenant:acme/llm.tokens[model=gpt-4o]/day",
						"plan:free/llm.tokens[model=gpt-4o]/day");
			assertThat(published).containsExactly(QuotaInvalidation.plan("free"), QuotaInvalidation.plan("free"),
					QuotaInvalidation.tenant("acme"), QuotaInvalidation.tenant("acme"), QuotaInvalidation.plan("free"));
		}
	}

	@ParameterizedTest
	@EnumSource(TestDatabase.class)
	void aFilterTheMeterCannotHaveIsRefusedNamingTheFieldAndChangesNothing(TestDatabase database) {
		try (TestSchema schema = database.newSchema()) {
			RuntimeDefinitionsFixture fixture = new RuntimeDefinitionsFixture(schema);
			MeteringAdmin admin = admin(fixture, new ArrayList<>());
			List<String> before = fixture.allRows();
			assertThatExceptionOfType(InvalidDefinitionException.class)
				.isThrownBy(() -> admin.putPlanQuota("sales", "free", change(10, Map.of("region", "eu"))))
				.satisfies((ex) -> assertThat(ex.getField()).isEqualTo("filter.region"))
				.withMessageContaining("group-by: model");
			assertThatExceptionOfType(InvalidDefinitionException.class)
				.isThrownBy(() -> admin.putTenantQuota("support", "acme",
						new QuotaChange("api.calls", "day", BigDecimal.TEN, null, null, Map.of("model", "a"))))
				.satisfies((ex) -> assertThat(ex.getField()).isEqualTo("filter.model"));
			assertThatExceptionOfType(InvalidDefinitionException.class)
				.isThrownBy(() -> admin.putPlanQuota("sales", "free",
						new QuotaChange("storage", "day", BigDecimal.TEN, null, null)))
				.satisfies((ex) -> assertThat(ex.getField()).isEqualTo("meter"));
			assertThat(fixture.allRows()).isEqualTo(before);
		}
	}

	private static MeteringAdmin admin(RuntimeDefinitionsFixture fixture, List<QuotaInvalidation> published) {
		return new MeteringAdmin(fixture.store, fixture.definitions,
				new TransactionTemplate(new JdbcTransactionManager(fixture.schema.dataSource())),
				new InProcessInvalidationBus(published::add), Clock.fixed(RuntimeDefinitionsFixture.NOW, ZoneOffset.UTC),
				new InMemoryTenantDefinitions(List.of(), TenantHierarchyRules.DEFAULTS), TenantHierarchyRules.DEFAULTS,
				() -> {
				}, METERS);
	}

	private static QuotaChange change(long limit, Map<String, String> filter) {
		return new QuotaChange("llm.tokens", "day", BigDecimal.valueOf(limit), null, null, filter);
	}

}
