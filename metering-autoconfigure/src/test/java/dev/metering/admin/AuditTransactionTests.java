package dev.metering.admin;

import java.math.BigDecimal;

import dev.metering.test.TestDatabase;
import dev.metering.test.TestSchema;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatRuntimeException;

/**
 * Each change and its audit entry are one transaction: when the audit entry cannot be written,
 * the change is rolled back and nothing is published.
 */
class AuditTransactionTests {

	@ParameterizedTest
	@EnumSource(TestDatabase.class)
	void aChangeWhoseAuditEntryFailsIsRolledBack(TestDatabase database) {
		try (TestSchema schema = database.newSchema()) {
			RuntimeDefinitionsFixture fixture = new RuntimeDefinitionsFixture(schema);
			fixture.admin.putTenantQuota("ops", "acme", new QuotaChange("api.calls", "day", BigDecimal.TEN, "hard", null));
			assertThat(limitOf(schema, "acme")).isEqualByComparingTo("10");
			fixture.published.clear();

			// The audit table is gone (a revoked grant, a botched migration): every audit insert fails.
			schema.jdbc().execute("DROP TABLE " + schema.prefix() + "quota_audit");
			assertThatRuntimeException().isThrownBy(() -> fixture.admin.putTenantQuota("ops", "acme",
					new QuotaChange("api.calls", "day", BigDecimal.valueOf(5), "hard", null)));
			assertThatRuntimeException()
				.isThrownBy(() -> fixture.admin.putTenant("ops", "globex", new TenantChange("free", true)));

			assertThat(limitOf(schema, "acme")).as("the quota change rolled back").isEqualByComparingTo("10");
			assertThat(schema.jdbc()
				.queryForObject("SELECT COUNT(*) FROM " + schema.prefix() + "tenant WHERE tenant_id = 'globex'",
						Long.class))
				.as("the tenant row rolled back").isZero();
			assertThat(fixture.published).isEmpty();
		}
	}

	private static BigDecimal limitOf(TestSchema schema, String tenant) {
		return schema.jdbc()
			.queryForObject("SELECT quota_limit FROM " + schema.prefix() + "tenant_quota WHERE tenant_id = ?",
					BigDecimal.class, tenant);
	}

}
