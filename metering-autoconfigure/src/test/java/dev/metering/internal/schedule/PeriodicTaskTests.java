package dev.metering.internal.schedule;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The periodic task the kit's background jobs share (grant renewals and notices, quota
 * thresholds, webhooks, ledger partitions, lease maintenance), on real threads.
 */
class PeriodicTaskTests {

	private static final Log logger = LogFactory.getLog(PeriodicTaskTests.class);

	@Test
	void runsOnADaemonThreadOfItsNameUntilStopped() throws InterruptedException {
		List<Thread> threads = new CopyOnWriteArrayList<>();
		CountDownLatch twoRuns = new CountDownLatch(2);
		PeriodicTask task = PeriodicTask.every(Duration.ofMillis(5), "metering-test-task", () -> {
			threads.add(Thread.currentThread());
			twoRuns.countDown();
		}, logger, "failed");
		assertThat(task.isRunning()).isFalse();
		task.start();
		assertThat(task.isRunning()).isTrue();
		assertThat(twoRuns.await(10, TimeUnit.SECONDS)).isTrue();
		task.stop();
		assertThat(task.isRunning()).isFalse();
		int runs = threads.size();
		Thread.sleep(50);
		assertThat(threads).hasSize(runs)
			.allSatisfy((thread) -> assertThat(thread.getName()).isEqualTo("metering-test-task"))
			.allSatisfy((thread) -> assertThat(thread.isDaemon()).isTrue());
	}

	@Test
	void aRunThatThrowsIsLoggedAndTheNextRunStillComes() throws InterruptedException {
		AtomicInteger runs = new AtomicInteger();
		CountDownLatch thirdRun = new CountDownLatch(3);
		PeriodicTask task = PeriodicTask.every(Duration.ofMillis(5), "metering-test-task", () -> {
			runs.incrementAndGet();
			thirdRun.countDown();
			throw new IllegalStateException("database down");
		}, logger, "Test run failed; trying again");
		task.start();
		try {
			assertThat(thirdRun.await(10, TimeUnit.SECONDS)).isTrue();
		}
		finally {
			task.stop();
		}
		assertThat(runs).hasValueGreaterThanOrEqualTo(3);
	}

	@Test
	void theFirstRunComesOneIntervalAfterStartUnlessToldOtherwise() throws InterruptedException {
		AtomicInteger runs = new AtomicInteger();
		PeriodicTask later = PeriodicTask.every(Duration.ofHours(1), "metering-test-task", runs::incrementAndGet,
				logger, "failed");
		later.start();
		Thread.sleep(100);
		later.stop();
		assertThat(runs).hasValue(0);
		CountDownLatch ran = new CountDownLatch(1);
		PeriodicTask atOnce = PeriodicTask.every(Duration.ofHours(1), "metering-test-task", ran::countDown, logger,
				"failed")
			.withFirstRunAfter(Duration.ZERO);
		atOnce.start();
		try {
			assertThat(ran.await(10, TimeUnit.SECONDS)).isTrue();
		}
		finally {
			atOnce.stop();
		}
	}

	@Test
	void stopWaitsForTheRunInProgressAndRunsOnceMoreWhenAsked() throws InterruptedException {
		CountDownLatch inRun = new CountDownLatch(1);
		AtomicInteger finished = new AtomicInteger();
		AtomicBoolean first = new AtomicBoolean(true);
		PeriodicTask task = PeriodicTask.every(Duration.ofHours(1), "metering-test-task", () -> {
			if (first.getAndSet(false)) {
				inRun.countDown();
				sleep(200);
			}
			finished.incrementAndGet();
		}, logger, "failed").withFirstRunAfter(Duration.ZERO).withLastRunOnStop();
		task.start();
		assertThat(inRun.await(10, TimeUnit.SECONDS)).isTrue();
		task.stop();
		// The run in progress finished, then the last run: both before stop returned.
		assertThat(finished).hasValue(2);
	}

	@Test
	void stopWithoutALastRunWaitsForTheRunInProgressOnly() throws InterruptedException {
		CountDownLatch inRun = new CountDownLatch(1);
		AtomicInteger finished = new AtomicInteger();
		PeriodicTask task = PeriodicTask.every(Duration.ofHours(1), "metering-test-task", () -> {
			inRun.countDown();
			sleep(200);
			finished.incrementAndGet();
		}, logger, "failed").withFirstRunAfter(Duration.ZERO);
		task.start();
		assertThat(inRun.await(10, TimeUnit.SECONDS)).isTrue();
		task.stop();
		assertThat(finished).hasValue(1);
	}

	@Test
	void stopInterruptsTheRunInProgressWhenAsked() throws InterruptedException {
		CountDownLatch inRun = new CountDownLatch(1);
		AtomicBoolean interrupted = new AtomicBoolean();
		CountDownLatch ended = new CountDownLatch(1);
		PeriodicTask task = PeriodicTask.every(Duration.ofHours(1), "metering-test-task", () -> {
			inRun.countDown();
			try {
				Thread.sleep(60_000);
			}
			catch (InterruptedException ex) {
				interrupted.set(true);
			}
			ended.countDown();
		}, logger, "failed").withFirstRunAfter(Duration.ZERO).withInterruptOnStop(Duration.ofSeconds(10));
		task.start();
		assertThat(inRun.await(10, TimeUnit.SECONDS)).isTrue();
		task.stop();
		// Waited for the interrupted run to end.
		assertThat(ended.getCount()).isZero();
		assertThat(interrupted).isTrue();
	}

	private static void sleep(long millis) {
		try {
			Thread.sleep(millis);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

}
