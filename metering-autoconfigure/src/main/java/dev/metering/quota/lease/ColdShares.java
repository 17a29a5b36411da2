package dev.metering.quota.lease;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.ReentrantReadWriteLock;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import dev.metering.internal.sql.DatabaseSql;
import dev.metering.internal.sql.LedgerDatabase;
import dev.metering.internal.sql.ShareSql;
import dev.metering.quota.HardQuotaBudgets.WindowKey;

import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.support.TransactionTemplate;
import org.springframework.util.function.SingletonSupplier;

/**
 * Cold shares (docs/quotas.md): this instance holds one of a fixed number of positions, and
 * every window's allocation row, once created by any instance, reserves each position's share of
 * the limit as a lease row named {@code '#position'}. So the holder of a position may admit from
 * its share of a window before that row exists, with no statement: the row, created later by the
 * settlement, covers it. A share is used only by the epoch that holds the position, only in a
 * window that started at or after the position's fence (a crashed epoch's windows), and only once
 * (a window whose share this epoch settled, gave back, or found given back at its claim is
 * spent). Every statement that uses or gives back a share is conditioned on the position still
 * being held by this owner and epoch.
 * <p>
 * Over 350 lines: a position's life (claim, use, settlement, give-back, release) shares the
 * held epoch and the per-window record of spent shares, which every step must see the same.
 */
final class ColdShares {

	private static final Log logger = LogFactory.getLog(ColdShares.class);

	/** Windows a settlement statement carries. */
	static final int WINDOWS_PER_STATEMENT = 1000;

	/** Bind parameters a statement may carry (PostgreSQL's limit is 32,767). */
	private static final int PARAMETERS_PER_STATEMENT = 30_000;

	private final JdbcTemplate jdbc;

	private final TransactionTemplate transactions;

	private final ShareSql sql;

	private final SingletonSupplier<DatabaseSql> batchSql;

	private final Clock clock;

	private final int positions;

	private final String owner;

	private final Duration expiry;

	private final Duration idleReturn;

	/** The position and epoch this instance holds, {@code null} when none. */
	private volatile @Nullable Held held;

	/** No share of a window that started before this (epoch millis) may be used by this position. */
	private volatile long fencedBeforeMillis = Long.MAX_VALUE;

	/** This epoch admits from shares only before this (epoch millis): its last heartbeat plus the expiry. */
	private volatile long validUntilMillis;

	private volatile boolean closing;

	/** Taken to start using a share; the close takes it exclusively to stop that. */
	private final ReentrantReadWriteLock admission = new ReentrantReadWriteLock();

	/** Windows whose share this epoch uses ({@code false}) or may no longer use ({@code true}). */
	private final Map<ShareKey, Boolean> spent = new ConcurrentHashMap<>();

	ColdShares(JdbcTemplate jdbc, TransactionTemplate transactions, ShareSql sql, SingletonSupplier<DatabaseSql> batchSql,
			Clock clock, int positions, String owner, LeaseSettings settings) {
		this.jdbc = jdbc;
		this.transactions = transactions;
		this.sql = sql;
		this.batchSql = batchSql;
		this.clock = clock;
		this.positions = positions;
		this.owner = owner;
		this.expiry = settings.expiry();
		this.idleReturn = settings.idleReturn();
	}

	/** The name of a position's share rows in the lease table. */
	static String shareName(int position) {
		return "#" + position;
	}

	/** The position a lease row is the share of, or -1 for an instance's lease. */
	static int positionOf(String instance) {
		return instance.startsWith("#") ? Integer.parseInt(instance.substring(1)) : -1;
	}

	/** Position {@code p}'s share of a limit: the shares of all positions sum to the limit. */
	static BigDecimal share(BigDecimal limit, int p, int positions) {
		BigDecimal whole = limit.setScale(0, RoundingMode.FLOOR);
		BigDecimal[] split = whole.divideAndRemainder(BigDecimal.valueOf(positions));
		BigDecimal share = split[0].add((p < split[1].intValue()) ? BigDecimal.ONE : BigDecimal.ZERO);
		return (p == 0) ? share.add(limit.subtract(whole)) : share;
	}

	/** Claims a free or expired position, if none is held. */
	void claim() {
		if (this.held != null || this.closing) {
			return;
		}
		long now = this.clock.millis();
		for (int p = 0; p < this.positions; p++) {
			try {
				boolean claimed = this.jdbc.update(this.sql.claim, this.owner, now, now, now, p,
						now - this.expiry.toMillis()) == 1;
				if (!claimed) {
					try {
						claimed = this.jdbc.update(this.sql.insertPosition, p, this.owner, now, now) == 1;
					}
					catch (DataIntegrityViolationException ex) {
						// Another instance holds it.
					}
				}
				if (claimed) {
					held(p, now);
					return;
				}
			}
			catch (RuntimeException ex) {
				logger.warn("Could not claim a cold-share position: " + ex.getMessage());
				return;
			}
		}
	}

	private void held(int p, long now) {
		Map<String, Object> row = this.jdbc.queryForMap(this.sql.selectClaimed, p, this.owner);
		long claimedEpoch = ((Number) row.get("epoch")).longValue();
		long fence = ((Number) row.get("fenced_before")).longValue();
		// The windows whose rows exist without this position's share: given back or used by an
		// earlier epoch. They go the lease way. (Every row created from now on has the share.)
		long since = now / 1000 - Duration.ofDays(40).toSeconds();
		this.jdbc.query(this.sql.selectGivenBack, (rs) -> {
			this.spent.put(new ShareKey(rs.getString(1), rs.getString(2), rs.getString(3), rs.getLong(4)), Boolean.TRUE);
		}, since, shareName(p));
		this.fencedBeforeMillis = fence;
		this.validUntilMillis = now + this.expiry.toMillis();
		this.held = new Held(p, claimedEpoch);
	}

	/**
	 * This position's share of a window with no settled use yet, for a budget to admit from
	 * before the window's row exists; marks the window's share as in use.
	 * @return the share, or {@code null} when the window goes the lease way
	 */
	@Nullable BigDecimal open(WindowKey key, BigDecimal limit) {
		Held at = this.held;
		if (at == null || this.closing || this.clock.millis() >= this.validUntilMillis
				|| key.start().toEpochMilli() < this.fencedBeforeMillis) {
			return null;
		}
		BigDecimal share = share(limit, at.position(), this.positions);
		if (share.signum() <= 0) {
			return null;
		}
		if (!this.admission.readLock().tryLock()) {
			return null;
		}
		try {
			if (this.closing) {
				return null;
			}
			Boolean was = this.spent.putIfAbsent(ShareKey.of(key), Boolean.FALSE);
			return (was == null || !was) ? share : null;
		}
		finally {
			this.admission.readLock().unlock();
		}
	}

	/** A window this instance leases the usual way: its share is never used by this epoch. */
	void spend(WindowKey key) {
		if (this.held != null) {
			this.spent.putIfAbsent(ShareKey.of(key), Boolean.TRUE);
		}
	}

	long validUntilMillis() {
		return this.validUntilMillis;
	}

	/**
	 * Creates the rows of windows that have none, each reserving every position's share (granted
	 * = the limit), so whatever any position admitted from its share is covered.
	 * @param limits the limit by window
	 */
	void create(Map<WindowKey, BigDecimal> limits) {
		List<WindowKey> keys = new ArrayList<>(limits.keySet());
		for (int from = 0; from < keys.size(); from += WINDOWS_PER_STATEMENT) {
			List<WindowKey> part = keys.subList(from, Math.min(keys.size(), from + WINDOWS_PER_STATEMENT));
			createInTransaction(part, limits, null, 0);
		}
	}

	/**
	 * Settles provisional budgets: creates the rows of their windows (reserving every share) and
	 * turns this position's share of each into this instance's lease, while the position is held.
	 * A budget whose share could not be turned into a lease admits nothing more from it.
	 * @param instance this instance's lease name
	 * @param expiresAtMillis the new leases' expiry
	 */
	synchronized void settle(List<LeaseBudget> budgets, String instance, long expiresAtMillis) {
		List<LeaseBudget> open = new ArrayList<>();
		for (LeaseBudget budget : budgets) {
			if (budget.provisional) {
				open.add(budget);
			}
		}
		for (int from = 0; from < open.size(); from += WINDOWS_PER_STATEMENT) {
			List<LeaseBudget> part = open.subList(from, Math.min(open.size(), from + WINDOWS_PER_STATEMENT));
			Map<WindowKey, BigDecimal> limits = new HashMap<>();
			part.forEach((budget) -> limits.put(budget.key, budget.limit));
			List<WindowKey> keys = new ArrayList<>(limits.keySet());
			Set<WindowKey> converted;
			try {
				converted = createInTransaction(keys, limits, instance, expiresAtMillis);
			}
			catch (RuntimeException ex) {
				logger.warn("Could not settle " + part.size() + " cold shares: " + ex.getMessage());
				continue;
			}
			for (LeaseBudget budget : part) {
				this.spent.put(ShareKey.of(budget.key), Boolean.TRUE);
				if (converted.contains(budget.key)) {
					budget.expiresAtMillis = expiresAtMillis;
					budget.allocationKnown = true;
					budget.unknown = false;
				}
				else {
					// Not this epoch's share (the position was lost): nothing more is admitted from it.
					budget.expiresAtMillis = 0;
					budget.drain(false);
					budget.allocationKnown = false;
				}
				budget.provisional = false;
			}
		}
	}

	/** @return the windows whose share became {@code instance}'s lease (none when it is null) */
	private Set<WindowKey> createInTransaction(List<WindowKey> keys, Map<WindowKey, BigDecimal> limits,
			@Nullable String instance, long expiresAtMillis) {
		for (int attempt = 0;; attempt++) {
			try {
				Set<WindowKey> converted = this.transactions
					.execute((status) -> createAndConvert(keys, limits, instance, expiresAtMillis));
				return (converted != null) ? converted : Set.of();
			}
			catch (DataIntegrityViolationException ex) {
				// H2's merge can race with another instance's insert: once that commits, the next
				// attempt sees its row.
				if (attempt >= 10) {
					throw ex;
				}
				try {
					Thread.sleep(ThreadLocalRandom.current().nextLong(5, 20L * (attempt + 1)));
				}
				catch (InterruptedException interrupted) {
					Thread.currentThread().interrupt();
					throw ex;
				}
			}
		}
	}

	private Set<WindowKey> createAndConvert(List<WindowKey> keys, Map<WindowKey, BigDecimal> limits,
			@Nullable String instance, long expiresAtMillis) {
		DatabaseSql sql = this.batchSql.obtain();
		// A token no other change of the rows produces (they add one): the rows carrying it are ours.
		long token = ThreadLocalRandom.current().nextLong(1L << 40, Long.MAX_VALUE / 2);
		List<Object> args = new ArrayList<>(keys.size() * 6);
		for (WindowKey key : keys) {
			addKey(args, key);
			args.add(limits.get(key));
			args.add(token);
		}
		this.jdbc.update(LedgerDatabase.plannedEachExecution(sql.insertTokenAllocations(keys.size()), args.toArray()));
		List<Object> keyArgs = new ArrayList<>(keys.size() * 4 + 1);
		keys.forEach((key) -> addKey(keyArgs, key));
		keyArgs.add(token);
		Map<ShareKey, WindowKey> byShare = new HashMap<>();
		keys.forEach((key) -> byShare.put(ShareKey.of(key), key));
		List<WindowKey> created = new ArrayList<>();
		this.jdbc.query(LedgerDatabase.plannedEachExecution(sql.selectGranted(keys.size()), keyArgs.toArray()),
				(org.springframework.jdbc.core.RowCallbackHandler) (rs) -> {
					WindowKey key = byShare.get(new ShareKey(rs.getString(1), rs.getString(2), rs.getString(3),
							rs.getLong(4)));
					if (key != null) {
						created.add(key);
					}
				});
		insertShares(created, limits);
		if (instance == null) {
			return Set.of();
		}
		List<Object> convert = new ArrayList<>(keys.size() * 4 + 6);
		convert.add(instance);
		convert.add(expiresAtMillis);
		Held at = this.held;
		if (at == null) {
			return Set.of();
		}
		convert.add(shareName(at.position()));
		keys.forEach((key) -> addKey(convert, key));
		convert.add(at.position());
		convert.add(this.owner);
		convert.add(at.epoch());
		// The position's row is locked first: a claim by another epoch waits for this transaction,
		// and reads which shares exist only after it.
		boolean holds = !this.jdbc.queryForList(this.sql.lockHeld, at.position(), this.owner, at.epoch()).isEmpty();
		int updated = holds ? this.jdbc.update(this.sql.convert(keys.size()), convert.toArray()) : 0;
		if (updated == keys.size()) {
			return new HashSet<>(keys);
		}
		Set<WindowKey> converted = new HashSet<>();
		if (updated > 0) {
			List<Object> leased = new ArrayList<>(keys.size() * 4 + 1);
			leased.add(instance);
			keys.forEach((key) -> addKey(leased, key));
			this.jdbc.query(this.sql.selectLeased(keys.size()), (rs) -> {
				WindowKey key = byShare.get(new ShareKey(rs.getString(1), rs.getString(2), rs.getString(3), rs.getLong(4)));
				if (key != null) {
					converted.add(key);
				}
			}, leased.toArray());
		}
		return converted;
	}

	/** Every position's share row of each window this transaction created. */
	private void insertShares(List<WindowKey> created, Map<WindowKey, BigDecimal> limits) {
		int rowsPerStatement = Math.max(this.positions, PARAMETERS_PER_STATEMENT / 7 / this.positions * this.positions);
		List<Object> args = new ArrayList<>();
		int rows = 0;
		// Wall time, not the clock of leases: it only says when the holder gives an unused share back.
		long now = System.currentTimeMillis();
		for (WindowKey key : created) {
			for (int p = 0; p < this.positions; p++) {
				addKey(args, key);
				args.add(shareName(p));
				args.add(share(limits.get(key), p, this.positions));
				// A share row's expiry column says when it was made (wall time): it never lapses (only a
				// fence or its holder ends it); its holder gives it back once idle-return old and unused.
				args.add(now);
				rows++;
			}
			if (rows >= rowsPerStatement) {
				this.jdbc.update(this.sql.insertShares(rows), args.toArray());
				args.clear();
				rows = 0;
			}
		}
		if (rows > 0) {
			this.jdbc.update(this.sql.insertShares(rows), args.toArray());
		}
	}

	/**
	 * Renews the position (or claims one when none is held); a position another instance took
	 * meanwhile is lost, and nothing more is admitted from its shares.
	 */
	void heartbeat() {
		if (this.closing) {
			return;
		}
		Held at = this.held;
		if (at == null) {
			claim();
			return;
		}
		int p = at.position();
		long now = this.clock.millis();
		try {
			if (this.jdbc.update(this.sql.heartbeat, now, p, this.owner, at.epoch()) == 1) {
				this.validUntilMillis = now + this.expiry.toMillis();
			}
			else {
				logger.warn("Lost cold-share position " + p + " to another instance");
				this.validUntilMillis = 0;
				this.held = null;
			}
		}
		catch (RuntimeException ex) {
			logger.warn("Could not renew cold-share position " + p + ": " + ex.getMessage());
		}
	}

	/**
	 * Gives back this position's shares reserved for at least {@code idle-return} in windows this
	 * epoch does not use, so other instances can lease them.
	 */
	void giveBackIdle() {
		Held at = this.held;
		if (at == null || this.closing) {
			return;
		}
		giveBackShares(at, System.currentTimeMillis() - this.idleReturn.toMillis(), false);
	}

	/**
	 * Gives back the position's unused shares made before a time, and releases the position if
	 * asked, all only while {@code at} still holds it (its row locked first).
	 * @return whether {@code at} held the position
	 */
	synchronized boolean giveBackShares(Held at, long madeBefore, boolean releasePosition) {
		int p = at.position();
		List<ShareKey> found = new ArrayList<>();
		this.jdbc.query(this.sql.selectIdleShares, (rs) -> {
			found.add(new ShareKey(rs.getString(1), rs.getString(2), rs.getString(3), rs.getLong(4)));
		}, shareName(p), madeBefore);
		List<ShareKey> unused = new ArrayList<>();
		for (ShareKey key : found) {
			// A fenced window's share may hold an earlier epoch's unreported use: a reconciliation
			// reclaims it against the ledger, never this.
			if (key.start() * 1000 < this.fencedBeforeMillis) {
				continue;
			}
			Boolean was = this.spent.putIfAbsent(key, Boolean.TRUE);
			if (was == null || was) {
				unused.add(key);
			}
		}
		Boolean done = this.transactions.execute((status) -> {
			if (this.jdbc.queryForList(this.sql.lockHeld, p, this.owner, at.epoch()).isEmpty()) {
				return false;
			}
			for (int from = 0; from < unused.size(); from += WINDOWS_PER_STATEMENT) {
				List<ShareKey> part = unused.subList(from, Math.min(unused.size(), from + WINDOWS_PER_STATEMENT));
				List<Object> args = new ArrayList<>(part.size() * 4 + 5);
				args.add(shareName(p));
				part.forEach((key) -> key.addTo(args));
				args.add(shareName(p));
				args.add(p);
				args.add(this.owner);
				args.add(at.epoch());
				this.jdbc.update(this.sql.giveBackShares(part.size()), args.toArray());
				List<Object> delete = new ArrayList<>(part.size() * 4 + 4);
				delete.add(shareName(p));
				part.forEach((key) -> key.addTo(delete));
				delete.add(p);
				delete.add(this.owner);
				delete.add(at.epoch());
				this.jdbc.update(this.sql.deleteShares(part.size()), delete.toArray());
			}
			if (releasePosition) {
				return this.jdbc.update(this.sql.release, p, this.owner, at.epoch()) == 1;
			}
			return true;
		});
		return Boolean.TRUE.equals(done);
	}

	/** Stops every new use of a share: called first at close, before the settlement. */
	void stopAdmitting() {
		this.admission.writeLock().lock();
		try {
			this.closing = true;
			this.validUntilMillis = 0;
		}
		finally {
			this.admission.writeLock().unlock();
		}
	}

	/**
	 * After every use was settled: gives back the shares still reserved and releases the position
	 * cleanly, in one transaction that holds the position's row. When a settlement failed the
	 * position is left to expire instead, so its next holder is fenced off the windows it may
	 * have used.
	 */
	void release(boolean provisionalLeft) {
		Held at = this.held;
		this.held = null;
		// A share marked in use and never settled (its budget forgotten unsettled) is covered only by
		// its share row: then the position expires instead, and its next holder is fenced.
		if (at == null || provisionalLeft || this.spent.containsValue(Boolean.FALSE)) {
			return;
		}
		try {
			giveBackShares(at, Long.MAX_VALUE, true);
		}
		catch (RuntimeException ex) {
			logger.warn("Could not release cold-share position " + at.position() + ": " + ex.getMessage());
		}
	}

	/** Stops as a killed instance would: no statement, no release (for tests). */
	void abandon() {
		this.closing = true;
		this.validUntilMillis = 0;
		this.held = null;
	}

	/** Whether a window's share is reclaimable: it starts before its position's fence. */
	static boolean fenced(long windowStartSecond, int position, Map<Integer, Long> fences) {
		Long fence = fences.get(position);
		return fence != null && windowStartSecond * 1000 < fence;
	}

	int position() {
		Held at = this.held;
		return (at != null) ? at.position() : -1;
	}

	/** @return the position and epoch held now, {@code null} when none (for tests) */
	@Nullable Held held() {
		return this.held;
	}

	/** A position as one epoch holds it. */
	record Held(int position, long epoch) {
	}

	private static void addKey(List<Object> args, WindowKey key) {
		args.add(key.scope());
		args.add(key.meter());
		args.add(key.window().id());
		args.add(key.startSecond());
	}

	/** A window as its rows name it. */
	record ShareKey(String scope, String meter, String kind, long start) {

		static ShareKey of(WindowKey key) {
			return new ShareKey(key.scope(), key.meter(), key.window().id(), key.startSecond());
		}

		void addTo(List<Object> args) {
			args.add(this.scope);
			args.add(this.meter);
			args.add(this.kind);
			args.add(this.start);
		}

	}

}
