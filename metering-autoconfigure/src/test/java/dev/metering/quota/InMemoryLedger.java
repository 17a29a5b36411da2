package dev.metering.quota;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import dev.metering.event.UsageEvent;
import dev.metering.rollup.UsageReader;

/**
 * A ledger in memory for unit tests of enforcement: committed events, summed exactly like the
 * {@link UsageReader} contract says. It can be made to fail like a database that is down.
 */
public final class InMemoryLedger implements UsageReader {

	private final List<UsageEvent> rows = new ArrayList<>();

	final AtomicBoolean down = new AtomicBoolean();

	final AtomicInteger reads = new AtomicInteger();

	synchronized void commit(List<UsageEvent> events) {
		this.rows.addAll(events);
	}

	@Override
	public synchronized BigDecimal tenantUsage(String tenantId, String meter, Instant from, Instant to) {
		this.reads.incrementAndGet();
		if (this.down.get()) {
			throw new IllegalStateException("database down");
		}
		return this.rows.stream()
			.filter((e) -> e.tenantId().equals(tenantId) && e.meter().equals(meter) && !e.occurredAt().isBefore(from)
					&& e.occurredAt().isBefore(to))
			.map(UsageEvent::quantity)
			.reduce(BigDecimal.ZERO, BigDecimal::add);
	}

	@Override
	public synchronized BigDecimal billingScopeUsage(String billingScopeId, String meter, Instant from, Instant to) {
		throw new UnsupportedOperationException();
	}

}
