package dev.metering.admin;

import java.time.Duration;

import dev.metering.test.StatementCountingDataSource;
import dev.metering.test.TestDatabase;
import dev.metering.test.TestSchema;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The set of tenants that have rows, kept so a tenant seen for the first time costs no query:
 * up to a cap (100,000 in the kit, smaller here); above it the set is not kept and each tenant is
 * read alone, so no tenant's rows are ever missed.
 */
class TenantRowIndexTests {

	@ParameterizedTest
	@EnumSource(TestDatabase.class)
	void upToTheCapATenantWithoutRowsCostsNoQueryAboveItEachTenantIsReadAlone(TestDatabase database) {
		try (TestSchema schema = database.newSchema()) {
			RuntimeDefinitionsFixture fixture = new RuntimeDefinitionsFixture(schema);
			for (String tenant : new String[] { "t1", "t2", "t3" }) {
				fixture.admin.putTenant("ops", tenant, new TenantChange("free", true));
			}
			StatementCountingDataSource counted = new StatementCountingDataSource(schema.dataSource());
			JdbcRuntimeDefinitions rows = new JdbcRuntimeDefinitions(counted, schema.tables(),
					schema::dialect);

			CachedDefinitionReads indexed = new CachedDefinitionReads(rows, Duration.ofMinutes(1), 3);
			assertThat(indexed.tenant("t3")).hasValueSatisfying((row) -> assertThat(row.exempt()).isTrue());
			counted.reset();
			assertThat(indexed.tenant("stranger")).isEmpty();
			assertThat(indexed.tenantQuotas("stranger")).isEmpty();
			assertThat(counted.statements()).as("a tenant without rows, within the cap").isEmpty();

			CachedDefinitionReads overTheCap = new CachedDefinitionReads(rows, Duration.ofMinutes(1), 2);
			for (String tenant : new String[] { "t1", "t2", "t3" }) {
				assertThat(overTheCap.tenant(tenant)).as(tenant).isPresent();
			}
			counted.reset();
			assertThat(overTheCap.tenant("stranger")).isEmpty();
			assertThat(counted.statements()).as("above the cap each tenant is read alone").isNotEmpty();
			// The kit's cap is the one the README states.
			assertThat(CachedDefinitionReads.MAXIMUM_INDEXED).isEqualTo(100_000);
		}
	}

}
