package dev.metering.autoconfigure;

import java.time.Clock;
import java.time.Duration;
import java.util.Map;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;

import dev.metering.kafka.KafkaClientDefaults;
import dev.metering.kafka.LedgerConsumerHealthIndicator;
import dev.metering.kafka.LedgerConsumer;
import dev.metering.kafka.LedgerConsumerSettings;
import dev.metering.ledger.UsageEventStore;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.kafka.autoconfigure.KafkaProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.core.DefaultKafkaConsumerFactory;
import org.springframework.kafka.core.KafkaTemplate;

/**
 * {@code metering.ledger.consumer.enabled}: ledger consumers in this instance write the Kafka
 * topic into the ledger through the ledger's JDBC store.
 */
@AutoConfiguration(after = MeteringLedgerAutoConfiguration.class)
@ConditionalOnClass({ KafkaTemplate.class, KafkaProperties.class })
@ConditionalOnBooleanProperty("metering.ledger.consumer.enabled")
@ConditionalOnBean(UsageEventStore.class)
@EnableConfigurationProperties({ KafkaProperties.class, MeteringKafkaProperties.class,
		MeteringLedgerConsumerProperties.class, MeteringLedgerProperties.class })
public final class MeteringLedgerConsumerAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	LedgerConsumer meteringLedgerConsumer(KafkaProperties kafka, MeteringKafkaProperties topic,
			MeteringLedgerConsumerProperties properties, MeteringLedgerProperties rules, UsageEventStore ledger,
			ObjectProvider<Clock> clock) {
		Map<String, Object> consumer = KafkaClientDefaults.consumer(kafka.buildConsumerProperties(),
				properties.getMaxBatch());
		LedgerConsumerSettings settings = new LedgerConsumerSettings(topic.getTopic(), properties.getGroup(),
				properties.getConcurrency(), properties.getMaxBatch(), properties.getRetryBackoff(), rules.getLateWindow());
		return new LedgerConsumer(new DefaultKafkaConsumerFactory<>(consumer), kafka.buildAdminProperties(), ledger,
				settings, clock.getIfAvailable(Clock::systemUTC));
	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(MeterRegistry.class)
	static class LedgerConsumerMetricsConfiguration {

		/** The lag, read from the broker when scraped; NaN when it does not answer. */
		@Bean
		MeterBinder meteringLedgerConsumerMetrics(LedgerConsumer consumer) {
			return (registry) -> {
				Gauge.builder("metering.ledger.consumer.lag", consumer, LedgerConsumerMetricsConfiguration::lag)
					.description("Records in the events topic the ledger consumers have not written yet")
					.register(registry);
				FunctionCounter.builder("metering.ledger.consumer.written", consumer, (c) -> c.stats().written())
					.description("Rows the ledger consumers of this instance added to the ledger")
					.register(registry);
				FunctionCounter
					.builder("metering.ledger.consumer.duplicates", consumer, (c) -> c.stats().duplicates())
					.description("Events delivered again and skipped as already in the ledger")
					.register(registry);
			};
		}

		private static double lag(LedgerConsumer consumer) {
			try {
				return consumer.lag(Duration.ofSeconds(2));
			}
			catch (RuntimeException ex) {
				return Double.NaN;
			}
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(AbstractHealthIndicator.class)
	static class LedgerConsumerHealthConfiguration {

		@Bean
		@ConditionalOnMissingBean(name = "meteringLedgerConsumerHealthIndicator")
		@ConditionalOnEnabledHealthIndicator("metering")
		LedgerConsumerHealthIndicator meteringLedgerConsumerHealthIndicator(LedgerConsumer consumer) {
			return new LedgerConsumerHealthIndicator(consumer);
		}

	}

}
