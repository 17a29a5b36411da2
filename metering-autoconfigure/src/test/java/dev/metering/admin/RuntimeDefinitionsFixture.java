package dev.metering.admin;

import java.math.BigDecimal;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import dev.metering.quota.ConfiguredQuotaDefinitions;
import dev.metering.quota.ConfiguredQuotaDefinitions.TenantEntry;
import dev.metering.quota.Enforcement;
import dev.metering.quota.QuotaPolicy;
import dev.metering.quota.QuotaWindow;
import dev.metering.quota.bus.InProcessInvalidationBus;
import dev.metering.quota.bus.QuotaInvalidation;
import dev.metering.test.TestSchema;

import org.springframework.jdbc.support.JdbcTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * A {@link MeteringAdmin} on a test schema, over configured definitions: plan {@code free}
 * (100 api.calls a day, hard) as the default plan, and tenant {@code acme} on it.
 */
final class RuntimeDefinitionsFixture {

	static final Instant NOW = Instant.parse("2026-12-01T10:00:00Z");

	final TestSchema schema;

	final JdbcRuntimeDefinitions store;

	final LayeredQuotaDefinitions definitions;

	final List<QuotaInvalidation> published = new ArrayList<>();

	final MeteringAdmin admin;

	RuntimeDefinitionsFixture(TestSchema schema) {
		this.schema = schema;
		this.store = new JdbcRuntimeDefinitions(schema.dataSource(), schema.tables(), schema::dialect);
		this.definitions = new LayeredQuotaDefinitions(configured(), this.store);
		Consumer<QuotaInvalidation> receiver = this.published::add;
		this.admin = new MeteringAdmin(this.store, this.definitions,
				new TransactionTemplate(new JdbcTransactionManager(schema.dataSource())),
				new InProcessInvalidationBus(receiver), Clock.fixed(NOW, ZoneOffset.UTC));
	}

	static ConfiguredQuotaDefinitions configured() {
		QuotaPolicy free = new QuotaPolicy("free-api.calls-day", "api.calls", BigDecimal.valueOf(100), QuotaWindow.DAY,
				Enforcement.HARD, null);
		return new ConfiguredQuotaDefinitions(Map.of("free", List.of(free)),
				Map.of("acme", new TenantEntry("free", List.of(), false)), "free");
	}

	/** Every row of the runtime definitions' tables, as text: what "nothing changed" compares. */
	List<String> allRows() {
		List<String> rows = new ArrayList<>();
		for (String table : List.of("plan", "plan_quota", "tenant", "tenant_quota", "quota_audit")) {
			this.schema.jdbc()
				.query("SELECT * FROM " + this.schema.prefix() + table,
						(rs) -> {
							StringBuilder row = new StringBuilder(table);
							for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
								row.append('|').append(rs.getString(i));
							}
							rows.add(row.toString());
						});
		}
		rows.sort(null);
		return rows;
	}

	static QuotaChange quota(String meter, String window, long limit) {
		return new QuotaChange(meter, window, BigDecimal.valueOf(limit), null, null);
	}

}
