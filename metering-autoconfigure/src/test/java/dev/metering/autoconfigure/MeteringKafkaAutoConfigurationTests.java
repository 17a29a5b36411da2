package dev.metering.autoconfigure;

import org.junit.jupiter.api.Test;

import dev.metering.kafka.KafkaLedgerSink;
import dev.metering.kafka.LedgerConsumer;
import dev.metering.ledger.BufferedLedgerWriter;
import dev.metering.ledger.JdbcUsageEventStore;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Kafka path's auto-configurations: nothing of Kafka unless asked for, and the JDBC writer
 * then as before.
 */
class MeteringKafkaAutoConfigurationTests extends AbstractMeteringAutoConfigurationTests {

	private static final AutoConfigurations KAFKA = AutoConfigurations.of(MeteringKafkaSinkAutoConfiguration.class,
			MeteringLedgerConsumerAutoConfiguration.class);

	@Test
	void withoutKafkaOnTheClassPathTheKitStartsAsBefore() {
		this.runner.withConfiguration(KAFKA)
			.withClassLoader(new FilteredClassLoader("org.springframework.kafka", "org.apache.kafka",
					"org.springframework.boot.kafka"))
			.run((context) -> {
				assertThat(context).hasNotFailed().hasSingleBean(BufferedLedgerWriter.class)
					.hasSingleBean(JdbcUsageEventStore.class)
					.doesNotHaveBean(KafkaLedgerSink.class)
					.doesNotHaveBean(LedgerConsumer.class);
				assertThat(context.getBeanNamesForType(MeteringKafkaProperties.class)).isEmpty();
			});
	}

	@Test
	void withKafkaOnTheClassPathButNoSinkNothingOfKafkaIsStarted() {
		this.runner.withConfiguration(KAFKA).run((context) -> {
			assertThat(context).hasNotFailed().hasSingleBean(BufferedLedgerWriter.class)
				.doesNotHaveBean(KafkaLedgerSink.class)
				.doesNotHaveBean(LedgerConsumer.class);
			assertThat(context.getBeanNamesForType(MeteringKafkaProperties.class)).isEmpty();
			assertThat(context.getBeanNamesForType(org.springframework.boot.kafka.autoconfigure.KafkaProperties.class))
				.isEmpty();
		});
	}

	@Test
	void theKafkaSinkReplacesTheWritersStoreAndKeepsTheJdbcStoreForConsumers() {
		// No broker is contacted until the first batch: the context starts without one.
		this.runner.withConfiguration(KAFKA)
			.withPropertyValues("metering.sink=kafka", "spring.kafka.bootstrap-servers=127.0.0.1:1",
					"metering.ledger.consumer.enabled=true", "spring.kafka.consumer.properties[reconnect.backoff.ms]=60000")
			.run((context) -> {
				assertThat(context).hasNotFailed()
					.hasSingleBean(KafkaLedgerSink.class)
					.hasSingleBean(BufferedLedgerWriter.class)
					.hasSingleBean(JdbcUsageEventStore.class)
					.hasSingleBean(LedgerConsumer.class)
					.hasBean("meteringLedgerConsumerHealthIndicator")
					.hasBean("meteringLedgerConsumerMetrics");
				assertThat(context.getBean(MeteringSinkProperties.class).getSink())
					.isEqualTo(MeteringSinkProperties.Sink.KAFKA);
			});
	}

	@Test
	void theJdbcSinkIsTheDefault() {
		this.runner.withConfiguration(KAFKA).withPropertyValues("metering.sink=jdbc").run((context) -> {
			assertThat(context).hasNotFailed().hasSingleBean(BufferedLedgerWriter.class)
				.doesNotHaveBean(KafkaLedgerSink.class);
		});
	}

}
