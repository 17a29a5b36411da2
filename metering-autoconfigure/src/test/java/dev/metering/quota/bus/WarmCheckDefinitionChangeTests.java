package dev.metering.quota.bus;

import java.math.BigDecimal;
import java.util.List;

import javax.sql.DataSource;

import dev.metering.admin.QuotaChange;
import dev.metering.admin.TenantChange;
import dev.metering.quota.PolicyUsage;
import dev.metering.quota.QuotaDecision;
import dev.metering.quota.QuotaEnforcementService;
import dev.metering.quota.RateLimitFields;
import dev.metering.test.TestDatabase;
import dev.metering.test.TestSchema;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import org.springframework.context.ApplicationContext;

import static dev.metering.quota.QuotaDecision.Outcome.ALLOW;
import static dev.metering.quota.QuotaDecision.Outcome.DENY;
import static dev.metering.quota.bus.TwoInstances.admin;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A warm check reuses what it worked out per (scope, meter) and per policy (the hard/soft split,
 * window keys, the {@code RateLimit-Policy} members): a runtime change of a tenant's quotas through
 * {@code MeteringAdmin} must still take effect on the very next check of the same instance, on
 * every database, with the new limit in the decision and in the RateLimit fields.
 */
class WarmCheckDefinitionChangeTests {

	@ParameterizedTest
	@EnumSource(TestDatabase.class)
	void aRuntimeChangeReachesTheNextWarmCheckAtOnce(TestDatabase database) {
		try (TestSchema schema = database.newSchema()) {
			// Its own pool on the test database (H2 in memory wants no user name), closed with the context.
			TwoInstances.runner(schema)
				.withBean("dataSource", DataSource.class, () -> database.newDataSource(4))
				.run((instance) -> {
				admin(instance).createPlan("sales", "pro", null);
				admin(instance).putPlanQuota("sales", "pro",
						new QuotaChange(TwoInstances.METER, "day", BigDecimal.valueOf(1000), "hard", null));
				admin(instance).putTenant("sales", "acme", new TenantChange("pro", null));
				// Warm: the same definitions, keys and RateLimit members serve these checks.
				for (int i = 0; i < 50; i++) {
					QuotaDecision warm = check(instance);
					assertThat(warm.outcome()).isEqualTo(ALLOW);
					assertThat(policyField(warm)).isEqualTo("\"pro-api.calls-day\";q=1000;w=86400");
				}

				// Raised: the next check sees the new limit, in the decision and in the policy field.
				admin(instance).putPlanQuota("sales", "pro",
						new QuotaChange(TwoInstances.METER, "day", BigDecimal.valueOf(5000), "hard", null));
				QuotaDecision raised = check(instance);
				assertThat(raised.outcome()).isEqualTo(ALLOW);
				assertThat(raised.limit()).isEqualByComparingTo("5000");
				assertThat(policyField(raised)).isEqualTo("\"pro-api.calls-day\";q=5000;w=86400");

				// Cut off by a tenant quota of zero: denied at once, the field names the tenant's policy.
				admin(instance).putTenantQuota("support", "acme",
						new QuotaChange(TwoInstances.METER, "day", BigDecimal.ZERO, null, null));
				QuotaDecision cut = check(instance);
				assertThat(cut.outcome()).isEqualTo(DENY);
				assertThat(cut.limit()).isEqualByComparingTo("0");
				assertThat(policyField(cut)).endsWith(";q=0;w=86400");

				// Exempt: no quota is consulted any more.
				admin(instance).putTenant("support", "acme", new TenantChange("pro", true));
				QuotaDecision exempt = check(instance);
				assertThat(exempt.outcome()).isEqualTo(ALLOW);
				assertThat(exempt.policies()).isEmpty();

				// Back on the plan without the tenant quota: the raised plan limit again.
				admin(instance).putTenant("support", "acme", new TenantChange("pro", false));
				admin(instance).deleteTenantQuota("support", "acme", TwoInstances.METER, "day");
				QuotaDecision restored = check(instance);
				assertThat(restored.outcome()).isEqualTo(ALLOW);
				assertThat(policyField(restored)).isEqualTo("\"pro-api.calls-day\";q=5000;w=86400");
			});
		}
	}

	private static QuotaDecision check(ApplicationContext instance) {
		QuotaDecision decision = instance.getBean(QuotaEnforcementService.class).check("acme", TwoInstances.METER, 1);
		decision.reservation().release();
		return decision;
	}

	private static String policyField(QuotaDecision decision) {
		List<PolicyUsage> enforced = decision.enforcedPolicies();
		return RateLimitFields.policy(enforced);
	}

}
