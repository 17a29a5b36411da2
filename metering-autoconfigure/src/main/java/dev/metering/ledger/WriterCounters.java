package dev.metering.ledger;

import java.util.concurrent.atomic.LongAdder;

/** The buffered ledger writer's counters since start, added to from any thread. */
final class WriterCounters {

	final LongAdder recorded = new LongAdder();

	final LongAdder written = new LongAdder();

	final LongAdder duplicates = new LongAdder();

	final LongAdder dropped = new LongAdder();

	final LongAdder rejected = new LongAdder();

	final LongAdder retries = new LongAdder();

	final LongAdder batches = new LongAdder();

	final LongAdder batchNanos = new LongAdder();

	final LongAdder errors = new LongAdder();

	void account(InsertResult result) {
		this.written.add(result.inserted());
		this.duplicates.add(result.duplicates());
	}

	WriterStats snapshot(long buffered) {
		return new WriterStats(this.recorded.sum(), this.written.sum(), this.duplicates.sum(), this.dropped.sum(),
				this.rejected.sum(), this.retries.sum(), buffered, this.batches.sum(), this.batchNanos.sum(), this.errors.sum());
	}

}
