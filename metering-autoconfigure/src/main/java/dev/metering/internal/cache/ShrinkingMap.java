package dev.metering.internal.cache;

import java.util.Collection;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.BiFunction;
import java.util.function.Function;

import org.jspecify.annotations.Nullable;

/**
 * A concurrent map of per-tenant state whose memory follows the entries it holds now, not the
 * most it ever held: a {@link ConcurrentHashMap}'s table never shrinks, so a million tenants
 * seen once would keep 8 MB of empty table after they went idle. Its owner removes idle entries
 * (its sweep) and then calls {@link #shrinkIfSparse(int)}, which copies the live entries into a
 * table of their size once the map holds less than a quarter of what it grew to.
 * <p>
 * Reads are lock-free. Whatever adds or removes an entry does so under the read side of a lock
 * whose write side the copy holds, so no entry is added to or removed from a table being
 * replaced, and the same value object stays the one mapped to its key across a copy: a reader
 * that got it from the old table holds the value the new table maps.
 *
 * @param <K> the key
 * @param <V> the value
 */
public final class ShrinkingMap<K, V> {

	/** Below this many entries a table is too small to be worth copying. */
	static final int MINIMUM_TO_SHRINK = 1024;

	private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();

	private volatile ConcurrentHashMap<K, V> map = new ConcurrentHashMap<>();

	/** The most entries seen since the table was last copied (what its table grew to). */
	private int grownTo;

	/**
	 * The value of a key.
	 * @param key the key
	 * @return the value, {@code null} when absent
	 */
	public @Nullable V get(K key) {
		return this.map.get(key);
	}

	/**
	 * The value of a key, computed and added when absent.
	 * @param key the key
	 * @param create makes the value of an absent key
	 * @return the value mapped now
	 */
	public V computeIfAbsent(K key, Function<? super K, ? extends V> create) {
		V value = this.map.get(key);
		if (value != null) {
			return value;
		}
		ReentrantReadWriteLock.ReadLock read = this.lock.readLock();
		read.lock();
		try {
			return this.map.computeIfAbsent(key, create);
		}
		finally {
			read.unlock();
		}
	}

	/**
	 * Computes a key's value as {@link ConcurrentHashMap#compute}.
	 * @param key the key
	 * @param remapping the new value from the key and its value now ({@code null} when absent)
	 * @return the new value, {@code null} when removed
	 */
	public @Nullable V compute(K key, BiFunction<? super K, ? super @Nullable V, ? extends @Nullable V> remapping) {
		ReentrantReadWriteLock.ReadLock read = this.lock.readLock();
		read.lock();
		try {
			return this.map.compute(key, remapping);
		}
		finally {
			read.unlock();
		}
	}

	/**
	 * Removes a key if it maps to a value.
	 * @param key the key
	 * @param value the value
	 * @return whether it was removed
	 */
	public boolean remove(K key, V value) {
		ReentrantReadWriteLock.ReadLock read = this.lock.readLock();
		read.lock();
		try {
			return this.map.remove(key, value);
		}
		finally {
			read.unlock();
		}
	}

	/**
	 * The entries, a weakly consistent view of the table in use now.
	 * @return the entries
	 */
	public Set<Map.Entry<K, V>> entrySet() {
		return this.map.entrySet();
	}

	/**
	 * The values, a weakly consistent view of the table in use now.
	 * @return the values
	 */
	public Collection<V> values() {
		return this.map.values();
	}

	/**
	 * The number of entries.
	 * @return the size
	 */
	public int size() {
		return this.map.size();
	}

	/**
	 * Whether the map is empty.
	 * @return {@code true} without entries
	 */
	public boolean isEmpty() {
		return this.map.isEmpty();
	}

	/**
	 * After a sweep removed idle entries: copies the live ones into a table of their size when
	 * they are under a quarter of the most the map held.
	 * @param sizeBeforeSweep the entries the sweep saw before it removed any
	 * @return whether the table was copied
	 */
	public boolean shrinkIfSparse(int sizeBeforeSweep) {
		ReentrantReadWriteLock.WriteLock write = this.lock.writeLock();
		write.lock();
		try {
			ConcurrentHashMap<K, V> current = this.map;
			int size = current.size();
			this.grownTo = Math.max(this.grownTo, Math.max(sizeBeforeSweep, size));
			if (this.grownTo < MINIMUM_TO_SHRINK || size >= this.grownTo / 4) {
				return false;
			}
			this.map = new ConcurrentHashMap<>(current);
			this.grownTo = size;
			return true;
		}
		finally {
			write.unlock();
		}
	}

}
