package dev.metering.kafka;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.utils.Utils;

import dev.metering.event.UsageEvent;
import dev.metering.ledger.InsertResult;
import dev.metering.ledger.PipelinedEventStore;
import dev.metering.ledger.UsageEventStore;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.kafka.core.ProducerFactory;

/**
 * The ledger writer's store when {@code metering.sink} is {@code kafka}: a batch is produced to
 * the topic, keyed by billing scope (one scope's events keep their order in one partition), as
 * CloudEvents JSON, by an idempotent producer ({@code acks=all}), and the call returns once the
 * ledger consumers have committed past every record of it.
 * <p>
 * Why wait for the consumers: the writer tells its listeners that a batch is in the ledger when
 * this returns, and whatever decides on the ledger relies on that (ledger readings of soft quotas
 * count this instance's usage that is not written yet; a lease reports as committed what is in the
 * ledger, and the reconciliation of a killed instance's lease counts the rest from the ledger). An
 * event still in the topic is therefore counted as unwritten, never as written. The consumers
 * commit offsets only after the database commit, so a committed offset past a record means the
 * record is in the ledger.
 * <p>
 * Failures are the writer's to retry, as a database outage is: the batch stays in hand, the spool
 * takes the overflow, and a batch sent twice is written once (the consumer skips known event ids).
 */
public class KafkaLedgerSink implements DisposableBean {

	private final ProducerFactory<byte[], byte[]> producers;

	/** Replaced after a failed batch: a new producer id starts its sequences afresh. */
	private volatile Producer<byte[], byte[]> producer;

	/** The partitions {@link #producer} has written a first record to, acknowledged. */
	private volatile Set<Integer> primed = ConcurrentHashMap.newKeySet();

	private final ConsumerGroupProgress progress;

	private final KafkaSinkSettings settings;

	private final CloudEventJson json;

	private volatile boolean topicChecked;

	/**
	 * @param producers the producer factory ({@code spring.kafka.producer.*}, made idempotent by the caller)
	 * @param adminProperties the admin client's properties ({@code spring.kafka.admin.*})
	 * @param settings the topic, the consumers' group and the waits
	 */
	public KafkaLedgerSink(ProducerFactory<byte[], byte[]> producers, Map<String, Object> adminProperties,
			KafkaSinkSettings settings) {
		this.producers = producers;
		this.producer = producers.createProducer();
		this.progress = new ConsumerGroupProgress(adminProperties, settings.consumerGroup(), settings.topic());
		this.settings = settings;
		this.json = new CloudEventJson(settings.source());
	}

	/**
	 * This sink as the writer's store: a batch is produced when started and counts as written
	 * once the consumers have committed past it; up to {@link KafkaSinkSettings#maxInFlight()}
	 * batches are on their way at once.
	 * @return a store whose insert produces and waits for the consumers
	 */
	public UsageEventStore store() {
		return new PipelinedEventStore() {

			@Override
			public Pending start(List<UsageEvent> events, Instant recordedAt) {
				Acknowledgements sent = send(events);
				return () -> {
					awaitLedger(acknowledged(sent));
					return new InsertResult(events.size(), 0);
				};
			}

			@Override
			public int maxInFlight() {
				return Math.max(1, KafkaLedgerSink.this.settings.maxInFlight());
			}

		};
	}

	/**
	 * Produces a batch and waits until the consumers have written it.
	 * @return every event as inserted: duplicates are skipped by the consumer, which counts them
	 * @throws KafkaPathException when the broker or the consumers did not finish in time
	 */
	InsertResult insert(List<UsageEvent> events, Instant recordedAt) {
		awaitLedger(produce(events));
		return new InsertResult(events.size(), 0);
	}

	/**
	 * Produces a batch and waits for the broker's acknowledgements only.
	 * @return the highest offset produced per partition
	 */
	Map<TopicPartition, Long> produce(List<UsageEvent> events) {
		return acknowledged(send(events));
	}

	/**
	 * Hands a batch to the producer, keyed by billing scope (the partition is the key's, as Kafka's
	 * default partitioner computes it); the broker acknowledges it later, every record to one
	 * callback of the batch. A partition this producer has not written yet first gets one record,
	 * acknowledged before the rest of the batch goes: see {@link #prime}.
	 */
	private Acknowledgements send(List<UsageEvent> events) {
		ensureTopic();
		Producer<byte[], byte[]> current = this.producer;
		Set<Integer> primedByCurrent = this.primed;
		try {
			int partitions = current.partitionsFor(this.settings.topic()).size();
			List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>(events.size());
			for (UsageEvent event : events) {
				byte[] key = event.billingScopeId().getBytes(StandardCharsets.UTF_8);
				int partition = Utils.toPositive(Utils.murmur2(key)) % partitions;
				records.add(new ProducerRecord<>(this.settings.topic(), partition, key, this.json.encode(event)));
			}
			Acknowledgements acknowledgements = new Acknowledgements(records.size(), partitions, this.settings.topic());
			int[] primers = prime(current, primedByCurrent, records, acknowledgements);
			int nextPrimer = 0;
			for (int i = 0; i < records.size(); i++) {
				if (nextPrimer < primers.length && primers[nextPrimer] == i) {
					nextPrimer++;
				}
				else {
					current.send(records.get(i), acknowledgements);
				}
			}
			return acknowledgements;
		}
		catch (KafkaPathException ex) {
			throw ex;
		}
		catch (RuntimeException ex) {
			throw new KafkaPathException("the broker did not take events: " + ex.getMessage(), ex);
		}
	}

	/**
	 * Sends the first record of each partition this producer has not written yet, alone, and waits
	 * for its acknowledgement. Brokers before Kafka 4.5 (KAFKA-15591) take any first sequence number
	 * from a producer they do not know on a partition: when a new partition refuses the producer's
	 * first request (its leader not ready yet) and takes the next one, the first request's records
	 * are answered {@code OUT_OF_ORDER_SEQUENCE_NUMBER} until they expire, and the batch fails after
	 * minutes. One record acknowledged first gives the broker the producer's sequence before
	 * anything else is in flight to that partition.
	 * @return the primers' indexes in {@code records}, ascending
	 */
	private int[] prime(Producer<byte[], byte[]> current, Set<Integer> primedByCurrent,
			List<ProducerRecord<byte[], byte[]>> records, Acknowledgements acknowledgements) {
		Map<Integer, Integer> firstOfPartition = new HashMap<>();
		for (int i = 0; i < records.size(); i++) {
			Integer partition = records.get(i).partition();
			if (!primedByCurrent.contains(partition)) {
				firstOfPartition.putIfAbsent(partition, i);
			}
		}
		if (firstOfPartition.isEmpty()) {
			return new int[0];
		}
		int[] primers = firstOfPartition.values().stream().mapToInt(Integer::intValue).sorted().toArray();
		List<Future<RecordMetadata>> sent = new ArrayList<>(primers.length);
		for (int index : primers) {
			sent.add(current.send(records.get(index), acknowledgements));
		}
		current.flush();
		long deadline = System.nanoTime() + this.settings.sendTimeout().toNanos();
		for (Future<RecordMetadata> primer : sent) {
			try {
				primer.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				throw new KafkaPathException("interrupted while the broker acknowledged events", ex);
			}
			catch (ExecutionException | TimeoutException ex) {
				throw failed(ex);
			}
		}
		primedByCurrent.addAll(firstOfPartition.keySet());
		return primers;
	}

	/** The highest acknowledged offset per partition, once the broker has acknowledged every record. */
	private Map<TopicPartition, Long> acknowledged(Acknowledgements sent) {
		try {
			return sent.await(this.settings.sendTimeout());
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new KafkaPathException("interrupted while the broker acknowledged events", ex);
		}
		catch (ExecutionException | TimeoutException ex) {
			throw failed(ex);
		}
	}

	/** A batch the broker did not acknowledge: the producer is renewed and the batch is the writer's to retry. */
	private KafkaPathException failed(Exception ex) {
		renewProducer();
		return new KafkaPathException("the broker did not acknowledge events within " + this.settings.sendTimeout()
				+ ": " + Optional.ofNullable(ex.getCause()).orElse(ex), ex);
	}

	/**
	 * Closes the producer of a failed batch and takes a new one: an idempotent producer whose
	 * batch failed can keep failing its next ones (out-of-order sequence numbers), while the retry
	 * of the batch through a new producer is written once all the same (event ids).
	 */
	private void renewProducer() {
		Producer<byte[], byte[]> failed = this.producer;
		this.producers.reset();
		failed.close(Duration.ZERO);
		this.primed = ConcurrentHashMap.newKeySet();
		this.producer = this.producers.createProducer();
	}

	private void awaitLedger(Map<TopicPartition, Long> produced) {
		long deadline = System.nanoTime() + this.settings.confirmTimeout().toNanos();
		while (true) {
			Duration left = Duration.ofNanos(deadline - System.nanoTime());
			if (!left.isNegative() && this.progress.passed(produced, max(left, Duration.ofSeconds(1)))) {
				return;
			}
			if (left.isNegative() || left.isZero()) {
				throw new KafkaPathException("the ledger consumers (group '" + this.settings.consumerGroup()
						+ "') did not write the batch within " + this.settings.confirmTimeout());
			}
			try {
				Thread.sleep(this.settings.progressInterval().toMillis());
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				throw new KafkaPathException("interrupted while the consumers wrote events", ex);
			}
		}
	}

	private static Duration max(Duration a, Duration b) {
		return (a.compareTo(b) >= 0) ? a : b;
	}

	/** Creates the topic when it does not exist yet; a failure is retried with the next batch. */
	private void ensureTopic() {
		if (this.topicChecked) {
			return;
		}
		NewTopic topic = new NewTopic(this.settings.topic(), Optional.of(this.settings.partitions()),
				Optional.of(this.settings.replicationFactor()).filter((r) -> r > 0));
		try {
			this.progress.admin().createTopics(List.of(topic)).all().get(this.settings.sendTimeout().toMillis(),
					TimeUnit.MILLISECONDS);
		}
		catch (ExecutionException ex) {
			if (!(ex.getCause() instanceof TopicExistsException)) {
				throw new KafkaPathException("could not create topic " + this.settings.topic() + ": " + ex.getCause(), ex);
			}
		}
		catch (TimeoutException ex) {
			throw new KafkaPathException("the broker did not answer creating topic " + this.settings.topic(), ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new KafkaPathException("interrupted creating topic " + this.settings.topic(), ex);
		}
		this.topicChecked = true;
	}

	/**
	 * Records in the topic that the ledger consumers have not written yet.
	 * @param timeout how long to wait for the broker
	 * @return the consumer lag over all partitions
	 */
	public long lag(Duration timeout) {
		return this.progress.lag(timeout);
	}

	@Override
	public void destroy() throws Exception {
		this.producer.close(Duration.ofSeconds(5));
		// A factory's shared producer is closed by the factory, not by the close above.
		if (this.producers instanceof DisposableBean factory) {
			factory.destroy();
		}
		this.progress.close();
	}

}
