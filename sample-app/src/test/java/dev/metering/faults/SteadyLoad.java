package dev.metering.faults;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Steady load on the sample app: a few client threads calling {@code /api/ping} for one tenant
 * as fast as answers come. Counts answered requests (2xx: each must be exactly one ledger row),
 * failed ones, and the longest time without any answer (did the app keep answering?).
 */
final class SteadyLoad implements AutoCloseable {

	private final HttpClient http = HttpClient.newBuilder()
		.connectTimeout(Duration.ofSeconds(5))
		.version(HttpClient.Version.HTTP_1_1)
		.build();

	private final LongAdder answered = new LongAdder();

	private final LongAdder failed = new LongAdder();

	/** Requests answered with a status other than 2xx: what the app (and the kit) refused. */
	private final LongAdder refused = new LongAdder();

	/** Requests whose answer was lost in transport, the last ones (while stopping) included. */
	private final LongAdder torn = new LongAdder();

	private final AtomicLong lastAnswer = new AtomicLong(System.nanoTime());

	private final AtomicLong longestSilence = new AtomicLong();

	private final List<Thread> threads = new ArrayList<>();

	private final long startNanos = System.nanoTime();

	private volatile long stopNanos;

	private volatile boolean running = true;

	SteadyLoad(int port, String tenant, int clients) {
		HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/ping"))
			.header("X-Tenant-Id", tenant)
			.timeout(Duration.ofSeconds(30))
			.build();
		for (int i = 0; i < clients; i++) {
			Thread thread = new Thread(() -> run(request), "load-" + tenant + "-" + i);
			thread.setDaemon(true);
			this.threads.add(thread);
			thread.start();
		}
	}

	private void run(HttpRequest request) {
		while (this.running) {
			try {
				HttpResponse<Void> response = this.http.send(request, HttpResponse.BodyHandlers.discarding());
				if (response.statusCode() / 100 == 2) {
					this.answered.increment();
					long now = System.nanoTime();
					long previous = this.lastAnswer.getAndSet(now);
					this.longestSilence.accumulateAndGet(now - previous, Math::max);
				}
				else {
					this.failed.increment();
					this.refused.increment();
				}
			}
			catch (Exception ex) {
				// The app may have answered (and recorded) it: the connection broke on the way back.
				this.torn.increment();
				if (this.running) {
					this.failed.increment();
					sleep(20);
				}
			}
		}
	}

	/** Starts measuring the longest silence afresh (when the fault is injected, after warm-up). */
	void resetSilence() {
		this.lastAnswer.set(System.nanoTime());
		this.longestSilence.set(0);
	}

	/** Ends the time over which {@link #requestsPerSecond()} is measured (when the app is stopped). */
	void endOfMeasure() {
		if (this.stopNanos == 0) {
			this.stopNanos = System.nanoTime();
		}
	}

	/** Stops the clients and waits for their last requests. */
	void stop() throws InterruptedException {
		this.running = false;
		endOfMeasure();
		for (Thread thread : this.threads) {
			thread.join(TimeUnit.SECONDS.toMillis(40));
		}
	}

	long answered() {
		return this.answered.sum();
	}

	/** Failed requests that got a (non-2xx) answer; the rest failed in transport, without one. */
	long refused() {
		return this.refused.sum();
	}

	long failed() {
		return this.failed.sum();
	}

	/**
	 * Requests that failed in transport, counted while stopping too: each may have been answered
	 * and recorded by the app, its answer lost on the way back.
	 */
	long torn() {
		return this.torn.sum();
	}

	Duration longestSilence() {
		return Duration.ofNanos(this.longestSilence.get());
	}

	double requestsPerSecond() {
		long end = (this.stopNanos != 0) ? this.stopNanos : System.nanoTime();
		return answered() / ((end - this.startNanos) / 1e9);
	}

	@Override
	public void close() throws InterruptedException {
		if (this.running) {
			stop();
		}
	}

	static void sleep(long millis) {
		try {
			Thread.sleep(millis);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

}
