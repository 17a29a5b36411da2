package dev.metering.kafka;

import dev.metering.autoconfigure.MeteringLedgerAutoConfiguration;
import dev.metering.autoconfigure.MeteringLedgerConsumerAutoConfiguration;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.context.annotation.Configuration;

/**
 * A ledger consumer deployment of its own, for a child JVM the tests kill with {@code kill -9}:
 * arguments are the JDBC URL, the table prefix, the bootstrap servers, the topic and the largest batch.
 */
@Configuration(proxyBeanMethods = false)
@ImportAutoConfiguration({ DataSourceAutoConfiguration.class, MeteringLedgerAutoConfiguration.class,
		MeteringLedgerConsumerAutoConfiguration.class })
public class LedgerConsumerProcess {

	public static void main(String[] args) {
		new SpringApplicationBuilder(LedgerConsumerProcess.class).web(WebApplicationType.NONE)
			.properties("spring.datasource.url=" + args[0], "metering.jdbc.table-prefix=" + args[1],
					"metering.jdbc.initialize-schema=never", "spring.kafka.bootstrap-servers=" + args[2],
					"metering.kafka.topic=" + args[3], "metering.ledger.consumer.max-batch=" + args[4],
					"metering.ledger.consumer.enabled=true", "metering.ledger.consumer.group=" + KafkaInstances.GROUP,
					"spring.kafka.consumer.properties[session.timeout.ms]=10000",
					"spring.kafka.consumer.properties[heartbeat.interval.ms]=1000", "spring.main.banner-mode=off",
					"logging.level.root=WARN")
			.run(args);
	}

}
