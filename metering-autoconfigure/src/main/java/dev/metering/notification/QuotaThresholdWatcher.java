package dev.metering.notification;

import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.Supplier;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import dev.metering.event.UsageEvent;
import dev.metering.internal.schedule.PeriodicTask;
import dev.metering.ledger.BufferedLedgerWriter;
import dev.metering.ledger.LedgerWriteListener;
import dev.metering.quota.PolicyUsage;
import dev.metering.quota.QuotaDecision;
import dev.metering.quota.QuotaEnforcementService;
import dev.metering.rollup.UsageReader;

import org.springframework.context.SmartLifecycle;

/**
 * Emits {@code quota.threshold_reached} and {@code quota.exceeded}. The ledger writer tells it,
 * after each commit and on its own thread, which (tenant, meter) pairs were written and how much;
 * every check interval it reads those pairs' usage from the ledger (every instance's usage) and
 * emits each threshold crossed, lowest first. The outbox's key (scope, meter, window, threshold)
 * makes each crossing one notification whichever instances see it. Never on a request thread.
 * <p>
 * A read scans the ledger rows the rollup has not folded yet, so a pair is not read at every
 * check: only when the window's last read plus this instance's own writes since (counted
 * exactly, from the commits) plus the other instances' usage at the rate the last two reads
 * showed could reach the next threshold, or when the last read is a read interval old, so the
 * other instances' usage is seen at least that often. A pair not read stays to be checked, so
 * after the last write anywhere the pair is still read; a notification is only ever decided on
 * a read.
 */
public class QuotaThresholdWatcher implements LedgerWriteListener, SmartLifecycle {

	private static final Log logger = LogFactory.getLog(QuotaThresholdWatcher.class);

	/** The read interval of the constructor without one. */
	static final Duration DEFAULT_READ_INTERVAL = Duration.ofSeconds(10);

	private final QuotaEnforcementService quotas;

	private final UsageReader usage;

	private final ThresholdSource thresholds;

	private final NotificationEmitter emitter;

	private final Clock clock;

	private final Set<Pair> written = ConcurrentHashMap.newKeySet();

	private final ThresholdReads<Pair> reads;

	/** Set from stop: the last run reads every pair still to check. */
	private volatile boolean stopping;

	/**
	 * The notifications this instance emitted or found emitted (the key the outbox dedupes on),
	 * each with its window's end, after which it is forgotten.
	 */
	private final Map<String, Instant> emitted = new ConcurrentHashMap<>();

	private final Function<String, List<String>> scopesOf;

	private final PeriodicTask task;

	/**
	 * Creates the watcher.
	 * @param quotas the quotas of a tenant's meter
	 * @param usage reads usage from the ledger
	 * @param thresholds each quota's thresholds
	 * @param emitter emits once across instances
	 * @param interval how often written pairs are checked
	 * @param clock the clock
	 */
	public QuotaThresholdWatcher(QuotaEnforcementService quotas, UsageReader usage, ThresholdSource thresholds,
			NotificationEmitter emitter, Duration interval, Clock clock) {
		this(quotas, usage, thresholds, emitter, interval, DEFAULT_READ_INTERVAL, clock, List::of);
	}

	/**
	 * Creates the watcher of a tenant hierarchy: a tenant's usage is checked against the
	 * thresholds of every scope of its lineage (its ancestors' quotas count their subtree).
	 * @param quotas the quotas of a tenant's meter
	 * @param usage reads a scope's usage from the ledger (its subtree's)
	 * @param thresholds each quota's thresholds
	 * @param emitter emits once across instances
	 * @param interval how often written pairs are checked
	 * @param readInterval the oldest a window's last read may be when its pair is checked: other
	 * instances' usage is seen at least this often
	 * @param clock the clock
	 * @param scopesOf a tenant's scopes, itself first, then its ancestors
	 */
	public QuotaThresholdWatcher(QuotaEnforcementService quotas, UsageReader usage, ThresholdSource thresholds,
			NotificationEmitter emitter, Duration interval, Duration readInterval, Clock clock,
			Function<String, List<String>> scopesOf) {
		this.scopesOf = scopesOf;
		this.reads = new ThresholdReads<>(readInterval);
		this.quotas = quotas;
		this.usage = usage;
		this.thresholds = thresholds;
		this.emitter = emitter;
		this.clock = clock;
		// The last run on stop checks what the ledger writer's last batch wrote.
		this.task = PeriodicTask
			.every(interval, "metering-thresholds", () -> check(this.stopping), logger, "Could not check the quotas' thresholds; trying again")
			.withLastRunOnStop();
	}

	@Override
	public void written(List<UsageEvent> batch) {
		if (!this.thresholds.any()) {
			return;
		}
		// A batch holds runs of one tenant's meter: a pair (and its lineage) is noted once per run,
		// not once per event.
		String lastTenant = null;
		String lastMeter = null;
		BigDecimal run = BigDecimal.ZERO;
		for (UsageEvent event : batch) {
			String tenant = event.tenantId();
			String meter = event.meter();
			if (!tenant.equals(lastTenant) || !meter.equals(lastMeter)) {
				if (lastTenant != null && lastMeter != null) {
					noteWritten(lastTenant, lastMeter, run);
				}
				lastTenant = tenant;
				lastMeter = meter;
				run = BigDecimal.ZERO;
			}
			// A negative quantity (a correction) is left out: the sum stays at least what was written.
			if (event.quantity().signum() > 0) {
				run = run.add(event.quantity());
			}
		}
		if (lastTenant != null && lastMeter != null) {
			noteWritten(lastTenant, lastMeter, run);
		}
	}

	/** A run of a tenant's meter committed: its pair and its lineage's are to be checked. */
	private void noteWritten(String tenant, String meter, BigDecimal quantity) {
		List<String> scopes = this.scopesOf.apply(tenant);
		for (int i = 0; i < Math.max(1, scopes.size()); i++) {
			Pair pair = new Pair((i == 0) ? tenant : scopes.get(i), meter);
			// Counted before the pair is noted: a check that takes the pair sees its quantity.
			this.reads.wrote(pair, quantity);
			this.written.add(pair);
		}
	}

	/**
	 * Checks every pair written since the last check, reading those that may have reached a
	 * threshold (or whose last read is a read interval old); a pair not read, or whose check
	 * failed, stays for the next.
	 */
	public void checkNow() {
		check(false);
	}

	private void check(boolean readAll) {
		Instant now = this.clock.instant();
		// Notifications and readings of ended windows can no longer be needed: forgotten.
		this.emitted.values().removeIf((windowEnd) -> !windowEnd.isAfter(now));
		this.reads.dropEnded(now);
		List<Pair> pairs = new ArrayList<>(this.written);
		for (Pair pair : pairs) {
			this.written.remove(pair);
			try {
				if (!check(pair, now, readAll)) {
					this.written.add(pair);
				}
			}
			catch (RuntimeException ex) {
				this.written.add(pair);
				logger.warn("Could not check the thresholds of " + pair + "; trying again", ex);
			}
		}
	}

	/** Checks a pair; false when it was not read and is to be checked again. */
	private boolean check(Pair pair, Instant now, boolean readAll) {
		QuotaDecision status = this.quotas.status(List.of(pair.tenant()), pair.meter(), now);
		List<Watched> watched = new ArrayList<>(4);
		BigDecimal own = this.reads.ownSince(pair);
		boolean read = readAll;
		for (PolicyUsage state : status.policies()) {
			if (state.policy().grantBalance()) {
				// A grant-backed meter's balance: its grants tell (grant.depleted, grant.expiring).
				continue;
			}
			List<Threshold> levels = this.thresholds.thresholdsOf(pair.tenant(), state.policy());
			String window = state.scope() + "|" + pair.meter() + "|" + state.policy().window() + "|"
					+ state.windowStart().toEpochMilli();
			if (allEmitted(window, levels)) {
				// Nothing of this window is left to emit: its usage is not read again.
				continue;
			}
			read = read || this.reads.due(window + "|" + state.reset().toEpochMilli(), own,
					nextToEmit(window, levels, state.limit()), now);
			watched.add(new Watched(state, levels, window));
		}
		if (watched.isEmpty()) {
			this.reads.forget(pair);
			return true;
		}
		if (!read) {
			return false;
		}
		BigDecimal taken = this.reads.take(pair);
		try {
			read(pair, watched, taken, now);
		}
		catch (RuntimeException ex) {
			this.reads.giveBack(pair, taken);
			throw ex;
		}
		return true;
	}

	/** Reads the pair's watched windows and emits what they crossed. */
	private void read(Pair pair, List<Watched> watched, BigDecimal ownTaken, Instant now) {
		// One ledger read per window of the scope: policies of the same window (a quota and a
		// grant-backed meter's balance on the month) share it.
		Map<String, BigDecimal> read = new LinkedHashMap<>(4);
		for (Watched each : watched) {
			PolicyUsage state = each.state();
			List<Threshold> levels = each.levels();
			String window = each.window();
			BigDecimal used = read.computeIfAbsent(window + "|" + state.reset().toEpochMilli(), (key) -> {
				BigDecimal found = this.usage.tenantUsage(state.scope(), pair.meter(), state.windowStart(),
						state.reset());
				this.reads.read(key, found, ownTaken, now, state.reset());
				return found;
			});
			PolicyUsage policy = new PolicyUsage(state.policy(), state.scope(), used,
					state.limit().subtract(used).max(BigDecimal.ZERO).min(state.remaining()), state.windowStart(),
					state.reset(), state.exceeded());
			Map<BigDecimal, Threshold> byUsage = new LinkedHashMap<>();
			levels.stream()
				.sorted(Comparator.comparing((Threshold level) -> level.usageAt(policy.limit())))
				.forEach((level) -> byUsage.putIfAbsent(level.usageAt(policy.limit()), level));
			for (Map.Entry<BigDecimal, Threshold> level : byUsage.entrySet()) {
				if (policy.used().compareTo(level.getKey()) < 0) {
					break;
				}
				emitOnce(NotificationType.QUOTA_THRESHOLD_REACHED, policy, window + "|" + level.getValue(),
						() -> QuotaNotificationData.of(pair.meter(), policy, level.getValue().toString(), level.getKey()));
			}
			if (policy.used().compareTo(policy.limit()) >= 0) {
				emitOnce(NotificationType.QUOTA_EXCEEDED, policy, window,
						() -> QuotaNotificationData.of(pair.meter(), policy, null, policy.limit()));
			}
		}
	}

	/**
	 * Emits unless this instance emitted it, or found it emitted, before: the outbox decides
	 * once across instances, and this instance asks it once per notification, not every check.
	 */
	private void emitOnce(NotificationType type, PolicyUsage policy, String key,
			Supplier<Map<String, Object>> data) {
		String emittedKey = type.wireName() + "|" + key;
		if (this.emitted.containsKey(emittedKey)) {
			return;
		}
		this.emitter.emit(type, policy.scope(), key, data.get());
		this.emitted.put(emittedKey, policy.reset());
	}

	/**
	 * The lowest usage of a window with a notification not emitted yet: a threshold's, else the
	 * limit's (exceeded).
	 */
	private BigDecimal nextToEmit(String window, List<Threshold> levels, BigDecimal limit) {
		BigDecimal next = this.emitted.containsKey(NotificationType.QUOTA_EXCEEDED.wireName() + "|" + window) ? null
				: limit;
		for (Threshold level : levels) {
			BigDecimal at = level.usageAt(limit);
			if ((next == null || at.compareTo(next) < 0) && !this.emitted
				.containsKey(NotificationType.QUOTA_THRESHOLD_REACHED.wireName() + "|" + window + "|" + level)) {
				next = at;
			}
		}
		// Null only when everything was emitted, which the caller leaves out before.
		return (next != null) ? next : limit;
	}

	/** Whether every threshold of a window, and its exceeded notification, was emitted. */
	private boolean allEmitted(String window, List<Threshold> levels) {
		if (!this.emitted.containsKey(NotificationType.QUOTA_EXCEEDED.wireName() + "|" + window)) {
			return false;
		}
		for (Threshold level : levels) {
			if (!this.emitted.containsKey(NotificationType.QUOTA_THRESHOLD_REACHED.wireName() + "|" + window + "|" + level)) {
				return false;
			}
		}
		return true;
	}

	@Override
	public void start() {
		this.stopping = false;
		this.task.start();
	}

	@Override
	public void stop() {
		this.stopping = true;
		this.task.stop();
	}

	@Override
	public boolean isRunning() {
		return this.task.isRunning();
	}

	@Override
	public int getPhase() {
		// Stops after the ledger writer (which flushes on stop), so its last batch is checked.
		return BufferedLedgerWriter.PHASE - 1;
	}

	/** A tenant's meter written since the last check. */
	record Pair(String tenant, String meter) {
	}

	/** A policy of a checked pair with something left to emit in its window. */
	private record Watched(PolicyUsage state, List<Threshold> levels, String window) {
	}

}
