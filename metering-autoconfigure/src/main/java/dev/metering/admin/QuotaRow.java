package dev.metering.admin;

import java.math.BigDecimal;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import dev.metering.internal.json.DimensionsJson;

import dev.metering.quota.Enforcement;
import dev.metering.quota.QuotaPolicy;
import dev.metering.quota.QuotaWindow;

import org.jspecify.annotations.Nullable;

/**
 * One quota of a plan or tenant as the admin API takes it and the database keeps it; validated by
 * {@link MeteringAdmin} before it is stored.
 *
 * @param meter the limited meter
 * @param window the window
 * @param limit the most usage per window, not negative
 * @param enforcement what happens over the limit
 * @param softThreshold optional fraction of the limit in (0, 1] from which a warning is published
 * @param filter dimension values the quota is limited to, empty for every event of the meter
 * @param thresholds the notification thresholds, each a percentage of the limit ({@code 80%}) or
 * an amount ({@code 800}) as validated, empty for none
 */
public record QuotaRow(String meter, QuotaWindow window, BigDecimal limit, Enforcement enforcement,
		@Nullable Double softThreshold, Map<String, String> filter, List<String> thresholds) {

	/** The longest list of thresholds the database's {@code thresholds} column holds. */
	static final int MAX_THRESHOLDS_COLUMN = 255;

	public QuotaRow {
		filter = (filter == null || filter.isEmpty()) ? Map.of() : java.util.Collections.unmodifiableMap(new TreeMap<>(filter));
		thresholds = (thresholds == null) ? List.of() : List.copyOf(thresholds);
	}

	/**
	 * A row without thresholds.
	 * @param meter the limited meter
	 * @param window the window
	 * @param limit the most usage per window
	 * @param enforcement what happens over the limit
	 * @param softThreshold optional warning fraction
	 * @param filter dimension values the quota is limited to
	 */
	public QuotaRow(String meter, QuotaWindow window, BigDecimal limit, Enforcement enforcement,
			@Nullable Double softThreshold, Map<String, String> filter) {
		this(meter, window, limit, enforcement, softThreshold, filter, List.of());
	}

	/**
	 * A row of every event of its meter.
	 * @param meter the limited meter
	 * @param window the window
	 * @param limit the most usage per window
	 * @param enforcement what happens over the limit
	 * @param softThreshold optional warning fraction
	 */
	public QuotaRow(String meter, QuotaWindow window, BigDecimal limit, Enforcement enforcement,
			@Nullable Double softThreshold) {
		this(meter, window, limit, enforcement, softThreshold, Map.of());
	}

	/** The longest filter the database's {@code filter_key} column holds. */
	static final int MAX_FILTER_COLUMN = 255;

	static int filterColumnLength(Map<String, String> filter) {
		return DimensionsJson.encodedLength(new TreeMap<>(filter));
	}

	/** The filter as the database keeps it: a JSON object by dimension name, {@code ''} for none. */
	String filterColumn() {
		String json = DimensionsJson.encode(this.filter);
		return (json != null) ? json : "";
	}

	/** The thresholds as the database keeps them: {@code 50%,80%,800}, {@code null} for none. */
	@Nullable String thresholdsColumn() {
		return this.thresholds.isEmpty() ? null : String.join(",", this.thresholds);
	}

	/** The thresholds of a database column. */
	static List<String> thresholdsOf(@Nullable String column) {
		return (column == null || column.isEmpty()) ? List.of() : Arrays.asList(column.split(","));
	}

	/** The filter of a database column. */
	static Map<String, String> filterOf(@Nullable String column) {
		return (column == null || column.isEmpty()) ? Map.of() : DimensionsJson.decode(column);
	}

	/** The row's key in the audit trail: {@code llm.tokens[model=gpt-4o]/month}. */
	String target() {
		return this.meter + (this.filter.isEmpty() ? "" : "[" + QuotaPolicy.filterKey(this.filter) + "]") + "/"
				+ this.window.id();
	}

	/**
	 * The policy of this row.
	 * @param owner the plan or tenant it belongs to (the policy name's first part)
	 * @return the policy
	 */
	public QuotaPolicy toPolicy(String owner) {
		return new QuotaPolicy(QuotaPolicy.nameOf(owner, this.meter, this.filter, this.window), this.meter, this.limit,
				this.window, this.enforcement, this.softThreshold, this.filter);
	}

	/** The audit trail's text of this row. */
	String describe() {
		return "limit=" + this.limit.stripTrailingZeros().toPlainString() + " enforcement=" + this.enforcement.id()
				+ ((this.softThreshold != null) ? " soft-threshold=" + this.softThreshold : "")
				+ (this.filter.isEmpty() ? "" : " filter=" + QuotaPolicy.filterKey(this.filter))
				+ (this.thresholds.isEmpty() ? "" : " thresholds=" + String.join(",", this.thresholds));
	}

}
