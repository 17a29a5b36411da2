import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * The writer's hand-off under many recording threads (docs/BENCHMARKS.md, "The hand-off"):
 * THREADS threads offer EVENTS events each, at RATE events/s in all (paced, as requests arrive),
 * into an ArrayBlockingQueue of CAPACITY that one consumer drains as BufferedLedgerWriter fills a
 * batch: either waiting in poll(5 ms) between drains (the former code: every offer signals it) or
 * sleeping 5 ms between drains (the present code). Reports CPU per event of the offering threads
 * and of the consumer (ThreadMXBean; the offer figure includes the two CPU-clock reads around
 * each offer, a constant of a few hundred ns), and the wall time. Alternates the two, ROUNDS times.
 * Run: java benchmarks/handoff/HandOff.java [threads 32] [events per thread 100000] [rate 20000] [rounds 3]
 */
public class HandOff {

	public static void main(String[] args) throws Exception {
		int threads = (args.length > 0) ? Integer.parseInt(args[0]) : 32;
		int events = (args.length > 1) ? Integer.parseInt(args[1]) : 100_000;
		int rate = (args.length > 2) ? Integer.parseInt(args[2]) : 20_000;
		int rounds = (args.length > 3) ? Integer.parseInt(args[3]) : 3;
		System.out.printf("| consumer | round | threads | events | offer CPU ns/event | consumer CPU ns/event | wall s |%n|---|---:|---:|---:|---:|---:|---:|%n");
		for (int round = 1; round <= rounds; round++) {
			for (boolean sleeping : (round % 2 == 1) ? new boolean[] { false, true } : new boolean[] { true, false }) {
				run(sleeping, round, threads, events, rate);
			}
		}
	}

	static void run(boolean sleeping, int round, int threads, int events, int rate) throws Exception {
		ThreadMXBean mx = ManagementFactory.getThreadMXBean();
		ArrayBlockingQueue<Object> queue = new ArrayBlockingQueue<>(100_000);
		AtomicLong consumed = new AtomicLong();
		long total = (long) threads * events;
		AtomicLong consumerCpu = new AtomicLong();
		Thread consumer = new Thread(() -> {
			long start = mx.getCurrentThreadCpuTime();
			List<Object> batch = new ArrayList<>(20_000);
			while (consumed.get() < total) {
				queue.drainTo(batch, 20_000);
				consumed.addAndGet(batch.size());
				batch.clear();
				if (sleeping) {
					LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
				}
				else {
					try {
						Object next = queue.poll(5, TimeUnit.MILLISECONDS);
						if (next != null) {
							consumed.incrementAndGet();
						}
					}
					catch (InterruptedException ex) {
						return;
					}
				}
			}
			consumerCpu.set(mx.getCurrentThreadCpuTime() - start);
		});
		AtomicLong offerCpu = new AtomicLong();
		CountDownLatch done = new CountDownLatch(threads);
		long intervalNanos = (long) threads * 1_000_000_000L / rate;
		Object event = new Object();
		long wall = System.nanoTime();
		consumer.start();
		for (int t = 0; t < threads; t++) {
			new Thread(() -> {
				long cpu = 0;
				long next = System.nanoTime();
				for (int i = 0; i < events; i++) {
					next += intervalNanos;
					long wait = next - System.nanoTime();
					if (wait > 0) {
						LockSupport.parkNanos(wait);
					}
					long before = mx.getCurrentThreadCpuTime();
					while (!queue.offer(event)) {
						Thread.onSpinWait();
					}
					cpu += mx.getCurrentThreadCpuTime() - before;
				}
				offerCpu.addAndGet(cpu);
				done.countDown();
			}).start();
		}
		done.await();
		consumer.join();
		System.out.printf("| %s | %d | %d | %d | %.0f | %.0f | %.1f |%n", sleeping ? "sleeps 5 ms between drains" : "poll(5 ms) between drains",
				round, threads, total, (double) offerCpu.get() / total, (double) consumerCpu.get() / total,
				(System.nanoTime() - wall) / 1e9);
	}

}
