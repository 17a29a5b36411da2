package dev.metering.quota;

import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import javax.sql.DataSource;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import dev.metering.internal.sql.AdmissionSql;
import dev.metering.internal.sql.TableNames;
import dev.metering.ledger.MeteringTables;

import org.springframework.dao.DuplicateKeyException;
import org.springframework.dao.PessimisticLockingFailureException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * {@link QuotaAdmissions} in the kit's database: a row per (scope, meter, filter, window) whose
 * {@code used} an admission raises while it holds the row's lock, in one transaction with the
 * distinct value it inserts. So the check and the raise are one step for every instance: no
 * number of instances can admit the (limit+1)-th distinct value, or pass a filtered hard limit.
 * <p>
 * A distinct value this instance has seen admitted is remembered for its window: a call of a
 * value already counted (the same user again) is admitted without the database, as it always
 * would be. Rows of windows that ended more than a month ago are deleted now and then, after an
 * admission and apart from it: a failure of the clean-up never decides an admission.
 */
public final class JdbcQuotaAdmissions implements QuotaAdmissions {

	private static final Log logger = LogFactory.getLog(JdbcQuotaAdmissions.class);

	/** Rows are kept this long after their window started: a month is the longest window. */
	private static final Duration KEEP = Duration.ofDays(63);

	private static final Duration CLEAN_EVERY = Duration.ofHours(1);

	/** Runs of an admission that a deadlock or lock timeout rolled back, before the failure is the caller's. */
	private static final int ATTEMPTS = 5;

	private final JdbcTemplate jdbc;

	private final TransactionTemplate transactions;

	private final AdmissionSql sql;

	private final Clock clock;

	/** Distinct values known admitted, by window: such a call needs no database. */
	private final Cache<DistinctKey, Boolean> admitted;

	/** Windows whose row exists, with the usage this instance saw last: its insert is skipped. */
	private final Cache<WindowKey, BigDecimal> rows;

	/** When this instance cleans next (epoch millis); the one call that moves it cleans. */
	private final AtomicLong nextCleanMillis = new AtomicLong();

	/**
	 * Creates the admissions.
	 * @param dataSource the kit's database
	 * @param tables the kit's table names
	 * @param clock the clock deciding which rows have ended
	 */
	public JdbcQuotaAdmissions(DataSource dataSource, MeteringTables tables, Clock clock) {
		this.jdbc = new JdbcTemplate(dataSource);
		this.transactions = new TransactionTemplate(new DataSourceTransactionManager(dataSource));
		this.sql = new AdmissionSql(new TableNames(tables.prefix()));
		this.clock = clock;
		this.admitted = Caffeine.newBuilder().maximumSize(200_000).expireAfterAccess(Duration.ofHours(2)).build();
		this.rows = Caffeine.newBuilder().maximumSize(50_000).expireAfterAccess(Duration.ofHours(2)).build();
	}

	@Override
	public Outcome admit(List<Request> requests) {
		Outcome known = knownAdmitted(requests);
		if (known != null) {
			return known;
		}
		Integer[] order = new Integer[requests.size()];
		for (int i = 0; i < order.length; i++) {
			order[i] = i;
		}
		// Windows are locked in one order by every instance: two admissions never wait on each other's rows.
		Arrays.sort(order, Comparator.comparing((Integer i) -> requests.get(i).key().lockOrder()));
		Outcome outcome = null;
		for (int attempt = 1; outcome == null; attempt++) {
			try {
				for (Request request : requests) {
					ensureRow(request.key());
				}
				outcome = admitOnce(requests, order);
			}
			catch (PessimisticLockingFailureException ex) {
				// A deadlock among range locks (InnoDB) or a lock timeout rolled this admission back whole: it
				// is safe to run again. Never the caller's failure at once: that would let on-unknown-usage
				// decide a call the database is still able to count.
				if (attempt == ATTEMPTS) {
					throw ex;
				}
			}
		}
		for (int i = 0; i < requests.size(); i++) {
			this.rows.put(requests.get(i).key(), outcome.used().get(i));
		}
		if (outcome.admitted()) {
			for (Request request : requests) {
				if (request.distinctValue() != null) {
					this.admitted.put(new DistinctKey(request.key(), request.distinctValue()), Boolean.TRUE);
				}
			}
		}
		cleanNowAndThen();
		return outcome;
	}

	/** One transaction of an admission: the windows locked in {@code order}, raised all or none. */
	private Outcome admitOnce(List<Request> requests, Integer[] order) {
		Outcome outcome = this.transactions.execute((status) -> {
			BigDecimal[] before = new BigDecimal[order.length];
			BigDecimal[] after = new BigDecimal[order.length];
			List<Integer> refused = new ArrayList<>();
			for (int i : order) {
				Request request = requests.get(i);
				WindowKey key = request.key();
				Map<String, Object> row = this.jdbc.queryForMap(this.sql.lockWindow, key.scope(), key.meter(),
						key.filterKey(), key.window().id(), key.start().getEpochSecond());
				long id = ((Number) row.get("id")).longValue();
				BigDecimal used = (BigDecimal) row.get("used");
				before[i] = used;
				after[i] = used;
				BigDecimal add = add(request, id);
				if (add.signum() == 0 && request.distinctValue() != null) {
					continue;
				}
				boolean over = (request.quantity().signum() == 0 && request.distinctValue() == null)
						? used.compareTo(request.policy().limit()) >= 0
						: used.add(add).compareTo(request.policy().limit()) > 0;
				if (request.hard() && over) {
					refused.add(i);
					continue;
				}
				if (add.signum() != 0) {
					if (request.distinctValue() != null) {
						this.jdbc.update(this.sql.insertDistinct, id, request.distinctValue());
					}
					this.jdbc.update(this.sql.addUsed, add, id);
					after[i] = used.add(add);
				}
			}
			if (!refused.isEmpty()) {
				status.setRollbackOnly();
				return new Outcome(false, Arrays.asList(before), Arrays.asList(before), refused);
			}
			return new Outcome(true, Arrays.asList(after), Arrays.asList(before), List.of());
		});
		return java.util.Objects.requireNonNull(outcome, "outcome");
	}

	/** What a request adds to its window: 1 for a new distinct value, 0 for one admitted before. */
	private BigDecimal add(Request request, long id) {
		String value = request.distinctValue();
		if (value == null) {
			return request.quantity();
		}
		boolean present = !this.jdbc.queryForList(this.sql.lockDistinct, id, value).isEmpty();
		return present ? BigDecimal.ZERO : BigDecimal.ONE;
	}

	/**
	 * The outcome of a call whose every request is a distinct value this instance saw admitted:
	 * counted already, so admitted whatever the limit; {@code null} when the database must decide.
	 */
	private @Nullable Outcome knownAdmitted(List<Request> requests) {
		for (Request request : requests) {
			String value = request.distinctValue();
			if (value == null || this.admitted.getIfPresent(new DistinctKey(request.key(), value)) == null) {
				return null;
			}
		}
		List<BigDecimal> used = new ArrayList<>(requests.size());
		for (Request request : requests) {
			// As this instance saw it last: the call adds nothing, a status read asks the database.
			BigDecimal last = this.rows.getIfPresent(request.key());
			if (last == null) {
				return null;
			}
			used.add(last);
		}
		return new Outcome(true, used, used, List.of());
	}

	private void ensureRow(WindowKey key) {
		if (this.rows.getIfPresent(key) != null) {
			return;
		}
		try {
			this.jdbc.update(this.sql.insertWindow, key.scope(), key.meter(), key.filterKey(), key.window().id(),
					key.start().getEpochSecond());
		}
		catch (DuplicateKeyException ex) {
			// Another call or instance made it first: the row is what we need.
		}
		this.rows.put(key, BigDecimal.ZERO);
	}

	@Override
	public void giveBack(List<Request> requests) {
		for (Request request : requests) {
			if (request.distinctValue() == null && request.quantity().signum() != 0) {
				WindowKey key = request.key();
				this.jdbc.update(this.sql.addUsedByKey, request.quantity().negate(), key.scope(), key.meter(),
						key.filterKey(), key.window().id(), key.start().getEpochSecond());
			}
		}
	}

	@Override
	public BigDecimal used(WindowKey key) {
		List<BigDecimal> used = this.jdbc.queryForList(this.sql.selectUsed, BigDecimal.class, key.scope(), key.meter(),
				key.filterKey(), key.window().id(), key.start().getEpochSecond());
		return used.isEmpty() ? BigDecimal.ZERO : used.get(0);
	}

	/**
	 * Deletes the rows of windows long ended, at most once an hour per instance. Each statement
	 * locks only the ended rows it deletes; a failure (a deadlock with an admission) is logged, and
	 * the rest waits for the next clean-up.
	 */
	private void cleanNowAndThen() {
		long now = this.clock.millis();
		long next = this.nextCleanMillis.get();
		if (now < next || !this.nextCleanMillis.compareAndSet(next, now + CLEAN_EVERY.toMillis())) {
			return;
		}
		long before = (now - KEEP.toMillis()) / 1000;
		try {
			List<Long> ended;
			do {
				ended = this.jdbc.queryForList(this.sql.selectEndedWindows, Long.class, before);
				for (Long id : ended) {
					this.jdbc.update(this.sql.deleteDistinctOfWindow, id);
					this.jdbc.update(this.sql.deleteWindow, id);
				}
			}
			while (ended.size() == AdmissionSql.CLEAN_BATCH);
		}
		catch (RuntimeException ex) {
			if (logger.isWarnEnabled()) {
				logger.warn("Quota admissions: rows of ended windows not deleted (" + ex.getMessage()
						+ "); the next clean-up deletes them");
			}
		}
	}

	private record DistinctKey(WindowKey window, String value) {
	}

}
