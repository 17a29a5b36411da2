package dev.metering.grant;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import dev.metering.internal.schedule.PeriodicTask;
import dev.metering.notification.NotificationEmitter;
import dev.metering.notification.NotificationType;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

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

	private final Duration expiringNotice;

	/** Event keys this instance emitted or found emitted: not written again. */
	private final Set<String> done = ConcurrentHashMap.newKeySet();

	private final PeriodicTask task;

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
		this.expiringNotice = expiringNotice;
		this.task = PeriodicTask.every(interval, "metering-grants", this::checkNow, logger,
				"Could not check the grants' balances; trying again");
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

}
