package dev.metering.autoconfigure;

import java.time.Clock;
import java.util.HashMap;
import java.util.Map;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.serialization.StringDeserializer;

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
import org.springframework.boot.kafka.autoconfigure.KafkaProperties;
import org.springframework.context.annotation.Bean;
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
		MeteringLedgerConsumerProperties.class })
public final class MeteringLedgerConsumerAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	LedgerConsumer meteringLedgerConsumer(KafkaProperties kafka, MeteringKafkaProperties topic,
			MeteringLedgerConsumerProperties properties, UsageEventStore ledger, ObjectProvider<Clock> clock) {
		Map<String, Object> consumer = new HashMap<>(kafka.buildConsumerProperties());
		// Offsets are committed by the consumer after the database commit, never automatically.
		consumer.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
		// A group that starts after events were produced reads them from the beginning.
		consumer.putIfAbsent(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
		consumer.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, properties.getMaxBatch());
		consumer.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
		consumer.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
		LedgerConsumerSettings settings = new LedgerConsumerSettings(topic.getTopic(), properties.getGroup(),
				properties.getConcurrency(), properties.getMaxBatch(), properties.getRetryBackoff());
		return new LedgerConsumer(new DefaultKafkaConsumerFactory<>(consumer), kafka.buildAdminProperties(), ledger,
				settings, clock.getIfAvailable(Clock::systemUTC));
	}

}
