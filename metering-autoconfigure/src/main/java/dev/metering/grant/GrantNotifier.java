package dev.metering.grant;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.Currency;
import java.util.concurrent.ConcurrentHashMap;

import dev.metering.internal.schedule.PeriodicTask;
import dev.metering.notification.NotificationEmitter;
import dev.metering.notification.NotificationType;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.context.SmartLifecycle;

/**
 * Emits {@code grant.depleted} (a usable grant has nothing left) and {@code grant.expiring} (a
 * grant with something left expires within the notice) through the notification outbox, once per
 * grant across every instance (the outbox's event key is the grant's id). Every interval, on a
 * thread of its own, it works out the balances of the tenants that have a usable grant: of units
 * from the ledger, of money ({@link MoneyGrants#balancesOf}) from the billing periods paid so far
 * and the charges of the period in progress, so a money grant is depleted when a check finds
 * that the bills, this period's charges so far included, took all of it.
 */
public class GrantNotifier implements SmartLifecycle {

	private static final Log logger = LogFactory.getLog(GrantNotifier.class);

	private final GrantService grants;

	private final @Nullable MoneyGrants money;

	private final NotificationEmitter emitter;

	private final Duration expiringNotice;

	/** Event keys this instance emitted or found emitted: not written again. */
	private final Set<String> done = ConcurrentHashMap.newKeySet();

	private final PeriodicTask task;

	/**
	 * Creates the notifier.
	 * @param grants the grants
	 * @param money the money grants, {@code null} to check grants of units only
	 * @param emitter emits once across instances
	 * @param interval how often balances are checked
	 * @param expiringNotice how long before its expiry a grant with units left is notified
	 */
	public GrantNotifier(GrantService grants, @Nullable MoneyGrants money, NotificationEmitter emitter,
			Duration interval, Duration expiringNotice) {
		this.grants = grants;
		this.money = money;
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
				check(grant, null, now);
			}
		}
		if (this.money != null && moneyToCheck(tenant, now)) {
			for (MoneyBalance balance : this.money.balancesOf(tenant)) {
				int scale = Currency.getInstance(balance.currency()).getDefaultFractionDigits();
				for (GrantBalance grant : balance.grants()) {
					check(grant, scale, now);
				}
			}
		}
	}

	/**
	 * Whether a money grant of the tenant may still be notified: a depleted one never is again, so
	 * a tenant whose usable money grants were all found depleted costs no billing report.
	 */
	private boolean moneyToCheck(String tenant, Instant now) {
		return this.grants.grantsOf(tenant)
			.stream()
			.anyMatch((grant) -> grant.isMoney() && (grant.usableAt(now) || grant.effectiveAt().isAfter(now))
					&& !this.done.contains(NotificationType.GRANT_DEPLETED.wireName() + "|" + grant.id()));
	}

	/** Notifies a grant depleted, or expiring with something left; money with its currency's scale. */
	private void check(GrantBalance balance, @Nullable Integer moneyScale, Instant now) {
		Grant grant = balance.grant();
		if ("depleted".equals(balance.state())) {
			emit(NotificationType.GRANT_DEPLETED, balance, moneyScale);
		}
		else if ("active".equals(balance.state()) && grant.expiresAt() != null
				&& !grant.expiresAt().isAfter(now.plus(this.expiringNotice))) {
			emit(NotificationType.GRANT_EXPIRING, balance, moneyScale);
		}
	}

	private void emit(NotificationType type, GrantBalance balance, @Nullable Integer moneyScale) {
		Grant grant = balance.grant();
		String key = grant.id();
		if (this.done.contains(type.wireName() + "|" + key)) {
			return;
		}
		Map<String, Object> data = new LinkedHashMap<>();
		data.put("tenant", grant.tenantId());
		if (moneyScale != null) {
			// Money as strings with the currency's scale, as in the billing report.
			data.put("currency", grant.currency());
			data.put("meters", grant.meters());
			data.put("amount", money(grant.amount(), moneyScale));
			data.put("used", money(balance.used(), moneyScale));
			data.put("remaining", money(balance.remaining(), moneyScale));
		}
		else {
			data.put("meter", grant.meter());
			data.put("amount", grant.amount());
			data.put("used", balance.used());
			data.put("remaining", balance.remaining());
		}
		data.put("grant_id", grant.id());
		data.put("priority", grant.priority());
		data.put("effective_at", grant.effectiveAt().toString());
		if (grant.expiresAt() != null) {
			data.put("expires_at", grant.expiresAt().toString());
		}
		this.emitter.emit(type, grant.tenantId(), key, data);
		this.done.add(type.wireName() + "|" + key);
	}

	private static String money(BigDecimal amount, int scale) {
		return amount.setScale(scale, RoundingMode.HALF_UP).toPlainString();
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
