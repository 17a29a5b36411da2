package dev.metering.faults;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.LongSupplier;

import dev.metering.test.TestDatabase;
import dev.metering.test.TestSchema;

/**
 * What the fault scenarios share: durations (short in {@code mvn verify}, long with
 * {@code -Pfaults}), the child app's settings on a test schema, and ledger counts of a tenant.
 */
final class FaultHarness {

	/** How long a fault lasts: {@code metering.faults.duration}, 5 s unless the faults profile sets it. */
	static final Duration FAULT = Duration.parse(System.getProperty("metering.faults.duration", "PT5S"));

	/** Load before a fault is injected. */
	static final Duration WARM_UP = Duration.ofSeconds(3);

	static final Duration RECOVERY_TIMEOUT = Duration.ofMinutes(3);

	static final int CLIENTS = 4;

	private FaultHarness() {
	}

	static String tenant(String scenario) {
		return scenario + "-" + UUID.randomUUID().toString().substring(0, 8);
	}

	/**
	 * The sample app's properties on the test schema.
	 * @param schema the tables
	 * @param jdbcUrl the database URL (direct, or through a proxy)
	 * @param spool the spool directory, or {@code null} for no spool
	 * @param extra more properties
	 * @return command-line properties, without the leading dashes
	 */
	static List<String> properties(TestSchema schema, String jdbcUrl, Path spool, String... extra) {
		List<String> properties = new ArrayList<>(List.of("spring.datasource.url=" + jdbcUrl,
				"spring.datasource.username=", "spring.datasource.hikari.connection-timeout=2000",
				"metering.jdbc.initialize-schema=never", "metering.jdbc.table-prefix=" + schema.prefix(),
				"metering.rollup.enabled=false", "logging.level.dev.metering=INFO"));
		if (spool != null) {
			properties.add("metering.writer.spool.enabled=true");
			properties.add("metering.writer.spool.directory=" + spool.toAbsolutePath());
		}
		properties.addAll(List.of(extra));
		return properties;
	}

	/** The PostgreSQL URL with another host port (the proxy's) and an application name. */
	static String postgresUrl(int port, String applicationName) {
		String url = TestDatabase.POSTGRESQL.jdbcUrl();
		if (port > 0) {
			url = url.replaceFirst("//[^/]+/", "//127.0.0.1:" + port + "/");
		}
		return url + (url.contains("?") ? "&" : "?") + "ApplicationName=" + applicationName;
	}

	/** Rows of a tenant, and distinct event ids among them. */
	static long[] ledger(TestSchema schema, String tenant) {
		Map<String, Object> row = schema.jdbc()
			.queryForMap("select count(*) as n, count(distinct event_id) as d from " + schema.tables().usageEvent()
					+ " where tenant_id = ?", tenant);
		return new long[] { ((Number) row.get("n")).longValue(), ((Number) row.get("d")).longValue() };
	}

	/**
	 * Waits until the ledger holds at least the expected rows of a tenant.
	 * @return the time it took, or {@code null} if it did not happen within the timeout
	 */
	static Duration awaitLedger(TestSchema schema, String tenant, LongSupplier expected) {
		long start = System.nanoTime();
		long deadline = start + RECOVERY_TIMEOUT.toNanos();
		while (System.nanoTime() < deadline) {
			if (ledger(schema, tenant)[0] >= expected.getAsLong()) {
				return Duration.ofNanos(System.nanoTime() - start);
			}
			SteadyLoad.sleep(100);
		}
		return null;
	}

	static Path spoolDirectory(String name) {
		return Path.of("target", "faults", "spool-" + name + "-" + UUID.randomUUID().toString().substring(0, 8));
	}

}
