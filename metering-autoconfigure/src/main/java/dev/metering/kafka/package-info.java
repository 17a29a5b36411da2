/**
 * Kafka as the event path ({@code metering.sink: kafka}): the producer sink under the ledger
 * writer, and the ledger consumer that writes the topic into the ledger, committing offsets only
 * after the database commits. Loaded only when spring-kafka is on the class path and the sink or
 * the consumer is configured.
 */
@NullMarked
package dev.metering.kafka;

import org.jspecify.annotations.NullMarked;
