package dev.metering.internal.cache;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The map's table is copied while threads add, read and update entries: every value stays the
 * one its key maps to, so nothing counted into a value is lost across copies.
 */
class ShrinkingMapTests {

	@Test
	void aSparseMapIsCopiedAndKeepsItsEntries() {
		ShrinkingMap<Integer, AtomicLong> map = new ShrinkingMap<>();
		for (int i = 0; i < 10_000; i++) {
			map.computeIfAbsent(i, (k) -> new AtomicLong(k));
		}
		AtomicLong kept = map.get(7);
		for (int i = 100; i < 10_000; i++) {
			map.remove(i, map.get(i));
		}
		assertThat(map.shrinkIfSparse(10_000)).isTrue();
		assertThat(map.size()).isEqualTo(100);
		assertThat(map.get(7)).isSameAs(kept);
		assertThat(map.shrinkIfSparse(100)).as("not sparse any more").isFalse();
	}

	@Test
	void aSmallOrDenseMapIsNotCopied() {
		ShrinkingMap<Integer, AtomicLong> map = new ShrinkingMap<>();
		for (int i = 0; i < 500; i++) {
			map.computeIfAbsent(i, (k) -> new AtomicLong());
		}
		for (int i = 10; i < 500; i++) {
			map.remove(i, map.get(i));
		}
		assertThat(map.shrinkIfSparse(500)).as("too small to matter").isFalse();
		for (int i = 0; i < 5_000; i++) {
			map.computeIfAbsent(i, (k) -> new AtomicLong());
		}
		for (int i = 2_000; i < 5_000; i++) {
			map.remove(i, map.get(i));
		}
		assertThat(map.shrinkIfSparse(5_000)).as("two fifths still live").isFalse();
	}

	@Test
	void countsSurviveCopiesMadeWhileThreadsUpdate() throws Exception {
		ShrinkingMap<Integer, AtomicLong> map = new ShrinkingMap<>();
		int live = 64;
		int threads = 4;
		int increments = 200_000;
		AtomicBoolean done = new AtomicBoolean();
		CountDownLatch start = new CountDownLatch(1);
		List<Thread> workers = new ArrayList<>();
		for (int t = 0; t < threads; t++) {
			int seed = t;
			Thread worker = new Thread(() -> {
				await(start);
				for (int i = 0; i < increments; i++) {
					map.computeIfAbsent((i * 31 + seed) % live, (k) -> new AtomicLong()).incrementAndGet();
				}
			});
			worker.start();
			workers.add(worker);
		}
		AtomicLong copies = new AtomicLong();
		Thread churn = new Thread(() -> {
			await(start);
			int next = live;
			while (!done.get()) {
				// Transient keys of tenants seen once, then swept away and the table copied.
				for (int i = 0; i < 5_000; i++) {
					map.computeIfAbsent(next + i, (k) -> new AtomicLong());
				}
				int seen = map.size();
				for (int i = 0; i < 5_000; i++) {
					map.remove(next + i, map.get(next + i));
				}
				next += 5_000;
				if (map.shrinkIfSparse(seen)) {
					copies.incrementAndGet();
				}
			}
		});
		churn.start();
		start.countDown();
		for (Thread worker : workers) {
			worker.join(TimeUnit.MINUTES.toMillis(2));
		}
		done.set(true);
		churn.join(TimeUnit.MINUTES.toMillis(1));
		long counted = 0;
		for (int k = 0; k < live; k++) {
			counted += map.get(k).get();
		}
		assertThat(copies.get()).as("copies made while the workers counted").isPositive();
		assertThat(counted).isEqualTo((long) threads * increments);
		assertThat(map.size()).isEqualTo(live);
	}

	private static void await(CountDownLatch latch) {
		try {
			latch.await();
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

}
