package dev.metering.admin;

import java.math.BigDecimal;
import java.util.List;

import dev.metering.admin.EffectiveQuotas.ExplainedQuota;
import dev.metering.quota.Enforcement;
import dev.metering.quota.bus.QuotaInvalidation;
import dev.metering.test.TestDatabase;
import dev.metering.test.TestSchema;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static dev.metering.admin.RuntimeDefinitionsFixture.quota;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * {@link MeteringAdmin} on every database: database rows win over the configuration and each
 * effective value says where it came from; every change is audited and published; bad input
 * changes nothing.
 */
class MeteringAdminTests {

	@ParameterizedTest
	@EnumSource(TestDatabase.class)
	void databaseRowsWinOverTheConfigurationAndDeletingThemRestoresIt(TestDatabase database) {
		try (TestSchema schema = database.newSchema()) {
			RuntimeDefinitionsFixture fixture = new RuntimeDefinitionsFixture(schema);
			MeteringAdmin admin = fixture.admin;
			assertThat(only(admin.explain("acme"))).satisfies(
					(q) -> assertQuota(q, "100", "plan", DefinitionOrigin.CONFIGURATION));

			admin.putPlanQuota("sales", "free", quota("api.calls", "day", 500));
			assertThat(only(admin.explain("acme"))).satisfies(
					(q) -> assertQuota(q, "500", "plan", DefinitionOrigin.DATABASE));
			// Tenants on the default plan see the plan's database row too.
			assertThat(only(admin.explain("initech"))).satisfies(
					(q) -> assertQuota(q, "500", "plan", DefinitionOrigin.DATABASE));

			admin.putTenantQuota("support", "acme", quota("api.calls", "day", 0));
			assertThat(only(admin.explain("acme"))).satisfies(
					(q) -> assertQuota(q, "0", "tenant", DefinitionOrigin.DATABASE));
			assertThat(fixture.definitions.quotasOf("acme").policies("api.calls")).singleElement()
				.satisfies((p) -> assertThat(p.limit()).isEqualByComparingTo("0"));

			admin.deleteTenantQuota("support", "acme", "api.calls", "day");
			assertThat(only(admin.explain("acme"))).satisfies(
					(q) -> assertQuota(q, "500", "plan", DefinitionOrigin.DATABASE));
			admin.deletePlanQuota("sales", "free", "api.calls", "day");
			assertThat(only(admin.explain("acme"))).satisfies(
					(q) -> assertQuota(q, "100", "plan", DefinitionOrigin.CONFIGURATION));
			assertThat(fixture.published).containsExactly(QuotaInvalidation.plan("free"),
					QuotaInvalidation.tenant("acme"), QuotaInvalidation.tenant("acme"), QuotaInvalidation.plan("free"));
		}
	}

	@ParameterizedTest
	@EnumSource(TestDatabase.class)
	void tenantsMoveToADatabasePlanAndBecomeExempt(TestDatabase database) {
		try (TestSchema schema = database.newSchema()) {
			RuntimeDefinitionsFixture fixture = new RuntimeDefinitionsFixture(schema);
			MeteringAdmin admin = fixture.admin;
			admin.createPlan("sales", "pro", "Pro plan");
			admin.putPlanQuota("sales", "pro", new QuotaChange("api.calls", "day", new BigDecimal("10000.5"), "soft", 0.8));
			admin.putPlanQuota("sales", "pro", quota("exports", "month", 20));
			admin.putTenant("sales", "acme", new TenantChange("pro", null));

			EffectiveQuotas acme = admin.explain("acme");
			assertThat(acme.plan()).isEqualTo("pro");
			assertThat(acme.planOrigin()).isEqualTo(DefinitionOrigin.DATABASE);
			assertThat(acme.quotas()).extracting((q) -> q.policy().name())
				.containsExactlyInAnyOrder("pro-api.calls-day", "pro-exports-month");
			ExplainedQuota calls = acme.quotas().stream().filter((q) -> q.policy().meter().equals("api.calls")).findFirst()
				.orElseThrow();
			assertThat(calls.policy().limit()).isEqualByComparingTo("10000.5");
			assertThat(calls.policy().enforcement()).isEqualTo(Enforcement.SOFT);
			assertThat(calls.policy().softThreshold()).isEqualTo(0.8);
			assertThat(admin.explain("initech").plan()).isEqualTo("free");
			assertThat(admin.explain("initech").planOrigin()).isEqualTo(DefinitionOrigin.DEFAULT_PLAN);

			admin.putTenant("support", "acme", new TenantChange("pro", true));
			assertThat(admin.explain("acme").exempt()).isTrue();
			assertThat(admin.explain("acme").exemptOrigin()).isEqualTo(DefinitionOrigin.DATABASE);
			assertThat(fixture.definitions.quotasOf("acme").policies("api.calls")).isEmpty();

			assertThatExceptionOfType(DefinitionConflictException.class)
				.isThrownBy(() -> admin.deletePlan("sales", "pro"))
				.withMessageContaining("1 tenant(s)");
			admin.deleteTenant("sales", "acme");
			admin.deletePlan("sales", "pro");
			assertThat(admin.explain("acme").plan()).isEqualTo("free");
			assertThat(admin.explain("acme").planOrigin()).isEqualTo(DefinitionOrigin.CONFIGURATION);
			assertThat(schema.jdbc().queryForObject("SELECT COUNT(*) FROM " + schema.prefix() + "plan_quota",
					Integer.class)).isZero();
		}
	}

	@ParameterizedTest
	@EnumSource(TestDatabase.class)
	void everyChangeIsAuditedWithWhoWhenOldAndNew(TestDatabase database) {
		try (TestSchema schema = database.newSchema()) {
			RuntimeDefinitionsFixture fixture = new RuntimeDefinitionsFixture(schema);
			MeteringAdmin admin = fixture.admin;
			admin.putTenantQuota("alice", "acme", quota("api.calls", "day", 1000));
			admin.putTenantQuota("bob", "acme", new QuotaChange("api.calls", "DAY", BigDecimal.valueOf(2000), "soft", 0.5));
			admin.deleteTenantQuota("carol", "acme", "api.calls", "day");
			admin.createPlan("dave", "pro", null);

			List<AuditEntry> acme = admin.audit("tenant:acme", 10);
			assertThat(acme).extracting(AuditEntry::actor).containsExactly("carol", "bob", "alice");
			assertThat(acme).extracting(AuditEntry::action)
				.containsExactly("delete-tenant-quota", "put-tenant-quota", "put-tenant-quota");
			assertThat(acme).allSatisfy((entry) -> {
				assertThat(entry.target()).isEqualTo("tenant:acme/api.calls/day");
				assertThat(entry.changedAt()).isEqualTo(RuntimeDefinitionsFixture.NOW);
			});
			assertThat(acme.get(2).oldValue()).isNull();
			assertThat(acme.get(2).newValue()).isEqualTo("limit=1000 enforcement=hard");
			assertThat(acme.get(1).oldValue()).isEqualTo("limit=1000 enforcement=hard");
			assertThat(acme.get(1).newValue()).isEqualTo("limit=2000 enforcement=soft soft-threshold=0.5");
			assertThat(acme.get(0).oldValue()).isEqualTo("limit=2000 enforcement=soft soft-threshold=0.5");
			assertThat(acme.get(0).newValue()).isNull();
			assertThat(admin.audit("", 10)).hasSize(4);
			assertThat(admin.audit("", 1)).extracting(AuditEntry::actor).containsExactly("dave");
			// '_' and '%' in a prefix are literal, not LIKE wildcards.
			assertThat(admin.audit("tenant_", 10)).isEmpty();
		}
	}

	@ParameterizedTest
	@EnumSource(TestDatabase.class)
	void badInputNamesTheFieldAndChangesNothing(TestDatabase database) {
		try (TestSchema schema = database.newSchema()) {
			RuntimeDefinitionsFixture fixture = new RuntimeDefinitionsFixture(schema);
			MeteringAdmin admin = fixture.admin;
			admin.createPlan("sales", "pro", null);
			admin.putTenantQuota("sales", "acme", quota("api.calls", "day", 5));
			fixture.published.clear();
			List<String> before = fixture.allRows();

			assertInvalid(() -> admin.putTenantQuota("a", "acme", quota("API CALLS", "day", 1)), "meter");
			assertInvalid(() -> admin.putTenantQuota("a", "acme", quota("api.calls", "week", 1)), "window");
			assertInvalid(() -> admin.putTenantQuota("a", "acme", quota("api.calls", "day", -1)), "limit");
			assertInvalid(() -> admin.putTenantQuota("a", "acme", new QuotaChange("api.calls", "day", null, null, null)),
					"limit");
			assertInvalid(() -> admin.putTenantQuota("a", "acme",
					new QuotaChange("api.calls", "day", new BigDecimal("0.0000000001"), null, null)), "limit");
			assertInvalid(() -> admin.putTenantQuota("a", "acme",
					new QuotaChange("api.calls", "day", BigDecimal.ONE, "strict", null)), "enforcement");
			assertInvalid(() -> admin.putTenantQuota("a", "acme",
					new QuotaChange("api.calls", "day", BigDecimal.ONE, "soft", 1.5)), "soft-threshold");
			assertInvalid(() -> admin.putTenantQuota("a", " ", quota("api.calls", "day", 1)), "tenant");
			assertInvalid(() -> admin.putTenantQuota("a", "x".repeat(129), quota("api.calls", "day", 1)), "tenant");
			assertInvalid(() -> admin.putTenantQuota("", "acme", quota("api.calls", "day", 1)), "actor");
			assertInvalid(() -> admin.createPlan("a", "Pro Plan", null), "plan");
			assertInvalid(() -> admin.putPlanQuota("a", null, quota("api.calls", "day", 1)), "plan");
			assertThatExceptionOfType(DefinitionNotFoundException.class)
				.isThrownBy(() -> admin.putTenant("a", "acme", new TenantChange("platinum", null)))
				.withMessageContaining("platinum");
			assertThatExceptionOfType(DefinitionNotFoundException.class)
				.isThrownBy(() -> admin.putPlanQuota("a", "platinum", quota("api.calls", "day", 1)));
			assertThatExceptionOfType(DefinitionNotFoundException.class)
				.isThrownBy(() -> admin.deleteTenantQuota("a", "acme", "exports", "day"));
			assertThatExceptionOfType(DefinitionNotFoundException.class)
				.isThrownBy(() -> admin.deleteTenant("a", "globex"));
			assertThatExceptionOfType(DefinitionNotFoundException.class)
				.isThrownBy(() -> admin.deletePlan("a", "free"))
				.withMessageContaining("configured in metering.plans");
			assertThatExceptionOfType(DefinitionConflictException.class)
				.isThrownBy(() -> admin.createPlan("a", "pro", null));
			assertThatExceptionOfType(DefinitionConflictException.class)
				.isThrownBy(() -> admin.createPlan("a", "free", null));

			assertThat(fixture.allRows()).isEqualTo(before);
			assertThat(fixture.published).isEmpty();
		}
	}

	private static void assertInvalid(Runnable change, String field) {
		Throwable thrown = catchThrowable(change::run);
		assertThat(thrown).isInstanceOf(InvalidDefinitionException.class);
		assertThat(((InvalidDefinitionException) thrown).getField()).isEqualTo(field);
	}

	private static ExplainedQuota only(EffectiveQuotas quotas) {
		assertThat(quotas.quotas()).hasSize(1);
		return quotas.quotas().get(0);
	}

	private static void assertQuota(ExplainedQuota quota, String limit, String level, DefinitionOrigin origin) {
		assertThat(quota.policy().limit()).isEqualByComparingTo(limit);
		assertThat(quota.level()).isEqualTo(level);
		assertThat(quota.origin()).isEqualTo(origin);
	}


}
