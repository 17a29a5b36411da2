package dev.metering.admin;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import dev.metering.internal.sql.FeatureSql;

import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The runtime feature values' table. Writes run in the caller's transaction ({@link MeteringAdmin}
 * holds it); enforcement reads every row at once, through {@link CachedDefinitionReads}.
 */
final class FeatureRows {

	private final JdbcTemplate jdbc;

	private final FeatureSql sql;

	FeatureRows(JdbcTemplate jdbc, FeatureSql sql) {
		this.jdbc = jdbc;
		this.sql = sql;
	}

	/** Every row, as values by feature under {@code plan:<name>} or {@code tenant:<id>}. */
	Map<String, Map<String, String>> all() {
		Map<String, Map<String, String>> all = new HashMap<>();
		this.jdbc.query(this.sql.selectAll, (java.sql.ResultSet rs) -> {
			all.computeIfAbsent(rs.getString(1) + ":" + rs.getString(2), (key) -> new HashMap<>())
				.put(rs.getString(3), rs.getString(4));
		});
		all.replaceAll((key, values) -> Map.copyOf(values));
		return Map.copyOf(all);
	}

	Optional<String> value(String kind, String scope, String feature) {
		List<String> values = this.jdbc.queryForList(this.sql.selectValue, String.class, kind, scope, feature);
		return values.stream().findFirst();
	}

	void save(String kind, String scope, String feature, String value, boolean exists, long now) {
		if (exists) {
			this.jdbc.update(this.sql.update, value, now, kind, scope, feature);
		}
		else {
			this.jdbc.update(this.sql.insert, kind, scope, feature, value, now);
		}
	}

	void delete(String kind, String scope, String feature) {
		this.jdbc.update(this.sql.delete, kind, scope, feature);
	}

}
