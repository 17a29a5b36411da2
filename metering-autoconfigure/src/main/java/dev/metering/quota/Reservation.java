package dev.metering.quota;

import java.math.BigDecimal;
import java.util.List;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;

import org.jspecify.annotations.Nullable;

import dev.metering.event.HeldUsage;
import dev.metering.event.UsageEvent;
import dev.metering.event.UsagePayload;
import dev.metering.event.UsageRecorder;

/**
 * Quota an allowed call holds until its usage is recorded (or it fails and gives it back):
 * counted as used by every concurrent check, so they cannot overshoot a hard limit together.
 * <p>
 * Record the call's usage with {@link #record(UsageRecorder, UsageEvent)}: the reservation goes
 * with the event, as its {@link HeldUsage}, to the ledger writer, whose {@link LocalUsage}
 * {@linkplain #takeOver takes it over} as it counts the event, in one step under the same monitor
 * a check holds, so no check sees the unit twice or not at all. Whatever the recording did not
 * take over (an event of another meter or hour, a failed recording) is released afterwards.
 * {@link #release()} alone gives the quota back; releasing twice is harmless.
 */
public final class Reservation implements HeldUsage {

	/** Nothing reserved. */
	public static final Reservation NONE = new Reservation(new Part[0]);

	private final Part[] parts;

	Reservation(List<Part> parts) {
		this(parts.toArray(new Part[0]));
	}

	/** The reservation of one scope's part (a tenant without quota-carrying ancestors). */
	Reservation(Part part) {
		this(new Part[] { part });
	}

	/** Takes the array as it is: the caller hands over a fresh one. */
	Reservation(Part[] parts) {
		this.parts = parts;
	}

	/**
	 * One reservation of what several reservations hold (a call that records several events):
	 * each event takes over its own part, releasing it releases them all.
	 * @param reservations the reservations
	 * @return their union
	 */
	public static Reservation of(List<Reservation> reservations) {
		List<Part> parts = new java.util.ArrayList<>();
		for (Reservation reservation : reservations) {
			parts.addAll(java.util.Arrays.asList(reservation.parts));
		}
		return parts.isEmpty() ? NONE : new Reservation(parts);
	}

	/**
	 * Records the call's payload with this reservation: each event the meters make of it takes
	 * over its part as the writer accepts it; then what is left is released.
	 * @param recorder the recorder
	 * @param payload the call's payload
	 * @throws dev.metering.event.InvalidUsageEventException if an event is invalid
	 * @throws dev.metering.event.UsageNotRecordedException if the kit could not take them all
	 */
	public void record(UsageRecorder recorder, UsagePayload payload) {
		try {
			recorder.record(payload, this);
		}
		finally {
			release();
		}
	}

	/**
	 * Records the call's event with this reservation, which becomes the event's usage as the
	 * writer accepts it; then releases what is left.
	 * @param recorder the recorder
	 * @param event the call's event
	 * @throws dev.metering.event.InvalidUsageEventException if the event is invalid
	 * @throws dev.metering.event.UsageNotRecordedException if the kit could not take the event
	 */
	public void record(UsageRecorder recorder, UsageEvent event) {
		try {
			recorder.record(event, this);
		}
		finally {
			release();
		}
	}

	/** Gives the reserved quota back. */
	public void release() {
		for (Part part : this.parts) {
			if (part.finish()) {
				part.giveBack();
			}
		}
	}

	/**
	 * Whether anything is still held.
	 * @return {@code true} until released or converted, when something was reserved
	 */
	public boolean isHeld() {
		for (Part part : this.parts) {
			if (part.done == 0) {
				return true;
			}
		}
		return false;
	}

	/**
	 * Turns the part held for the event's scope (its tenant), meter, hour and quantity into used
	 * quota; see {@link #convert}. Called by {@link LocalUsage} as it counts the event.
	 */
	@Override
	public boolean takeOver(UsageEvent event) {
		return this.parts.length != 0
				&& convert(event.tenantId(), event.meter(), MeterUsage.hourOf(event.occurredAt()), event.quantity());
	}

	/**
	 * Turns the part matching an accepted event into used quota: its hard-quota budget stays
	 * taken, and its reservation in the local usage (if any) becomes the event's local usage; the
	 * caller has just added the event as local.
	 * @return whether a part matched
	 */
	boolean convert(String scope, String meter, long hour, BigDecimal quantity) {
		for (Part part : this.parts) {
			if (part.hour == hour && part.quantity.compareTo(quantity) == 0 && part.scope.equals(scope)
					&& part.meter.equals(meter) && part.finish()) {
				MeterUsage usage = part.usage;
				if (usage != null) {
					synchronized (usage) {
						usage.release(hour, quantity);
					}
				}
				return true;
			}
		}
		return false;
	}

	/**
	 * What one scope of the lineage holds: a reservation in its local usage (for quotas decided
	 * on ledger readings) and/or quantities taken from its hard-quota budgets.
	 */
	static final class Part {

		final String scope;

		final String meter;

		final @Nullable MeterUsage usage;

		final long hour;

		final BigDecimal quantity;

		/** The quantities taken from hard-quota budgets: usually one, held without a list. */
		final HardQuotaBudgets.@Nullable Take take;

		/** The takes after {@link #take}, when the level has several hard quotas. */
		final List<HardQuotaBudgets.Take> moreTakes;

		final @Nullable HardQuotaBudgets leases;

		/** The sum windows this part raised in the database, given back with it. */
		final List<QuotaAdmissions.Request> admitted;

		final @Nullable QuotaAdmissions admissions;

		private static final AtomicIntegerFieldUpdater<Part> DONE = AtomicIntegerFieldUpdater.newUpdater(Part.class,
				"done");

		/** 1 once released or converted (a field updater rather than an AtomicBoolean: one object less per check). */
		volatile int done;

		Part(String scope, String meter, @Nullable MeterUsage usage, long hour, BigDecimal quantity,
				List<HardQuotaBudgets.Take> takes, @Nullable HardQuotaBudgets leases) {
			this(scope, meter, usage, hour, quantity, takes, leases, List.of(), null);
		}

		/** The part of a level with at most one hard quota taken from: no list of takes. */
		Part(String scope, String meter, @Nullable MeterUsage usage, long hour, BigDecimal quantity,
				HardQuotaBudgets.@Nullable Take take, @Nullable HardQuotaBudgets leases) {
			this.scope = scope;
			this.meter = meter;
			this.usage = usage;
			this.hour = hour;
			this.quantity = quantity;
			this.take = take;
			this.moreTakes = List.of();
			this.leases = leases;
			this.admitted = List.of();
			this.admissions = null;
		}

		/** The part of a level with two hard quotas taken from (a quota and a grant-backed meter's balance). */
		Part(String scope, String meter, @Nullable MeterUsage usage, long hour, BigDecimal quantity,
				HardQuotaBudgets.Take take, HardQuotaBudgets.Take second, HardQuotaBudgets leases) {
			this.scope = scope;
			this.meter = meter;
			this.usage = usage;
			this.hour = hour;
			this.quantity = quantity;
			this.take = take;
			this.moreTakes = List.of(second);
			this.leases = leases;
			this.admitted = List.of();
			this.admissions = null;
		}

		Part(String scope, String meter, @Nullable MeterUsage usage, long hour, BigDecimal quantity,
				List<HardQuotaBudgets.Take> takes, @Nullable HardQuotaBudgets leases,
				List<QuotaAdmissions.Request> admitted, @Nullable QuotaAdmissions admissions) {
			this.scope = scope;
			this.meter = meter;
			this.usage = usage;
			this.hour = hour;
			this.quantity = quantity;
			this.take = takes.isEmpty() ? null : takes.get(0);
			this.moreTakes = (takes.size() <= 1) ? List.of() : takes.subList(1, takes.size());
			this.leases = leases;
			this.admitted = admitted;
			this.admissions = admissions;
		}

		/** The quantities taken from hard-quota budgets. */
		List<HardQuotaBudgets.Take> takes() {
			if (this.take == null) {
				return List.of();
			}
			if (this.moreTakes.isEmpty()) {
				return List.of(this.take);
			}
			List<HardQuotaBudgets.Take> all = new java.util.ArrayList<>(1 + this.moreTakes.size());
			all.add(this.take);
			all.addAll(this.moreTakes);
			return all;
		}

		/** Marks the part done; {@code true} for the one caller that did. */
		boolean finish() {
			return DONE.compareAndSet(this, 0, 1);
		}

		void giveBack() {
			MeterUsage usage = this.usage;
			if (usage != null) {
				synchronized (usage) {
					usage.release(this.hour, this.quantity);
				}
			}
			HardQuotaBudgets leases = this.leases;
			HardQuotaBudgets.Take take = this.take;
			if (leases != null && take != null) {
				leases.giveBack(take.budget(), take.quantity());
				List<HardQuotaBudgets.Take> more = this.moreTakes;
				for (int i = 0, n = more.size(); i < n; i++) {
					leases.giveBack(more.get(i).budget(), more.get(i).quantity());
				}
			}
			if (this.admissions != null && !this.admitted.isEmpty()) {
				this.admissions.giveBack(this.admitted);
			}
		}

	}

}
