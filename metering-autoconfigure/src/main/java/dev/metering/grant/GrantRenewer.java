package dev.metering.grant;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import dev.metering.internal.schedule.PeriodicTask;
import dev.metering.quota.QuotaWindow;

import org.springframework.context.SmartLifecycle;

/**
 * Renews recurring grants and rolls over what they have left. Every interval, on a thread of its
 * own on each instance:
 * <ul>
 * <li>a recurring grant ending within {@code renewAhead} gets its next month: a grant of the
 * same amount (without what was carried into it), meter, priority and rule, effective at its
 * end, ending at the next month's end, with an id derived from its own;</li>
 * <li>a recurring grant with a rollover rule that ended {@code settle} ago (its last usage is in
 * the ledger by then) carries what it had left at its end, at most its {@code rolloverMax}, into
 * its next month's grant (amount and {@code carried} raised). A money grant had left what the
 * billing periods that ended while it was usable did not take of it
 * ({@link MoneyGrants#leftAtEnd}).</li>
 * </ul>
 * Each step is decided in the database: a conditional update marks the grant renewed (or rolled
 * over) in the transaction that writes the result and its audit row, so whichever instances run
 * it, it is done once. The tenant's balance is then published on the invalidation bus.
 */
public class GrantRenewer implements SmartLifecycle {

	/** The actor of the audit rows. */
	static final String ACTOR = "metering-scheduler";

	private static final Log logger = LogFactory.getLog(GrantRenewer.class);

	private final GrantService grants;

	private final MoneyGrants money;

	private final Duration renewAhead;

	private final Duration settle;

	private final PeriodicTask task;

	/**
	 * Creates the renewer.
	 * @param grants the grants
	 * @param money the money grants: what a recurring money grant had left is what the billing
	 * periods it paid did not take
	 * @param interval how often due grants are looked for
	 * @param renewAhead how long before a recurring grant's end its next month is created
	 * @param settle how long after a month's end what is left is worked out (the writers' last
	 * batches are in the ledger by then)
	 */
	public GrantRenewer(GrantService grants, MoneyGrants money, Duration interval, Duration renewAhead,
			Duration settle) {
		this.grants = grants;
		this.money = money;
		this.renewAhead = renewAhead;
		this.settle = settle;
		this.task = PeriodicTask
			.every(interval, "metering-grant-renewals", this::runNow, logger, "Could not renew or roll over grants; trying again")
			.withFirstRunAfter(Duration.ZERO);
	}

	/**
	 * The id of a recurring grant's next month: the same on every instance.
	 * @param grantId the grant's id
	 * @return the next one's id
	 */
	public static String renewalId(String grantId) {
		return UUID.nameUUIDFromBytes(("renewal:" + grantId).getBytes(StandardCharsets.UTF_8)).toString();
	}

	/** Renews and rolls over what is due now. */
	public void runNow() {
		Instant now = this.grants.clock().instant();
		GrantStore store = this.grants.store();
		for (Grant due : store.dueRenewals(now.plus(this.renewAhead))) {
			try {
				renew(due, now);
			}
			catch (RuntimeException ex) {
				logger.warn("Could not renew grant '" + due.id() + "'; trying again", ex);
			}
		}
		for (Grant ended : store.dueRollovers(now.minus(this.settle))) {
			try {
				rollOver(ended, now);
			}
			catch (RuntimeException ex) {
				logger.warn("Could not roll over grant '" + ended.id() + "'; trying again", ex);
			}
		}
	}

	private void renew(Grant grant, Instant now) {
		Instant start = grant.expiresAt();
		if (start == null) {
			return;
		}
		Grant next = new Grant(renewalId(grant.id()), grant.tenantId(), grant.meter(),
				grant.amount().subtract(grant.carried()), grant.priority(), start, QuotaWindow.MONTH.bounds(start).end(),
				null, now, ACTOR, grant.description(), grant.recurrence(), grant.rolloverMax(), BigDecimal.ZERO,
				grant.currency(), grant.meters());
		Boolean renewed = this.grants.transactions().execute((status) -> {
			if (!this.grants.store().markRenewed(grant.id(), now)) {
				return false;
			}
			this.grants.store().insert(next);
			this.grants.store()
				.audit(now, ACTOR, "renew-grant", GrantInput.target(next), null, GrantInput.describe(next));
			return true;
		});
		if (Boolean.TRUE.equals(renewed)) {
			this.grants.published(grant.tenantId());
		}
	}

	private void rollOver(Grant grant, Instant now) {
		Instant end = grant.expiresAt();
		BigDecimal max = grant.rolloverMax();
		if (end == null || max == null) {
			return;
		}
		List<Grant> sameKind = this.grants.store()
			.ofTenant(grant.tenantId())
			.stream()
			.filter((each) -> grant.isMoney() ? grant.currency().equals(each.currency())
					: !each.isMoney() && each.meter().equals(grant.meter()))
			.toList();
		Optional<Grant> next = sameKind.stream().filter((each) -> each.id().equals(renewalId(grant.id()))).findFirst();
		if (next.isEmpty()) {
			// Not renewed yet: the next run renews it first.
			return;
		}
		// A money grant's rest costs a report per period since the first money grant: worked out once renewed.
		BigDecimal left = grant.isMoney() ? this.money.leftAtEnd(grant)
				: this.grants.burnDown(grant.tenantId(), grant.meter(), sameKind, end).remaining(grant);
		BigDecimal carried = (left.compareTo(max) > 0) ? max : left;
		Boolean raised = this.grants.transactions().execute((status) -> {
			if (!this.grants.store().markRolledOver(grant.id(), now)) {
				return false;
			}
			// Nothing left, or the next month voided: nothing carries.
			if (carried.signum() <= 0 || !this.grants.store().addCarried(next.get().id(), carried)) {
				return false;
			}
			Grant before = next.get();
			Grant after = new Grant(before.id(), before.tenantId(), before.meter(), before.amount().add(carried),
					before.priority(), before.effectiveAt(), before.expiresAt(), null, before.createdAt(),
					before.createdBy(), before.description(), before.recurrence(), before.rolloverMax(), carried,
					before.currency(), before.meters());
			this.grants.store()
				.audit(now, ACTOR, "roll-over-grant", GrantInput.target(before), GrantInput.describe(before),
						GrantInput.describe(after) + " from=" + grant.id());
			return true;
		});
		if (Boolean.TRUE.equals(raised)) {
			this.grants.published(grant.tenantId());
		}
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
