package dev.metering.autoconfigure.endpoint;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariDataSource;

import dev.metering.autoconfigure.MeteringAdminAutoConfiguration;
import dev.metering.autoconfigure.MeteringBusAutoConfiguration;
import dev.metering.autoconfigure.MeteringLedgerAutoConfiguration;
import dev.metering.autoconfigure.MeteringQuotaAutoConfiguration;
import dev.metering.autoconfigure.MeteringRollupAutoConfiguration;
import dev.metering.autoconfigure.health.MeteringHealthAutoConfiguration;
import dev.metering.autoconfigure.health.MeteringHealthIndicator;
import dev.metering.event.UsageEvent;
import dev.metering.event.UsageRecorder;
import dev.metering.ledger.BufferedLedgerWriter;
import dev.metering.quota.QuotaDecision;
import dev.metering.quota.QuotaEnforcementService;
import dev.metering.quota.QuotaObserver;
import dev.metering.test.TestDatabase;
import dev.metering.test.TestSchema;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.datasource.DelegatingDataSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Reading a tenant's quota status (the {@code metering} endpoint) reserves nothing, leases
 * nothing and is not a check; and the health of the writer and the ledger is there with Actuator
 * whatever the quota and admin switches say.
 */
class MeteringStatusReadsTests {

	private static ApplicationContextRunner instance(TestSchema schema, DataSource dataSource) {
		return new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(MeteringLedgerAutoConfiguration.class,
					MeteringRollupAutoConfiguration.class, MeteringAdminAutoConfiguration.class,
					MeteringQuotaAutoConfiguration.class, MeteringBusAutoConfiguration.class,
					MeteringEndpointAutoConfiguration.class, MeteringHealthAutoConfiguration.class))
			.withBean(DataSource.class, () -> new DelegatingDataSource(dataSource))
			.withPropertyValues("metering.jdbc.table-prefix=" + schema.prefix(), "metering.jdbc.initialize-schema=never",
					"metering.rollup.enabled=false", "metering.default-plan=free",
					"metering.quota.lease.request-timeout=60s", "metering.plans.free.quotas[0].meter=api.calls",
					"metering.plans.free.quotas[0].limit=10", "metering.plans.free.quotas[0].window=day",
					"metering.plans.free.quotas[0].enforcement=hard",
					"management.endpoints.web.exposure.include=metering");
	}

	@ParameterizedTest
	@EnumSource(value = TestDatabase.class, names = { "H2", "POSTGRESQL" })
	@SuppressWarnings("unchecked")
	void readingAnExhaustedTenantsStatusOnAnotherInstanceLeasesNothingAndIsNoCheck(TestDatabase database) {
		AtomicInteger checks = new AtomicInteger();
		AtomicInteger denials = new AtomicInteger();
		QuotaObserver observer = new QuotaObserver() {

			@Override
			public void checked(QuotaDecision decision) {
				checks.incrementAndGet();
				if (!decision.allowed()) {
					denials.incrementAndGet();
				}
			}

		};
		try (TestSchema schema = database.newSchema(); HikariDataSource a = database.newDataSource(4);
				HikariDataSource b = database.newDataSource(4)) {
			instance(schema, a).run((one) -> instance(schema, b).withBean(QuotaObserver.class, () -> observer)
				.run((two) -> {
					for (int i = 0; i < 10; i++) {
						assertThat(request(one)).isTrue();
					}
					assertThat(request(one)).isFalse();
					assertThat(one.getBean(BufferedLedgerWriter.class).flush(Duration.ofSeconds(20))).isTrue();
					long leases = leaseRows(schema);

					Map<String, Object> status = two.getBean(MeteringEndpoint.class).tenant("acme");
					List<Map<String, Object>> policies = (List<Map<String, Object>>) status.get("quotas");
					assertThat(policies).singleElement().satisfies((policy) -> {
						assertThat((BigDecimal) policy.get("used")).isEqualByComparingTo("10");
						assertThat((BigDecimal) policy.get("remaining")).isEqualByComparingTo("0");
					});
					two.getBean(MeteringEndpoint.class).tenant("acme");

					assertThat(checks).hasValue(0);
					assertThat(denials).hasValue(0);
					assertThat(leaseRows(schema)).isEqualTo(leases);
				}));
		}
	}

	@ParameterizedTest
	@EnumSource(value = TestDatabase.class, names = "H2")
	void theWritersAndTheLedgersHealthDoNotDependOnQuotasOrAdmin(TestDatabase database) {
		try (TestSchema schema = database.newSchema(); HikariDataSource a = database.newDataSource(4)) {
			for (String off : List.of("metering.quota.enabled=false", "metering.admin.enabled=false")) {
				instance(schema, a).withPropertyValues(off).run((context) -> {
					assertThat(context).hasSingleBean(MeteringHealthIndicator.class);
					assertThat(context.getBean(MeteringHealthIndicator.class).health(true).getStatus())
						.isEqualTo(Status.UP);
					assertThat(context.getBean(MeteringHealthIndicator.class).health(true).getDetails())
						.containsEntry("ledgerWritable", true)
						.containsEntry("writerBacklog", 0L);
				});
				instance(schema, a).withPropertyValues(off, "metering.health.max-writer-backlog=-1")
					.run((context) -> assertThat(context.getBean(MeteringHealthIndicator.class).health(true).getStatus())
						.isEqualTo(Status.DOWN));
			}
		}
	}

	private static boolean request(ConfigurableApplicationContext context) {
		QuotaEnforcementService quotas = context.getBean(QuotaEnforcementService.class);
		QuotaDecision decision = quotas.check("acme", "api.calls", 1);
		if (!decision.allowed()) {
			return false;
		}
		UsageRecorder recorder = context.getBean(UsageRecorder.class);
		decision.reservation()
			.record(recorder, UsageEvent.builder("acme", "api.calls").occurredAt(quotas.getClock().instant()).build());
		return true;
	}

	private static long leaseRows(TestSchema schema) {
		Long rows = schema.jdbc().queryForObject("SELECT COUNT(*) FROM " + schema.prefix() + "quota_lease", Long.class);
		return (rows != null) ? rows : 0;
	}

}
