package dev.metering.sample;

import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import dev.metering.event.UsageEvent;
import dev.metering.ledger.InsertResult;
import dev.metering.ledger.UsageEventStore;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Profile;

/**
 * The {@code discard} profile, for the load harness's {@code discard} set-up: every event is
 * built, validated and handed to the kit's writer as usual, and the writer's batches go to a
 * store that counts them and writes nothing. What the kit costs on the application's side is then
 * measured apart from the database's work. Never for real use: the ledger stays empty.
 */
@Configuration(proxyBeanMethods = false)
@Profile("discard")
class DiscardingLedger {

	@Bean
	DiscardingStore discardingUsageEventStore() {
		return new DiscardingStore();
	}

	/** Counts the events of every batch as inserted and writes none. */
	static final class DiscardingStore implements UsageEventStore {

		private final AtomicLong discarded = new AtomicLong();

		@Override
		public InsertResult insert(List<UsageEvent> events, Instant recordedAt) {
			this.discarded.addAndGet(events.size());
			return new InsertResult(events.size(), 0);
		}

		long discarded() {
			return this.discarded.get();
		}

	}

}
