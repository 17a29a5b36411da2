package dev.metering.autoconfigure;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Where the ledger writer sends events, {@code metering.sink}.
 */
@ConfigurationProperties("metering")
public class MeteringSinkProperties {

	/**
	 * Where the ledger writer sends events: 'jdbc' writes the ledger directly; 'kafka' produces
	 * them to metering.kafka.topic, which ledger consumers (metering.ledger.consumer.enabled)
	 * write into the ledger. Kafka needs spring-kafka on the class path.
	 */
	private Sink sink = Sink.JDBC;

	public Sink getSink() {
		return this.sink;
	}

	public void setSink(Sink sink) {
		this.sink = sink;
	}

	/**
	 * The writer's destinations.
	 */
	public enum Sink {

		/** The ledger's database, directly. */
		JDBC,

		/** A Kafka topic, written into the ledger by the ledger consumers. */
		KAFKA

	}

}
