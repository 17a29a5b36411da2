package dev.metering.grant;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import dev.metering.notification.NotificationEmitter;
import dev.metering.notification.NotificationType;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.context.SmartLifecycle;

/**
 * Emits {@code grant.depleted} (a usable grant has nothing left) and {@code grant.expiring} (a
 * grant with units left expires within the notice) through the notification outbox, once per
 * grant across every instance (the outbox's event key is the grant's id). Every interval, on a
 * thread of its own, it works out the balances of the tenants that have a usable grant.
 */
public class GrantNotifier implements SmartLifecycle {

	private static final Log logger = LogFactory.getLog(GrantNotifier.class);

	private final GrantService grants;

	private final NotificationEmitter emitter;

	private final Duration interval;

	private final Duration expiringNotice;

	/** Event keys this instance emitted or found emitted: not written again. */
	private final Set<String> done = ConcurrentHashMap.newKeySet();

	private volatile @Nullable ScheduledExecutorService executor;

	/**
	 * Creates the notifier.
	 * @param grants the grants
	 * @param emitter emits once across instances
	 * @param interval how often balances are checked
	 * @param expiringNotice how long before its expiry a grant with units left is notified
	 */
	public GrantNotifier(GrantService grants, NotificationEmitter emitter, Duration interval, Duration expiringNotice) {
		this.grants = grants;
		this.emitter = emitter;
		this.interval = interval;
		this.expiringNotice = expiringNotice;
	}

	/** Checks the balances of every tenant with a usable grant now. */
	public void checkNow() {
		Instant now = this.grants.clock().instant();
		for (String tenant : this.grants.tenantsWithLiveGrants()) {
			try {
				check(tenant, now);
			}
			catch (RuntimeException ex) {
				logger.warn("Could not check the grants of '" + tenant + "'; trying again", ex);
			}
		}
	}

	private void check(String tenant, Instant now) {
		for (MeterBalance balance : this.grants.balancesOf(tenant)) {
			for (GrantBalance grant : balance.grants()) {
				Grant g = grant.grant();
				if ("depleted".equals(grant.state())) {
					emit(NotificationType.GRANT_DEPLETED, g, grant);
				}
				else if ("active".equals(grant.state()) && g.expiresAt() != null
						&& !g.expiresAt().isAfter(now.plus(this.expiringNotice))) {
					emit(NotificationType.GRANT_EXPIRING, g, grant);
				}
			}
		}
	}

	private void emit(NotificationType type, Grant grant, GrantBalance balance) {
		String key = grant.id();
		if (this.done.contains(type.wireName() + "|" + key)) {
			return;
		}
		Map<String, Object> data = new LinkedHashMap<>();
		data.put("tenant", grant.tenantId());
		data.put("meter", grant.meter());
		data.put("grant_id", grant.id());
		data.put("amount", grant.amount());
		data.put("used", balance.used());
		data.put("remaining", balance.remaining());
		data.put("priority", grant.priority());
		data.put("effective_at", grant.effectiveAt().toString());
		if (grant.expiresAt() != null) {
			data.put("expires_at", grant.expiresAt().toString());
		}
		this.emitter.emit(type, grant.tenantId(), key, data);
		this.done.add(type.wireName() + "|" + key);
	}

	@Override
	public void start() {
		ScheduledExecutorService started = Executors.newSingleThreadScheduledExecutor((task) -> {
			Thread thread = new Thread(task, "metering-grants");
			thread.setDaemon(true);
			return thread;
		});
		long millis = Math.max(1, this.interval.toMillis());
		started.scheduleWithFixedDelay(this::checkNow, millis, millis, TimeUnit.MILLISECONDS);
		this.executor = started;
	}

	@Override
	public void stop() {
		ScheduledExecutorService running = this.executor;
		this.executor = null;
		if (running != null) {
			running.shutdown();
			try {
				running.awaitTermination(5, TimeUnit.SECONDS);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		}
	}

	@Override
	public boolean isRunning() {
		return this.executor != null;
	}

}
