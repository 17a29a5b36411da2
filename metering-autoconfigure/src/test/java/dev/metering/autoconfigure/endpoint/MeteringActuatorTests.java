package dev.metering.autoconfigure.endpoint;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

import javax.sql.DataSource;

import dev.metering.admin.DefinitionOrigin;
import dev.metering.admin.MeteringAdmin;
import dev.metering.admin.QuotaChange;
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
import dev.metering.ledger.JdbcUsageEventStore;
import dev.metering.ledger.UsageEventStore;
import dev.metering.quota.QuotaEnforcementService;
import dev.metering.quota.bus.BusState;
import dev.metering.quota.bus.QuotaInvalidation;
import dev.metering.quota.bus.QuotaInvalidationBus;
import dev.metering.test.TestDatabase;
import dev.metering.test.TestSchema;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.jdbc.datasource.DelegatingDataSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The {@code metering} Actuator endpoint and health indicator through their auto-configuration.
 */
class MeteringActuatorTests {

	private static ApplicationContextRunner runner(TestSchema schema) {
		return new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(MeteringLedgerAutoConfiguration.class,
					MeteringRollupAutoConfiguration.class, MeteringAdminAutoConfiguration.class,
					MeteringQuotaAutoConfiguration.class, MeteringBusAutoConfiguration.class,
					MeteringEndpointAutoConfiguration.class, MeteringHealthAutoConfiguration.class))
			.withBean(DataSource.class, () -> new DelegatingDataSource(schema.dataSource()))
			.withPropertyValues("metering.jdbc.table-prefix=" + schema.prefix(), "metering.jdbc.initialize-schema=never",
					"metering.jdbc.platform=h2", "metering.rollup.enabled=false", "metering.default-plan=free",
					"metering.plans.free.quotas[0].meter=api.calls", "metering.plans.free.quotas[0].limit=100",
					"metering.plans.free.quotas[0].window=day", "management.endpoints.web.exposure.include=metering");
	}

	@Test
	@SuppressWarnings("unchecked")
	void endpointShowsEffectiveQuotasWithOriginsUsageAndTheKitsState() {
		try (TestSchema schema = TestDatabase.H2.newSchema()) {
			runner(schema).run((context) -> {
				context.getBean(MeteringAdmin.class)
					.putTenantQuota("ops", "acme", new QuotaChange("api.calls", "day", BigDecimal.valueOf(10), null, null));
				QuotaEnforcementService quotas = context.getBean(QuotaEnforcementService.class);
				quotas.check("acme", "api.calls", 3);
				MeteringEndpoint endpoint = context.getBean(MeteringEndpoint.class);

				Map<String, Object> acme = endpoint.tenant("acme");
				assertThat(acme).containsEntry("plan", "free").containsEntry("exempt", false);
				List<Map<String, Object>> policies = (List<Map<String, Object>>) acme.get("quotas");
				assertThat(policies).singleElement().satisfies((policy) -> {
					assertThat(policy).containsEntry("origin", DefinitionOrigin.DATABASE).containsEntry("level", "tenant");
					assertThat((BigDecimal) policy.get("limit")).isEqualByComparingTo("10");
					assertThat((BigDecimal) policy.get("used")).isEqualByComparingTo("3");
					assertThat((BigDecimal) policy.get("remaining")).isEqualByComparingTo("7");
				});
				// Reading the endpoint reserves nothing.
				assertThat((BigDecimal) ((List<Map<String, Object>>) endpoint.tenant("acme").get("quotas")).get(0)
					.get("used")).isEqualByComparingTo("3");

				Map<String, Object> state = endpoint.metering();
				assertThat(state).containsKeys("writer", "rollup", "bus");
				assertThat((Map<String, Object>) state.get("writer")).containsEntry("backlog", 0L);
				assertThat((Map<String, Object>) state.get("rollup")).containsEntry("lag", 0L);
				assertThat((Map<String, Object>) state.get("bus")).containsEntry("transport", "in-process")
					.containsEntry("connected", true);
			});
		}
	}

	@Test
	void anErrorTheWriterSurvivedIsCountedInHealthAndTheEndpoint() {
		try (TestSchema schema = TestDatabase.H2.newSchema()) {
			AtomicBoolean armed = new AtomicBoolean(true);
			runner(schema).withBean(UsageEventStore.class, () -> {
				JdbcUsageEventStore jdbc = new JdbcUsageEventStore(schema.dataSource(), schema::dialect, schema.tables());
				return (events, at) -> {
					if (armed.getAndSet(false)) {
						throw new OutOfMemoryError("Java heap space (injected)");
					}
					return jdbc.insert(events, at);
				};
			}).withPropertyValues("metering.writer.retry.initial-backoff=10ms").run((context) -> {
				UsageEvent event = UsageEvent.builder("acme", "api.calls").build();
				context.getBean(UsageRecorder.class).record(event);
				BufferedLedgerWriter writer = context.getBean(BufferedLedgerWriter.class);
				assertThat(writer.flush(Duration.ofSeconds(30))).isTrue();
				assertThat(schema.eventCount()).isEqualTo(1);
				assertThat(context.getBean(MeteringHealthIndicator.class).health(true).getDetails())
					.containsEntry("writerErrors", 1L);
				assertThat(context.getBean(MeteringEndpoint.class).metering().get("writer"))
					.asInstanceOf(org.assertj.core.api.InstanceOfAssertFactories.MAP)
					.containsEntry("errors", 1L);
			});
		}
	}

	@Test
	void anEventTheWriterDroppedIsCountedAndShownInHealth() {
		try (TestSchema schema = TestDatabase.H2.newSchema()) {
			runner(schema).withPropertyValues("metering.writer.capacity=1", "metering.writer.overflow=drop")
				.run((context) -> {
					BufferedLedgerWriter writer = context.getBean(BufferedLedgerWriter.class);
					long dropped = 0;
					// One event fills the buffer: offered faster than one-row batches are written, some are dropped.
					for (int i = 0; i < 100_000 && dropped == 0; i++) {
						writer.offer(dev.metering.event.UsageEvent.builder("acme", "api.calls").build());
						dropped = writer.stats().dropped();
					}
					assertThat(dropped).isPositive();
					var health = context.getBean(MeteringHealthIndicator.class).health(true);
					assertThat(health.getStatus()).isEqualTo(Status.DOWN);
					assertThat(health.getDetails()).containsEntry("droppedEvents", dropped);
				});
			runner(schema).withPropertyValues("metering.writer.capacity=1", "metering.writer.overflow=drop",
					"metering.health.drop-window=0s")
				.run((context) -> {
					BufferedLedgerWriter writer = context.getBean(BufferedLedgerWriter.class);
					for (int i = 0; i < 100_000 && writer.stats().dropped() == 0; i++) {
						writer.offer(dev.metering.event.UsageEvent.builder("acme", "api.calls").build());
					}
					assertThat(writer.stats().dropped()).isPositive();
					assertThat(context.getBean(MeteringHealthIndicator.class).health(true).getStatus())
						.isEqualTo(Status.UP);
				});
		}
	}

	@Test
	void healthIsUpWhenEverythingIsWithinItsThresholdsAndDownOtherwise() {
		try (TestSchema schema = TestDatabase.H2.newSchema()) {
			runner(schema).run((context) -> {
				assertThat(context.getBean(MeteringHealthIndicator.class).health(true).getStatus()).isEqualTo(Status.UP);
				assertThat(context.getBean(MeteringHealthIndicator.class).health(true).getDetails())
					.containsEntry("ledgerWritable", true)
					.containsEntry("writerBacklog", 0L)
					.containsEntry("rollupLag", 0L)
					.containsKey("bus");
			});
			runner(schema).withPropertyValues("metering.health.max-writer-backlog=-1")
				.run((context) -> assertThat(context.getBean(MeteringHealthIndicator.class).health(true).getStatus())
					.isEqualTo(Status.DOWN));
			schema.jdbc().update("INSERT INTO " + schema.prefix() + "rollup_state (name, watermark, updated_at) "
					+ "VALUES ('hourly', -5, CURRENT_TIMESTAMP)");
			runner(schema).withPropertyValues("metering.health.max-rollup-lag=4")
				.run((context) -> assertThat(context.getBean(MeteringHealthIndicator.class).health(true).getStatus())
					.isEqualTo(Status.DOWN));
			runner(schema).withBean(QuotaInvalidationBus.class, DisconnectedBus::new)
				.run((context) -> assertThat(context.getBean(MeteringHealthIndicator.class).health(true).getStatus())
					.isEqualTo(Status.DOWN));
		}
	}

	@Test
	void backsOffWithoutActuatorOrWhenNotExposed() {
		try (TestSchema schema = TestDatabase.H2.newSchema()) {
			runner(schema).withClassLoader(new FilteredClassLoader("org.springframework.boot.actuate",
					"org.springframework.boot.health"))
				.run((context) -> assertThat(context).doesNotHaveBean(MeteringEndpoint.class)
					.doesNotHaveBean(MeteringHealthIndicator.class)
					.hasSingleBean(MeteringAdmin.class));
			runner(schema).withPropertyValues("management.endpoints.web.exposure.include=health",
					"management.health.metering.enabled=false")
				.run((context) -> assertThat(context).doesNotHaveBean(MeteringEndpoint.class)
					.doesNotHaveBean(MeteringHealthIndicator.class));
		}
	}

	static final class DisconnectedBus implements QuotaInvalidationBus {

		@Override
		public void publish(QuotaInvalidation invalidation) {
		}

		@Override
		public BusState state() {
			return new BusState("postgres", false, 0, 3, "EOFException", Instant.now());
		}

	}

}
