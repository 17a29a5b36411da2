package dev.metering.autoconfigure;

import java.time.Clock;
import java.util.Map;

import javax.sql.DataSource;

import org.apache.kafka.clients.producer.ProducerConfig;

import dev.metering.event.UsageEventSink;
import dev.metering.kafka.KafkaClientDefaults;
import dev.metering.kafka.KafkaLedgerSink;
import dev.metering.kafka.KafkaSinkSettings;
import dev.metering.ledger.BufferedLedgerWriter;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnSingleCandidate;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.kafka.autoconfigure.KafkaProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.kafka.core.DefaultKafkaProducerFactory;
import org.springframework.kafka.core.KafkaTemplate;

/**
 * {@code metering.sink: kafka}: the ledger writer produces to the topic instead of writing the
 * ledger; its buffer, spool and retries stay as they are. Before the ledger's auto-configuration,
 * whose writer then backs off.
 */
@AutoConfiguration(before = MeteringLedgerAutoConfiguration.class, after = DataSourceAutoConfiguration.class)
@ConditionalOnClass({ KafkaTemplate.class, KafkaProperties.class, JdbcTemplate.class, DataSource.class })
@ConditionalOnSingleCandidate(DataSource.class)
@ConditionalOnProperty(name = "metering.sink", havingValue = "kafka")
@ConditionalOnBooleanProperty(name = "metering.enabled", matchIfMissing = true)
@EnableConfigurationProperties({ KafkaProperties.class, MeteringSinkProperties.class, MeteringKafkaProperties.class,
		MeteringLedgerConsumerProperties.class, MeteringWriterProperties.class, MeteringLedgerProperties.class })
public final class MeteringKafkaSinkAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	KafkaLedgerSink meteringKafkaLedgerSink(KafkaProperties kafka, MeteringKafkaProperties properties,
			MeteringLedgerConsumerProperties consumer) {
		Map<String, Object> producer = KafkaClientDefaults.producer(kafka.buildProducerProperties());
		// A send to an unreachable broker gives the batch back to the writer within the send timeout.
		producer.putIfAbsent(ProducerConfig.MAX_BLOCK_MS_CONFIG, properties.getSendTimeout().toMillis());
		KafkaSinkSettings settings = new KafkaSinkSettings(properties.getTopic(), properties.getPartitions(),
				properties.getReplicationFactor(), consumer.getGroup(), properties.getSource(),
				properties.getSendTimeout(), properties.getConfirmTimeout(), properties.getProgressInterval(),
				properties.getMaxInFlight());
		return new KafkaLedgerSink(new DefaultKafkaProducerFactory<>(producer), kafka.buildAdminProperties(), settings);
	}

	@Bean
	@ConditionalOnMissingBean(UsageEventSink.class)
	BufferedLedgerWriter meteringKafkaLedgerWriter(KafkaLedgerSink sink, MeteringWriterProperties writer,
			MeteringLedgerProperties ledger, ObjectProvider<Clock> clock) {
		return new BufferedLedgerWriter(sink.store(), writer.toSettings(), clock.getIfAvailable(Clock::systemUTC),
				ledger.getLateWindow());
	}

}
