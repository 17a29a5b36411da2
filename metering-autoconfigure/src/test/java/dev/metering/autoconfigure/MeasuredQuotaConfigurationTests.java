package dev.metering.autoconfigure;

import java.util.List;

import dev.metering.quota.CachedQuotaDefinitions;
import dev.metering.quota.QuotaPolicy;
import org.junit.jupiter.api.Test;

import org.springframework.boot.diagnostics.FailureAnalysis;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Quotas of defined meters in {@code metering.plans} and {@code metering.tenants}: a filter
 * binds and names the policy; a quota its meter cannot be limited by fails start-up naming the
 * property.
 */
class MeasuredQuotaConfigurationTests extends AbstractMeteringAutoConfigurationTests {

	private static final String[] TOKENS = { "metering.meters[0].name=llm.tokens",
			"metering.meters[0].event-type=llm.completion", "metering.meters[0].value=/usage/total_tokens",
			"metering.meters[0].group-by.model=/model", "metering.meters[1].name=storage",
			"metering.meters[1].aggregation=latest", "metering.meters[1].value=/gb", "metering.default-plan=pro" };

	@Test
	void aFilteredQuotaIsBoundWithItsFilterInItsName() {
		this.runner.withPropertyValues(TOKENS)
			.withPropertyValues("metering.plans.pro.quotas[0].meter=llm.tokens",
					"metering.plans.pro.quotas[0].limit=1000", "metering.plans.pro.quotas[0].filter.model=gpt-4o",
					"metering.plans.pro.quotas[1].meter=llm.tokens", "metering.plans.pro.quotas[1].limit=5000",
					"metering.tenants.acme.quotas[0].meter=llm.tokens", "metering.tenants.acme.quotas[0].limit=10",
					"metering.tenants.acme.quotas[0].filter.model=gpt-4o")
			.run((context) -> {
				assertThat(context).hasNotFailed();
				CachedQuotaDefinitions definitions = context.getBean(CachedQuotaDefinitions.class);
				List<QuotaPolicy> globex = definitions.quotasOf("globex").policies("llm.tokens");
				assertThat(globex).extracting(QuotaPolicy::name)
					.containsExactly("pro-llm.tokens[model=gpt-4o]-month", "pro-llm.tokens-month");
				assertThat(globex.get(0).filter()).containsExactly(java.util.Map.entry("model", "gpt-4o"));
				// The tenant's filtered quota replaces the plan's of the same filter, not the unfiltered one.
				assertThat(definitions.quotasOf("acme").policies("llm.tokens")).extracting(QuotaPolicy::name)
					.containsExactlyInAnyOrder("pro-llm.tokens-month", "acme-llm.tokens[model=gpt-4o]-month");
			});
	}

	@Test
	void aFilterOnADimensionTheMeterDoesNotGroupByFailsStartUp() {
		assertFailsNaming("metering.plans.pro.quotas[0].filter.region", "not grouped by 'region' (group-by: model)",
				"metering.plans.pro.quotas[0].meter=llm.tokens", "metering.plans.pro.quotas[0].limit=10",
				"metering.plans.pro.quotas[0].filter.region=eu");
	}

	@Test
	void aFilterOnAMeterWithoutDefinitionFailsStartUp() {
		assertFailsNaming("metering.tenants.acme.quotas[0].filter.model", "has no definition under metering.meters",
				"metering.plans.pro.quotas[0].meter=llm.tokens", "metering.plans.pro.quotas[0].limit=10",
				"metering.tenants.acme.quotas[0].meter=http.calls", "metering.tenants.acme.quotas[0].limit=10",
				"metering.tenants.acme.quotas[0].filter.model=gpt-4o");
	}

	@Test
	void aQuotaOnALatestMeterFailsStartUp() {
		assertFailsNaming("metering.plans.pro.quotas[0].meter", "aggregation is latest",
				"metering.plans.pro.quotas[0].meter=storage", "metering.plans.pro.quotas[0].limit=10");
	}

	@Test
	void twoQuotasOfOneMeterFilterAndWindowFailStartUp() {
		assertFailsNaming("metering.plans.pro.quotas[1]", "same meter, filter and window",
				"metering.plans.pro.quotas[0].meter=llm.tokens", "metering.plans.pro.quotas[0].limit=10",
				"metering.plans.pro.quotas[0].filter.model=a", "metering.plans.pro.quotas[1].meter=llm.tokens",
				"metering.plans.pro.quotas[1].limit=20", "metering.plans.pro.quotas[1].filter.model=a");
	}

	private void assertFailsNaming(String property, String reason, String... properties) {
		this.runner.withPropertyValues(TOKENS).withPropertyValues(properties).run((context) -> {
			assertThat(context).hasFailed();
			FailureAnalysis analysis = new InvalidQuotaConfigurationFailureAnalyzer()
				.analyze(context.getStartupFailure());
			assertThat(analysis).as("analysis of %s", context.getStartupFailure()).isNotNull();
			assertThat(analysis.getDescription()).contains("Property: " + property).contains(reason);
		});
	}

}
