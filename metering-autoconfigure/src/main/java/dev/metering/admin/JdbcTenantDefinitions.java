package dev.metering.admin;

import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import dev.metering.tenant.TenantDefinition;
import dev.metering.tenant.TenantDefinitionSource;
import dev.metering.tenant.TenantHierarchyRules;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

/**
 * Tenant definitions of the tenant table over the configured ones: for a tenant with a row, each
 * field the row sets (parent, billing attribution, plan, exempt, exempt descendants) wins, a field
 * it leaves {@code null} keeps the configured value, and an empty parent or payer says "none".
 * <p>
 * The rows are read all at once and validated against the whole hierarchy: a row that would make
 * it invalid (written by hand, past the kit's checks) is left out with a warning naming the tenant,
 * that tenant keeps its configured definition, and the rest of the hierarchy works on. What was
 * read serves until {@link #invalidate()} or for at most the given age, and on while the table
 * cannot be read; the directory caches lineages on top.
 */
public class JdbcTenantDefinitions implements TenantDefinitionSource {

	private static final Log logger = LogFactory.getLog(JdbcTenantDefinitions.class);

	/** The read time of a snapshot invalidated by a change: read again at the next look-up. */
	private static final long STALE = Long.MIN_VALUE;

	private static final long RETRY_NANOS = TimeUnit.SECONDS.toNanos(1);

	private final JdbcRuntimeDefinitions rows;

	private final TenantDefinitionSource defaults;

	private final TenantHierarchyRules rules;

	private final long maxAgeNanos;

	private volatile @Nullable Snapshot snapshot;

	private volatile Set<String> rejected = Set.of();

	/** Counts invalidations: a read that began before one is not kept. */
	private final AtomicLong generation = new AtomicLong();

	/**
	 * Creates the definitions.
	 * @param rows the tenant table
	 * @param defaults the configured definitions ({@code metering.tenants})
	 * @param rules what the hierarchy allows
	 * @param maxAge how long what was read serves before the table is read again
	 */
	public JdbcTenantDefinitions(JdbcRuntimeDefinitions rows, TenantDefinitionSource defaults,
			TenantHierarchyRules rules, Duration maxAge) {
		this.rows = rows;
		this.defaults = defaults;
		this.rules = rules;
		this.maxAgeNanos = maxAge.toNanos();
	}

	@Override
	public @Nullable TenantDefinition find(String tenantId) {
		return snapshot().definitions().get(tenantId);
	}

	@Override
	public Collection<TenantDefinition> all() {
		return snapshot().definitions().values();
	}

	/**
	 * Marks what was read stale: the next look-up reads the table again, and should that read
	 * fail, what was read before serves on.
	 */
	public void invalidate() {
		synchronized (this.generation) {
			this.generation.incrementAndGet();
			Snapshot current = this.snapshot;
			if (current != null) {
				this.snapshot = new Snapshot(current.definitions(), STALE);
			}
		}
	}

	/**
	 * Reads the table again on this thread (changes may have been missed); what was read before
	 * serves until then, and on if the read fails.
	 */
	public void refresh() {
		try {
			readAll();
		}
		catch (RuntimeException ex) {
			logger.warn("Could not read the tenant table; the hierarchy read before serves on: " + ex);
		}
	}

	/**
	 * Reads the table now, on this thread, and keeps what was read: the directory's bulk read.
	 * @return every definition, the valid rows over the configured ones
	 * @throws RuntimeException when the table cannot be read (what was read before is kept)
	 */
	public Collection<TenantDefinition> readAll() {
		long generation = this.generation.get();
		Snapshot read = read();
		synchronized (this.generation) {
			// A change invalidated meanwhile: this read may predate it, the next look-up reads again.
			if (this.generation.get() == generation) {
				this.snapshot = read;
			}
		}
		return read.definitions().values();
	}

	private Snapshot snapshot() {
		Snapshot current = this.snapshot;
		if (current != null && current.readAt() != STALE && System.nanoTime() - current.readAt() < this.maxAgeNanos) {
			return current;
		}
		synchronized (this) {
			Snapshot again = this.snapshot;
			if (again != null && again != current && again.readAt() != STALE) {
				return again;
			}
			long generation = this.generation.get();
			try {
				Snapshot read = read();
				synchronized (this.generation) {
					if (this.generation.get() == generation) {
						this.snapshot = read;
					}
				}
				return read;
			}
			catch (RuntimeException ex) {
				if (again == null) {
					throw ex;
				}
				logger.warn("Could not read the tenant table; the hierarchy read before serves on: " + ex);
				// Read again soon, not at every look-up.
				long retryAt = System.nanoTime() - this.maxAgeNanos + Math.min(this.maxAgeNanos, RETRY_NANOS);
				Snapshot old = new Snapshot(again.definitions(), (retryAt == STALE) ? retryAt + 1 : retryAt);
				synchronized (this.generation) {
					if (this.generation.get() == generation) {
						this.snapshot = old;
					}
				}
				return old;
			}
		}
	}

	private Snapshot read() {
		long readAt = System.nanoTime();
		Set<String> messages = new LinkedHashSet<>();
		Map<String, TenantDefinition> definitions = TenantHierarchyChanges.effective(this.rows.hierarchyTenants(),
				this.defaults, this.rules, (ex) -> messages.add(ex.getMessage()));
		if (!messages.equals(this.rejected)) {
			// Logged when they change, not at every read.
			messages.forEach((message) -> logger.warn("Ignoring a row of the tenant table that would make the "
					+ "hierarchy invalid; the tenant keeps its configured definition. " + message));
			this.rejected = Set.copyOf(messages);
		}
		return new Snapshot(Map.copyOf(definitions), readAt);
	}

	private record Snapshot(Map<String, TenantDefinition> definitions, long readAt) {
	}

}
