package dev.metering.kafka;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import com.zaxxer.hikari.HikariDataSource;
import org.junit.jupiter.api.Test;

import dev.metering.event.UsageEvent;
import dev.metering.event.UsageRecorder;
import dev.metering.ledger.BufferedLedgerWriter;
import dev.metering.quota.LeaseInstances;
import dev.metering.quota.QuotaDecision;
import dev.metering.quota.QuotaEnforcementService;
import dev.metering.rollup.RollupJob;
import dev.metering.test.TestSchema;

import org.springframework.context.ConfigurableApplicationContext;

import static dev.metering.kafka.KafkaInstances.await;
import static dev.metering.kafka.KafkaInstances.consumer;
import static dev.metering.kafka.KafkaInstances.distinctIds;
import static dev.metering.kafka.KafkaInstances.producer;
import static dev.metering.kafka.KafkaInstances.rows;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Kafka event path end to end on a real KRaft broker and PostgreSQL: instances produce, ledger
 * consumers write the ledger, and the ledger, the rollups and the hard quotas stay exact.
 */
class KafkaLedgerPathTests extends KafkaBrokerTest {

	@Test
	void twoProducingInstancesAndOneConsumerWriteEveryRequestOnceAndKeepTheHardQuotaExact() throws Exception {
		String topic = "exact-" + UUID.randomUUID();
		broker.createTopic(topic, 6);
		try (TestSchema schema = database.newSchema(); HikariDataSource a = database.newDataSource(4);
				HikariDataSource b = database.newDataSource(4); HikariDataSource c = database.newDataSource(4)) {
			consumer(schema, c, broker, topic).run((ledger) -> producer(schema, a, broker, topic, 1000).run(
					(one) -> producer(schema, b, broker, topic, 1000).run((two) -> {
						ConfigurableApplicationContext[] instances = { one, two };
						// 100,000 requests on a meter without a quota, spread over 50 tenants and both instances.
						int recorded = send(100_000, 16, (i) -> instances[i % 2], (i) -> "t" + (i % 50), "api.calls");
						// 3,000 requests of one tenant against its hard quota of 1,000 a day, across both.
						int admitted = send(3_000, 16, (i) -> instances[i % 2], (i) -> "capped", LeaseInstances.METER);
						for (ConfigurableApplicationContext instance : instances) {
							assertThat(instance.getBean(BufferedLedgerWriter.class).flush(Duration.ofMinutes(2))).isTrue();
						}
						assertThat(recorded).isEqualTo(100_000);
						assertThat(admitted).isEqualTo(1_000);
						assertThat(rows(schema)).isEqualTo(101_000);
						assertThat(distinctIds(schema)).isEqualTo(101_000);
						assertThat(countOf(schema, "capped")).isEqualTo(1_000);
						ledger.getBean(RollupJob.class).rollupNow();
						assertThat(rollupSums(schema)).isEqualTo(ledgerSums(schema));
						assertThat(ledger.getBean(LedgerConsumer.class).lag(Duration.ofSeconds(30))).isZero();
						assertThat(ledger.getBean(LedgerConsumer.class).stats().written()).isEqualTo(101_000);
					})));
		}
	}

	@Test
	void aRedeliveredTopicDoublesNothing() {
		String topic = "redelivery-" + UUID.randomUUID();
		broker.createTopic(topic, 3);
		List<UsageEvent> events = KafkaInstances.events("r", 5_000, 20);
		KafkaInstances.produce(broker, topic, events);
		// The same events produced again, as a writer's retry after a lost acknowledgement does.
		KafkaInstances.produce(broker, topic, events.subList(0, 2_000));
		try (TestSchema schema = database.newSchema(); HikariDataSource c = database.newDataSource(4);
				HikariDataSource d = database.newDataSource(4)) {
			consumer(schema, c, broker, topic).run((first) -> {
				await(Duration.ofMinutes(2), () -> lag(first) == 0, "the first group writes the topic");
				assertThat(rows(schema)).isEqualTo(5_000);
				assertThat(first.getBean(LedgerConsumer.class).stats().duplicates()).isEqualTo(2_000);
				org.springframework.boot.health.contributor.Health health = first
					.getBean(LedgerConsumerHealthIndicator.class)
					.health(true);
				assertThat(health.getStatus()).isEqualTo(org.springframework.boot.health.contributor.Status.UP);
				assertThat(health.getDetails()).containsEntry("lag", 0L).containsEntry("written", 5_000L)
					.containsEntry("duplicates", 2_000L);
			});
			// Every record delivered again: a new group (another instance; closing a context closes its
			// pool) reads the whole topic into the same ledger.
			consumer(schema, d, broker, topic, "metering.ledger.consumer.group=again").run((again) -> {
				await(Duration.ofMinutes(2), () -> lag(again) == 0, "the second group writes the topic");
				assertThat(again.getBean(LedgerConsumer.class).stats().written()).isZero();
				assertThat(again.getBean(LedgerConsumer.class).stats().duplicates()).isEqualTo(7_000);
			});
			assertThat(rows(schema)).isEqualTo(5_000);
			assertThat(distinctIds(schema)).isEqualTo(5_000);
		}
	}

	private static long lag(ConfigurableApplicationContext context) {
		return context.getBean(LedgerConsumer.class).lag(Duration.ofSeconds(30));
	}

	/** Sends requests from {@code clients} threads as the filter does: check, then record when allowed. */
	static int send(int requests, int clients, java.util.function.IntFunction<ConfigurableApplicationContext> target,
			java.util.function.IntFunction<String> tenantOf, String meter) throws Exception {
		java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(clients);
		java.util.concurrent.atomic.AtomicInteger next = new java.util.concurrent.atomic.AtomicInteger();
		java.util.concurrent.atomic.AtomicInteger allowed = new java.util.concurrent.atomic.AtomicInteger();
		try {
			List<java.util.concurrent.Future<?>> futures = new java.util.ArrayList<>();
			for (int c = 0; c < clients; c++) {
				futures.add(pool.submit(() -> {
					int i;
					while ((i = next.getAndIncrement()) < requests) {
						ConfigurableApplicationContext context = target.apply(i);
						QuotaEnforcementService quotas = context.getBean(QuotaEnforcementService.class);
						String tenant = tenantOf.apply(i);
						QuotaDecision decision = quotas.check(tenant, meter, 1);
						if (decision.allowed()) {
							UsageEvent event = UsageEvent.builder(tenant, meter).build();
							decision.reservation().record(context.getBean(UsageRecorder.class), event);
							allowed.incrementAndGet();
						}
					}
					return null;
				}));
			}
			for (java.util.concurrent.Future<?> future : futures) {
				future.get();
			}
		}
		finally {
			pool.shutdownNow();
		}
		return allowed.get();
	}

	private static long countOf(TestSchema schema, String tenant) {
		Long count = schema.jdbc()
			.queryForObject("SELECT COUNT(*) FROM " + schema.tables().usageEvent() + " WHERE tenant_id = ?", Long.class,
					tenant);
		return (count != null) ? count : 0;
	}

	static Map<String, java.math.BigDecimal> ledgerSums(TestSchema schema) {
		return sums(schema, "SELECT tenant_id || '/' || meter, SUM(quantity) FROM " + schema.tables().usageEvent()
				+ " GROUP BY tenant_id, meter");
	}

	static Map<String, java.math.BigDecimal> rollupSums(TestSchema schema) {
		return sums(schema, "SELECT tenant_id || '/' || meter, SUM(quantity) FROM " + schema.tables().usageRollup()
				+ " GROUP BY tenant_id, meter");
	}

	private static Map<String, java.math.BigDecimal> sums(TestSchema schema, String sql) {
		Map<String, java.math.BigDecimal> sums = new java.util.TreeMap<>();
		schema.jdbc().query(sql, (rs) -> {
			sums.put(rs.getString(1), rs.getBigDecimal(2).stripTrailingZeros());
		});
		return sums;
	}

}
