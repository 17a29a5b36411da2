package dev.metering.autoconfigure;

import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.springframework.beans.factory.DisposableBean;

/**
 * The threads that refresh the quota caches in the background. Deliberately not an
 * {@link Executor} bean, which would make Spring Boot back off its own task executor.
 */
final class QuotaRefreshThreads implements DisposableBean {

	private final ExecutorService executor;

	QuotaRefreshThreads(int threads) {
		AtomicInteger count = new AtomicInteger();
		ThreadPoolExecutor pool = new ThreadPoolExecutor(threads, threads, 60, TimeUnit.SECONDS,
				new LinkedBlockingQueue<>(), (runnable) -> {
					Thread thread = new Thread(runnable, "metering-quota-refresh-" + count.incrementAndGet());
					thread.setDaemon(true);
					return thread;
				});
		pool.allowCoreThreadTimeOut(true);
		this.executor = pool;
	}

	/**
	 * The executor of background refreshes.
	 * @return the executor
	 */
	public Executor executor() {
		return this.executor;
	}

	@Override
	public void destroy() {
		this.executor.shutdownNow();
	}

}
