package dev.metering.kafka;

import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.jspecify.annotations.Nullable;

import dev.metering.event.UsageEvent;
import dev.metering.ledger.InsertResult;
import dev.metering.ledger.UsageEventStore;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.context.SmartLifecycle;
import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.kafka.core.ConsumerFactory;
import org.springframework.kafka.listener.BatchMessageListener;
import org.springframework.kafka.listener.ConcurrentMessageListenerContainer;
import org.springframework.kafka.listener.ContainerProperties;
import org.springframework.kafka.listener.DefaultErrorHandler;
import org.springframework.util.backoff.FixedBackOff;

/**
 * Writes the events topic into the ledger ({@code metering.ledger.consumer.enabled}): each poll's
 * records in one insert of the ledger's batch writer (COPY on PostgreSQL), and the offsets
 * committed only after that transaction committed. A batch the database failed is written again
 * after a back-off, for as long as it takes, without committing; a batch delivered again (after a
 * crash between the database commit and the offset commit, or a rebalance) is absorbed by the
 * event ids, which the store skips when already in the ledger. Consumers of one group, in this
 * instance ({@link LedgerConsumerSettings#concurrency()}) or in others, share the partitions.
 */
public class LedgerConsumer implements SmartLifecycle, DisposableBean {

	/**
	 * Starts before and stops after the ledger writer: a writer of this instance waits, at
	 * shutdown too, for the consumers to write what it produced.
	 */
	public static final int PHASE = dev.metering.ledger.BufferedLedgerWriter.PHASE - 100;

	private static final Log logger = LogFactory.getLog(LedgerConsumer.class);

	private final ConcurrentMessageListenerContainer<ByteBuffer, ByteBuffer> container;

	private final ConsumerGroupProgress progress;

	private final UsageEventStore ledger;

	private final Clock clock;

	private final @Nullable Duration lateWindow;

	private final LongAdder written = new LongAdder();

	private final LongAdder duplicates = new LongAdder();

	private final LongAdder unreadable = new LongAdder();

	private final LongAdder refused = new LongAdder();

	private final LongAdder failures = new LongAdder();

	/** When a failure was last logged: an outage is logged every 10 s, not every retry. */
	private final java.util.concurrent.atomic.AtomicLong lastFailureLog = new java.util.concurrent.atomic.AtomicLong(
			System.nanoTime() - java.util.concurrent.TimeUnit.MINUTES.toNanos(1));

	/**
	 * @param consumers the consumer factory ({@code spring.kafka.consumer.*}, without auto-commit; keys and
	 * values as the fetched bytes, see {@link KafkaClientDefaults#consumer})
	 * @param adminProperties the admin client's properties, for the lag
	 * @param ledger the ledger's JDBC store
	 * @param settings the topic, the group and the batches
	 * @param clock the clock of {@code recorded_at}
	 */
	public LedgerConsumer(ConsumerFactory<ByteBuffer, ByteBuffer> consumers, Map<String, Object> adminProperties,
			UsageEventStore ledger, LedgerConsumerSettings settings, Clock clock) {
		this.ledger = ledger;
		this.clock = clock;
		this.lateWindow = settings.lateWindow();
		this.progress = new ConsumerGroupProgress(adminProperties, settings.group(), settings.topic());
		ContainerProperties properties = new ContainerProperties(settings.topic());
		properties.setGroupId(settings.group());
		// The offsets of a batch are committed when the listener returns: after the database commit.
		properties.setAckMode(ContainerProperties.AckMode.BATCH);
		properties.setSyncCommits(true);
		properties.setMessageListener((BatchMessageListener<ByteBuffer, ByteBuffer>) this::write);
		this.container = new ConcurrentMessageListenerContainer<>(consumers, properties);
		this.container.setConcurrency(settings.concurrency());
		this.container.setBeanName("metering-ledger-consumer");
		// A failed batch is retried whole, without end: skipping it would lose events.
		this.container.setCommonErrorHandler(
				new DefaultErrorHandler(new FixedBackOff(settings.retryBackoff().toMillis(), FixedBackOff.UNLIMITED_ATTEMPTS)));
	}

	private void write(List<ConsumerRecord<ByteBuffer, ByteBuffer>> records) {
		List<UsageEvent> events = new ArrayList<>(records.size());
		java.time.Instant oldest = (this.lateWindow != null) ? this.clock.instant().minus(this.lateWindow) : null;
		for (ConsumerRecord<ByteBuffer, ByteBuffer> record : records) {
			try {
				UsageEvent event = CloudEventJson.decode(record.value());
				if (oldest != null && event.occurredAt().isBefore(oldest)) {
					// As the writer refuses it: its period may be closed, and a closed period never changes.
					this.refused.increment();
					logger.warn("Metering ledger consumer refused an event older than metering.ledger.late-window "
							+ "(tenant '" + event.tenantId() + "', occurred " + event.occurredAt() + ", id "
							+ event.eventId() + ")");
					continue;
				}
				events.add(event);
			}
			catch (RuntimeException ex) {
				// No retry makes it readable: counted, logged, and passed over.
				this.unreadable.increment();
				logger.error("Metering ledger consumer skipped an unreadable record at " + record.topic() + "-"
						+ record.partition() + "@" + record.offset() + ": " + ex.getMessage());
			}
		}
		if (events.isEmpty()) {
			return;
		}
		try {
			account(insert(events));
		}
		catch (RuntimeException ex) {
			this.failures.increment();
			long last = this.lastFailureLog.get();
			if (System.nanoTime() - last > java.util.concurrent.TimeUnit.SECONDS.toNanos(10)
					&& this.lastFailureLog.compareAndSet(last, System.nanoTime())) {
				logger.warn("Metering ledger consumer could not write " + events.size() + " events ("
					+ ex.getClass().getName() + ": " + ex.getMessage() + "); the batch is written again, its offsets "
					+ "stay uncommitted; " + this.failures.sum() + " failures since start");
			}
			throw ex;
		}
	}

	private InsertResult insert(List<UsageEvent> events) {
		try {
			return this.ledger.insert(events, this.clock.instant());
		}
		catch (DataIntegrityViolationException ex) {
			if (events.size() == 1) {
				// A row the database refuses (not a duplicate: the store skips those); no retry fixes it.
				this.refused.increment();
				logger.error("Metering ledger refused an event (tenant '" + events.get(0).tenantId() + "', id "
						+ events.get(0).eventId() + "): not written", ex);
				return new InsertResult(0, 0);
			}
			InsertResult result = new InsertResult(0, 0);
			for (UsageEvent event : events) {
				result = result.plus(insert(List.of(event)));
			}
			return result;
		}
	}

	private void account(InsertResult result) {
		this.written.add(result.inserted());
		this.duplicates.add(result.duplicates());
	}

	/**
	 * What this instance's consumers did since start.
	 * @return rows written, events skipped as already in the ledger, records unreadable, events refused
	 */
	public Stats stats() {
		return new Stats(this.written.sum(), this.duplicates.sum(), this.unreadable.sum(), this.refused.sum());
	}

	/**
	 * Records in the topic that the group has not written yet.
	 * @param timeout how long to wait for the broker
	 * @return the lag over all partitions
	 */
	public long lag(Duration timeout) {
		return this.progress.lag(timeout);
	}

	@Override
	public void start() {
		this.container.start();
	}

	@Override
	public void stop() {
		this.container.stop();
	}

	@Override
	public boolean isRunning() {
		return this.container.isRunning();
	}

	@Override
	public int getPhase() {
		return PHASE;
	}

	@Override
	public void destroy() {
		this.progress.close();
	}

	/**
	 * The consumer's counters.
	 *
	 * @param written rows added to the ledger
	 * @param duplicates events skipped as already in the ledger (redelivered or sent twice)
	 * @param unreadable records that were no event of the kit
	 * @param refused events refused: older than the late window, or refused by the database
	 */
	public record Stats(long written, long duplicates, long unreadable, long refused) {
	}

}
