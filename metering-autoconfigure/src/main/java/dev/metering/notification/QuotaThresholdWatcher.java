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
 * after each commit and on its own thread, which (tenant, meter) pairs were written; every
 * check interval it reads those pairs' usage from the ledger (every instance's usage) and emits
 * each threshold crossed, lowest first. The outbox's key (scope, meter, window, threshold)
 * makes each crossing one notification whichever instances see it. Never on a request thread.
 */
public class QuotaThresholdWatcher implements LedgerWriteListener, SmartLifecycle {

	private static final Log logger = LogFactory.getLog(QuotaThresholdWatcher.class);

	private final QuotaEnforcementService quotas;

	private final UsageReader usage;

	private final ThresholdSource thresholds;

	private final NotificationEmitter emitter;

	private final Clock clock;

	private final Set<Pair> written = ConcurrentHashMap.newKeySet();

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
		this(quotas, usage, thresholds, emitter, interval, clock, List::of);
	}

	/**
	 * Creates the watcher of a tenant hierarchy: a tenant's usage is checked against the
	 * thresholds of every scope of its lineage (its ancestors' quotas count their subtree).
	 * @param quotas the quotas of a tenant's meter
	 * @param usage reads a scope's usage from the ledger (its subtree's)
	 * @param thresholds each quota's thresholds
	 * @param emitter emits once across instances
	 * @param interval how often written pairs are checked
	 * @param clock the clock
	 * @param scopesOf a tenant's scopes, itself first, then its ancestors
	 */
	public QuotaThresholdWatcher(QuotaEnforcementService quotas, UsageReader usage, ThresholdSource thresholds,
			NotificationEmitter emitter, Duration interval, Clock clock, Function<String, List<String>> scopesOf) {
		this.scopesOf = scopesOf;
		this.quotas = quotas;
		this.usage = usage;
		this.thresholds = thresholds;
		this.emitter = emitter;
		this.clock = clock;
		// The last run on stop checks what the ledger writer's last batch wrote.
		this.task = PeriodicTask
			.every(interval, "metering-thresholds", this::checkNow, logger, "Could not check the quotas' thresholds; trying again")
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
		for (UsageEvent event : batch) {
			String tenant = event.tenantId();
			String meter = event.meter();
			if (tenant.equals(lastTenant) && meter.equals(lastMeter)) {
				continue;
			}
			lastTenant = tenant;
			lastMeter = meter;
			this.written.add(new Pair(tenant, meter));
			List<String> scopes = this.scopesOf.apply(tenant);
			for (int i = 1; i < scopes.size(); i++) {
				this.written.add(new Pair(scopes.get(i), meter));
			}
		}
	}

	/**
	 * Checks every pair written since the last check; a pair whose check failed stays for the next.
	 */
	public void checkNow() {
		Instant now = this.clock.instant();
		// Notifications of ended windows can no longer be emitted again: forgotten.
		this.emitted.values().removeIf((windowEnd) -> !windowEnd.isAfter(now));
		List<Pair> pairs = new ArrayList<>(this.written);
		for (Pair pair : pairs) {
			this.written.remove(pair);
			try {
				check(pair, now);
			}
			catch (RuntimeException ex) {
				this.written.add(pair);
				logger.warn("Could not check the thresholds of " + pair + "; trying again", ex);
			}
		}
	}

	private void check(Pair pair, Instant now) {
		QuotaDecision status = this.quotas.status(List.of(pair.tenant()), pair.meter(), now);
		// One ledger read per window of the scope: policies of the same window (a quota and a
		// grant-backed meter's balance on the month) share it.
		Map<String, BigDecimal> read = new LinkedHashMap<>(4);
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
			BigDecimal used = read.computeIfAbsent(window + "|" + state.reset().toEpochMilli(),
					(key) -> this.usage.tenantUsage(state.scope(), pair.meter(), state.windowStart(), state.reset()));
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
						() -> data(pair, policy, level.getValue().toString(), level.getKey()));
			}
			if (policy.used().compareTo(policy.limit()) >= 0) {
				emitOnce(NotificationType.QUOTA_EXCEEDED, policy, window,
						() -> data(pair, policy, null, policy.limit()));
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

	private static Map<String, Object> data(Pair pair, PolicyUsage policy, @Nullable String threshold, BigDecimal at) {
		Map<String, Object> data = new LinkedHashMap<>();
		data.put("tenant", policy.scope());
		data.put("meter", pair.meter());
		data.put("quota", policy.policy().name());
		data.put("window", policy.policy().window().toString());
		data.put("window_start", policy.windowStart().toString());
		data.put("reset", policy.reset().toString());
		data.put("limit", policy.limit());
		data.put("used", policy.used());
		data.put("enforcement", policy.policy().enforcement().toString());
		if (threshold != null) {
			data.put("threshold", threshold);
			data.put("threshold_usage", at);
		}
		return data;
	}

	@Override
	public void start() {
		this.task.start();
	}

	@Override
	public void stop() {
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

}
