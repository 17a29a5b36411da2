package dev.metering.kafka;

import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.jspecify.annotations.Nullable;

/**
 * The broker's answers for the records of one produced batch, every record sent with this one
 * callback: counted, the highest offset of each partition and the first failure kept. A batch of
 * tens of thousands of records needs no future per record, nor an offset per record merged into a
 * map; a failure ends the wait at once.
 */
final class Acknowledgements implements Callback {

	private final int expected;

	private final String topic;

	/** By partition; -1 where nothing was acknowledged. */
	private final long[] highest;

	private final CountDownLatch done = new CountDownLatch(1);

	private int answered;

	private @Nullable Exception failure;

	/**
	 * @param expected the records of the batch
	 * @param partitions the topic's partitions (each record's partition is below)
	 * @param topic the topic
	 */
	Acknowledgements(int expected, int partitions, String topic) {
		this.expected = expected;
		this.topic = topic;
		this.highest = new long[partitions];
		Arrays.fill(this.highest, -1);
		if (expected == 0) {
			this.done.countDown();
		}
	}

	@Override
	public void onCompletion(@Nullable RecordMetadata metadata, @Nullable Exception exception) {
		synchronized (this) {
			if (exception != null || metadata == null) {
				if (this.failure == null) {
					this.failure = (exception != null) ? exception : new IllegalStateException("no record metadata");
				}
				this.done.countDown();
			}
			else {
				int partition = metadata.partition();
				this.highest[partition] = Math.max(this.highest[partition], metadata.offset());
			}
			if (++this.answered == this.expected) {
				this.done.countDown();
			}
		}
	}

	/**
	 * Waits until every record is acknowledged.
	 * @param timeout the longest wait
	 * @return the highest acknowledged offset per partition written to
	 * @throws ExecutionException when a record failed (its cause the producer's exception)
	 * @throws TimeoutException when records were still unanswered after the timeout
	 */
	Map<TopicPartition, Long> await(Duration timeout)
			throws InterruptedException, ExecutionException, TimeoutException {
		boolean finished = this.done.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
		synchronized (this) {
			if (this.failure != null) {
				throw new ExecutionException(this.failure);
			}
			if (!finished) {
				throw new TimeoutException(this.answered + " of " + this.expected + " records acknowledged");
			}
			Map<TopicPartition, Long> produced = new HashMap<>();
			for (int partition = 0; partition < this.highest.length; partition++) {
				if (this.highest[partition] >= 0) {
					produced.put(new TopicPartition(this.topic, partition), this.highest[partition]);
				}
			}
			return produced;
		}
	}

}
