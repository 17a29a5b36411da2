package dev.metering.quota;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariDataSource;

import dev.metering.autoconfigure.MeteringTenantAutoConfiguration;
import dev.metering.event.UsageEvent;
import dev.metering.event.UsageRecorder;
import dev.metering.test.MutableClock;
import dev.metering.test.TestDatabase;
import dev.metering.test.TestSchema;
import dev.metering.tenant.TenantDirectory;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.ConfigurableApplicationContext;

import static dev.metering.quota.LeaseInstances.METER;
import static dev.metering.quota.LeaseInstances.flush;
import static dev.metering.quota.LeaseInstances.instance;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Hard quotas across instances beyond a flat tenant: an organisation's quota shared by its
 * projects on several instances, and the {@code r} each instance reports. Each instance is an
 * application context on a DataSource of its own, on one database.
 */
class LeasedLevelsInstancesTests {

	private static final Instant NOW = Instant.parse("2026-11-23T10:15:00Z");

	private static final List<String> PROJECTS = List.of("project-a", "project-b", "project-c");

	/** An instance whose organisation org-1 has a hard 300 a day over projects a, b and c. */
	private static ApplicationContextRunner organisation(TestSchema schema, DataSource dataSource, MutableClock clock) {
		return instance(schema, dataSource, clock, 1_000_000, "day")
			.withConfiguration(AutoConfigurations.of(MeteringTenantAutoConfiguration.class))
			.withPropertyValues("metering.tenants.org-1.quotas[0].meter=" + METER,
					"metering.tenants.org-1.quotas[0].limit=300", "metering.tenants.org-1.quotas[0].window=day",
					"metering.tenants.org-1.quotas[0].enforcement=hard", "metering.tenants.project-a.parent=org-1",
					"metering.tenants.project-b.parent=org-1", "metering.tenants.project-c.parent=org-1");
	}

	@ParameterizedTest
	@EnumSource(TestDatabase.class)
	void threeInstancesLetExactlyAnOrganisationsLimitThroughAcrossItsProjects(TestDatabase database)
			throws Exception {
		MutableClock clock = new MutableClock(NOW);
		try (TestSchema schema = database.newSchema(); HikariDataSource a = database.newDataSource(4);
				HikariDataSource b = database.newDataSource(4); HikariDataSource c = database.newDataSource(4)) {
			organisation(schema, a, clock).run((one) -> organisation(schema, b, clock).run(
					(two) -> organisation(schema, c, clock).run((three) -> {
						ConfigurableApplicationContext[] instances = { one, two, three };
						int allowed = LeaseInstances.sendEach(900, 32,
								(i) -> instances[i % 3], (i) -> PROJECTS.get((i / 3) % 3), LeasedLevelsInstancesTests::request);
						for (ConfigurableApplicationContext instance : instances) {
							flush(instance);
						}
						assertThat(allowed).isEqualTo(300);
						assertThat(schema.eventCount()).isEqualTo(300);
						for (String project : PROJECTS) {
							assertThat(LeaseInstances.rows(schema, project)).as(project).isPositive();
						}
					})));
		}
	}

	@ParameterizedTest
	@EnumSource(TestDatabase.class)
	void rIsWhatNoInstanceHoldsPlusWhatThisInstanceHolds(TestDatabase database) {
		MutableClock clock = new MutableClock(NOW);
		try (TestSchema schema = database.newSchema(); HikariDataSource a = database.newDataSource(4);
				HikariDataSource b = database.newDataSource(4)) {
			instance(schema, a, clock, 100, "day").run((one) -> instance(schema, b, clock, 100, "day").run((two) -> {
				// The first instance takes the unit and a chunk of 10: it holds 10, 89 are free.
				QuotaDecision first = check(one);
				assertThat(first.allowed()).isTrue();
				assertThat(rateLimit(first)).contains(";r=99;");
				// The second takes the unit and 10 more: 78 free, 10 held here. The 10 the first
				// instance holds unused are not counted as left.
				QuotaDecision second = check(two);
				assertThat(second.allowed()).isTrue();
				assertThat(second.remaining()).isEqualByComparingTo("88");
				assertThat(rateLimit(second)).contains(";r=88;");
				QuotaDecision again = check(two);
				assertThat(rateLimit(again)).as("this instance's own use is fresh").contains(";r=87;");
			}));
		}
	}

	private static QuotaDecision check(ConfigurableApplicationContext instance) {
		QuotaEnforcementService quotas = instance.getBean(QuotaEnforcementService.class);
		return quotas.check(List.of("acme"), METER, BigDecimal.ONE, quotas.getClock().instant());
	}

	private static String rateLimit(QuotaDecision decision) {
		return RateLimitFields.rateLimit(decision.enforcedPolicies(), NOW);
	}

	/** One request of a project, checked along its lineage and recorded as the filter does. */
	private static boolean request(ConfigurableApplicationContext context, String tenant) {
		QuotaEnforcementService quotas = context.getBean(QuotaEnforcementService.class);
		List<String> lineage = context.getBean(TenantDirectory.class).lineageOf(tenant).scopes();
		Instant at = quotas.getClock().instant();
		QuotaDecision decision = quotas.check(lineage, METER, BigDecimal.ONE, at);
		if (!decision.allowed()) {
			return false;
		}
		UsageEvent event = UsageEvent.builder(tenant, METER).occurredAt(at).build();
		UsageRecorder recorder = context.getBean(UsageRecorder.class);
		decision.reservation().record(recorder, event);
		return true;
	}

}
