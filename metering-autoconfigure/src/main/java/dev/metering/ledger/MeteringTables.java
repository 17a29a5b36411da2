package dev.metering.ledger;

import dev.metering.internal.sql.TableNames;

/**
 * The kit's table names under one prefix ({@code metering.jdbc.table-prefix}, default
 * {@code metering_}). The prefix is checked once here, so no SQL is ever built from
 * anything but letters, digits, {@code _} and a schema-separating {@code .}.
 *
 * @param prefix the table name prefix
 */
public record MeteringTables(String prefix) {

	/** The default prefix, and the one the shipped schema scripts use. */
	public static final String DEFAULT_PREFIX = "metering_";


	public MeteringTables {
		TableNames.checkPrefix(prefix);
	}

	/**
	 * The placeholder of the table prefix in the kit's statements, resolved once by
	 * {@link #resolve(String)} when the class that runs them is built.
	 */
	public static final String PREFIX_PLACEHOLDER = TableNames.PREFIX_PLACEHOLDER;

	/**
	 * A statement written with {@link #PREFIX_PLACEHOLDER} before every table name, for these
	 * tables.
	 * @param sql the statement
	 * @return the statement with this prefix
	 */
	public String resolve(String sql) {
		return names().resolve(sql);
	}

	/** The kit's tables with the default prefix. */
	public static MeteringTables defaults() {
		return new MeteringTables(DEFAULT_PREFIX);
	}

	/**
	 * The prefix of the names of constraints and indexes: the table prefix without its schema,
	 * since those names live in their table's schema and may not be qualified.
	 * @return the prefix after the last {@code .}
	 */
	public String namePrefix() {
		return this.prefix.substring(this.prefix.lastIndexOf('.') + 1);
	}

	/** The append-only usage ledger. */
	public String usageEvent() {
		return names().usageEvent();
	}

	/** Sums of ledger batches by rollup key, written with the batch, for the rollup to fold (PostgreSQL). */
	public String usageEventSum() {
		return names().usageEventSum();
	}

	/**
	 * The defined meters' aggregates of ledger batches, written with the batch, for their fold to
	 * read instead of the rows (PostgreSQL).
	 */
	public String meterBatch() {
		return names().meterBatch();
	}

	/** Hourly rollups of the ledger. */
	public String usageRollup() {
		return names().usageRollup();
	}

	/** Hourly usage per user, folded with the rollups (top users). */
	public String usageUserRollup() {
		return names().usageUserRollup();
	}

	/** Daily usage per user, folded with the hourly per-user rollups (top users over whole days). */
	public String usageUserDay() {
		return names().usageUserDay();
	}

	/** Finalized invoices. */
	public String invoice() {
		return names().invoice();
	}

	/** Hourly rollups of defined meters, per group. */
	public String meterRollup() {
		return names().meterRollup();
	}

	/** The groups of each tenant's meter per month, at most its max-groups. */
	public String meterGroup() {
		return names().meterGroup();
	}

	/** The distinct values of unique-count meters per tenant, billing scope, month and group. */
	public String meterDistinct() {
		return names().meterDistinct();
	}

	/** The rollup's progress: its watermark, one row per rollup. */
	public String rollupState() {
		return names().rollupState();
	}

	/** Ledger ids below the rollup's watermark that it has not seen yet. */
	public String rollupGap() {
		return names().rollupGap();
	}

	/** The same names as the kit's statements use: each table is named in one place. */
	private TableNames names() {
		return new TableNames(this.prefix);
	}

}
