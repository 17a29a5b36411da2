package dev.metering.autoconfigure;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import dev.metering.quota.lease.QuotaLeases;

import org.springframework.beans.factory.DisposableBean;

/**
 * Renews this instance's leases and gives unneeded budgets back on a schedule (and removes
 * closed windows' rows when this instance's run is the one of all instances that claims it), and
 * gives everything back when the application context closes.
 */
final class QuotaLeaseMaintenance implements DisposableBean {

	private final QuotaLeases leases;

	private final ScheduledExecutorService scheduler;

	QuotaLeaseMaintenance(QuotaLeases leases, Duration interval) {
		this.leases = leases;
		this.scheduler = Executors.newSingleThreadScheduledExecutor((runnable) -> {
			Thread thread = new Thread(runnable, "metering-quota-leases");
			thread.setDaemon(true);
			return thread;
		});
		long millis = Math.max(1, interval.toMillis());
		this.scheduler.scheduleWithFixedDelay(() -> {
			leases.maintain();
			leases.removeClosedWindows();
		}, millis, millis, TimeUnit.MILLISECONDS);
	}

	@Override
	public void destroy() {
		this.scheduler.shutdownNow();
		this.leases.close();
	}

}
