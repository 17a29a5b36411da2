package dev.metering.autoconfigure;

import java.time.Duration;
import dev.metering.internal.schedule.PeriodicTask;
import dev.metering.quota.lease.QuotaLeases;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.beans.factory.DisposableBean;

/**
 * Renews this instance's leases and gives unneeded budgets back on a schedule (and removes
 * closed windows' rows when this instance's run is the one of all instances that claims it), and
 * gives everything back when the application context closes.
 */
final class QuotaLeaseMaintenance implements DisposableBean {

	private static final Log logger = LogFactory.getLog(QuotaLeaseMaintenance.class);

	private final QuotaLeases leases;

	private final PeriodicTask task;

	QuotaLeaseMaintenance(QuotaLeases leases, Duration interval) {
		this.leases = leases;
		// Destroy interrupts a run in progress and does not wait: close() gives everything back.
		this.task = PeriodicTask.every(interval, "metering-quota-leases", () -> {
			leases.maintain();
			leases.removeClosedWindows();
		}, logger, "Could not maintain this instance's quota leases; trying again").withInterruptOnStop(Duration.ZERO);
		this.task.start();
	}

	@Override
	public void destroy() {
		this.task.stop();
		this.leases.close();
	}

}
