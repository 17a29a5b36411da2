package dev.metering.admin;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariDataSource;
import dev.metering.quota.bus.InProcessInvalidationBus;
import dev.metering.quota.bus.QuotaInvalidation;
import dev.metering.tenant.CachedTenantDirectory;
import dev.metering.tenant.InMemoryTenantDefinitions;
import dev.metering.tenant.InvalidTenantHierarchyException;
import dev.metering.tenant.TenantDefinition;
import dev.metering.tenant.TenantHierarchy;
import dev.metering.tenant.TenantHierarchyRules;
import dev.metering.test.TestDatabase;
import dev.metering.test.TestSchema;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.jdbc.support.JdbcTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * The tenant hierarchy in the tenant table, on every database: the editor and
 * {@link MeteringAdmin#putTenant} write rows validated against the whole hierarchy (configuration
 * under rows), audit them and invalidate the lineages they touch; a rejected change writes
 * nothing; concurrent editors cannot make a cycle; rows written by hand that would break the
 * hierarchy are left out by the reader.
 * <p>
 * Configured: {@code reseller-x} → {@code org-1} → {@code project-a} (billed to org-1), and
 * {@code org-2} under {@code reseller-x}; at most 4 levels.
 */
@ExtendWith(OutputCaptureExtension.class)
class TenantHierarchyTableTests {

	static final TenantHierarchyRules RULES = new TenantHierarchyRules(4, false);

	static final Instant NOW = Instant.parse("2026-12-01T10:00:00Z");

	@ParameterizedTest
	@EnumSource(TestDatabase.class)
	void defineReparentAndRemoveArePersistedAuditedAndInvalidateTheLineagesTheyTouch(TestDatabase database) {
		try (TestSchema schema = database.newSchema()) {
			Fixture fixture = new Fixture(schema, schema.dataSource());
			fixture.editor.define(TenantDefinition.of("project-c", "org-2").billedTo("org-2"));
			assertThat(fixture.row("project-c")).isEqualTo("project-c|null|false|org-2|org-2|false");
			// The new ancestors first (their leases are given back before any new lineage is seen), the tenant last.
			assertThat(fixture.published).containsExactly(QuotaInvalidation.tenant("org-2"),
					QuotaInvalidation.tenant("reseller-x"), QuotaInvalidation.tenant("project-c"));
			assertThat(fixture.hierarchyChanged).hasValue(1);

			fixture.published.clear();
			fixture.editor.define(TenantDefinition.of("project-c", "org-2"));
			fixture.editor.reparent("project-c", "org-1");
			assertThat(fixture.row("project-c")).isEqualTo("project-c|null|false|org-1||false");
			assertThat(fixture.published).contains(QuotaInvalidation.tenant("org-1"), QuotaInvalidation.tenant("org-2"));
			// A configured tenant moved at runtime: the row wins, "" makes it a root.
			fixture.editor.reparent("org-1", null);
			assertThat(fixture.row("org-1")).isEqualTo("org-1|null|null||null|null");
			CachedTenantDirectory directory = fixture.directory(schema.dataSource());
			assertThat(directory.lineageOf("project-c").scopes()).containsExactly("project-c", "org-1");
			assertThat(directory.lineageOf("project-a").scopes()).containsExactly("project-a", "org-1");
			assertThat(fixture.editor.definitionOf("org-1")).contains(
					new TenantDefinition("org-1", null, null, null, false, false));

			assertThat(fixture.editor.remove("org-1")).isTrue();
			assertThat(fixture.editor.remove("org-1")).isFalse();
			assertThat(fixture.editor.definitionOf("org-1")).contains(TenantDefinition.of("org-1", "reseller-x"));
			assertThat(fixture.editor.remove("project-c")).isTrue();
			assertThat(fixture.editor.definitionOf("project-c")).isEmpty();
			assertThat(fixture.rows()).isEmpty();

			List<AuditEntry> audit = fixture.admin.audit("tenant:project-c", 10);
			assertThat(audit).extracting(AuditEntry::action)
				.containsExactly("remove-tenant", "reparent-tenant", "define-tenant", "define-tenant");
			assertThat(audit).allSatisfy((entry) -> {
				assertThat(entry.actor()).isEqualTo("alice");
				assertThat(entry.changedAt()).isEqualTo(NOW);
			});
			assertThat(audit.get(1).oldValue())
				.isEqualTo("plan=null exempt=false parent=org-2 billing-attribution=(itself) exempt-descendants=false");
			assertThat(audit.get(1).newValue())
				.isEqualTo("plan=null exempt=false parent=org-1 billing-attribution=(itself) exempt-descendants=false");
			assertThat(audit.get(0).newValue()).isNull();
		}
	}

	@ParameterizedTest
	@EnumSource(TestDatabase.class)
	void aChangeThatWouldBreakTheHierarchyNamesTheTenantAndLeavesTheTableUnchanged(TestDatabase database) {
		try (TestSchema schema = database.newSchema()) {
			Fixture fixture = new Fixture(schema, schema.dataSource());
			fixture.editor.define(TenantDefinition.of("project-c", "org-2"));
			fixture.editor.define(TenantDefinition.of("task-1", "project-c"));
			fixture.published.clear();
			List<String> before = fixture.allRows();

			assertRejected(() -> fixture.editor.reparent("reseller-x", "project-a"), "reseller-x", "parent",
					"a cycle: reseller-x -> project-a -> org-1 -> reseller-x");
			assertRejected(() -> fixture.editor.define(TenantDefinition.of("project-z", "org-9")), "project-z",
					"parent", "no such tenant");
			assertRejected(() -> fixture.editor.define(TenantDefinition.of("project-d", "org-2").billedTo("org-1")),
					"project-d", "billing-attribution", "not in the tenant's lineage");
			assertRejected(() -> fixture.editor.define(TenantDefinition.of("task-2", "task-1")), "task-2", "parent",
					"more than 4 levels");
			// Moving org-2 under org-1 makes task-1 five levels deep.
			assertRejected(() -> fixture.editor.reparent("org-2", "org-1"), "org-2", "parent",
					"would break tenant 'task-1'");
			assertRejected(() -> fixture.editor.remove("project-c"), "project-c", "parent", "is the parent of task-1");
			assertRejected(() -> fixture.editor.reparent("nobody", "org-1"), "nobody", "tenant-id", "no such tenant");
			assertThatExceptionOfType(DefinitionConflictException.class)
				.isThrownBy(() -> fixture.admin.deleteTenant("bob", "project-c"))
				.withMessageContaining("is the parent of task-1");
			assertInvalid(() -> fixture.admin.putTenant("bob", "org-2", new TenantChange(null, null, "project-c", null, null)),
					"parent", "a cycle");
			assertInvalid(() -> fixture.admin.putTenant("bob", "project-e",
					new TenantChange(null, null, "org-1", "org-2", null)), "billing-attribution", "lineage");
			assertInvalid(() -> fixture.admin.putTenant("bob", "project-e", new TenantChange(null, null, "org-9", null, null)),
					"parent", "no such tenant");
			assertInvalid(() -> fixture.admin.putTenant("bob", "project-e", new TenantChange(null, null, " ", null, null)),
					"parent", "a tenant id");

			assertThat(fixture.allRows()).isEqualTo(before);
			assertThat(fixture.published).isEmpty();
			assertThat(fixture.admin.audit("", 100)).hasSize(2);
		}
	}

	@ParameterizedTest
	@EnumSource(TestDatabase.class)
	void theAdminApiSetsTheHierarchyFieldsValidatedTheSameWay(TestDatabase database) {
		try (TestSchema schema = database.newSchema()) {
			Fixture fixture = new Fixture(schema, schema.dataSource());
			fixture.admin.putTenant("bob", "project-e", new TenantChange(null, null, "org-1", "reseller-x", true));
			assertThat(fixture.row("project-e")).isEqualTo("project-e|null|null|org-1|reseller-x|true");
			CachedTenantDirectory directory = fixture.directory(schema.dataSource());
			assertThat(directory.lineageOf("project-e").scopes()).containsExactly("project-e", "org-1", "reseller-x");
			assertThat(directory.billingScopeOf("project-e")).isEqualTo("reseller-x");
			// Changing the plan keeps the row's place in the hierarchy.
			fixture.admin.putTenant("bob", "project-e", new TenantChange("free", null));
			assertThat(fixture.row("project-e")).isEqualTo("project-e|free|null|org-1|reseller-x|true");
			// A plan-only change keeps the configured place in the hierarchy.
			fixture.admin.putTenant("bob", "project-a", new TenantChange("free", null));
			assertThat(directory.lineageOf("project-a").scopes()).containsExactly("project-a", "org-1", "reseller-x");
			assertThat(directory.billingScopeOf("project-a")).isEqualTo("org-1");
			// "" overrides the configured payer: project-a pays for itself.
			fixture.admin.putTenant("bob", "project-a", new TenantChange(null, null, null, "", null));
			directory.invalidateAll();
			assertThat(directory.billingScopeOf("project-a")).isEqualTo("project-a");
			fixture.admin.deleteTenant("bob", "project-a");
			directory.invalidateAll();
			assertThat(directory.billingScopeOf("project-a")).isEqualTo("org-1");
		}
	}

	@ParameterizedTest
	@EnumSource(TestDatabase.class)
	void concurrentEditorsOnSeparateConnectionsCannotMakeACycle(TestDatabase database) throws Exception {
		int editors = 4;
		List<HikariDataSource> pools = new ArrayList<>();
		ExecutorService threads = Executors.newFixedThreadPool(editors);
		try (TestSchema schema = database.newSchema()) {
			List<Fixture> instances = new ArrayList<>();
			for (int i = 0; i < editors; i++) {
				HikariDataSource pool = database.newDataSource(2);
				pools.add(pool);
				instances.add(new Fixture(schema, pool));
			}
			for (int round = 0; round < 10; round++) {
				List<String> ring = new ArrayList<>();
				for (int i = 0; i < editors; i++) {
					ring.add("ring-" + round + "-" + i);
					instances.get(0).editor.define(TenantDefinition.of(ring.get(i), null));
				}
				// Each editor closes one edge of a ring: all of them together would be a cycle.
				CyclicBarrier start = new CyclicBarrier(editors);
				List<Throwable> failures = new CopyOnWriteArrayList<>();
				List<Future<?>> done = new ArrayList<>();
				for (int i = 0; i < editors; i++) {
					Fixture instance = instances.get(i);
					String tenant = ring.get(i);
					String parent = ring.get((i + 1) % editors);
					done.add(threads.submit(() -> {
						start.await(10, TimeUnit.SECONDS);
						try {
							instance.editor.reparent(tenant, parent);
						}
						catch (InvalidTenantHierarchyException ex) {
							failures.add(ex);
						}
						return null;
					}));
				}
				for (Future<?> future : done) {
					future.get(60, TimeUnit.SECONDS);
				}
				assertThat(failures).as("round %d", round).singleElement()
					.satisfies((ex) -> assertThat(ex).hasMessageContaining("a cycle"));
			}
			Fixture check = instances.get(0);
			Map<String, TenantDefinition> stored = TenantHierarchyChanges.effective(check.store.hierarchyTenants(),
					check.configured, RULES, (ex) -> {
						throw ex;
					});
			TenantHierarchy.validate(stored, RULES);
			assertThat(check.rows()).hasSize(40);
		}
		finally {
			threads.shutdownNow();
			pools.forEach(HikariDataSource::close);
		}
	}

	@ParameterizedTest
	@EnumSource(TestDatabase.class)
	void rowsWrittenByHandThatBreakTheHierarchyAreLeftOutWithAWarningNamingThem(TestDatabase database,
			CapturedOutput output) {
		try (TestSchema schema = database.newSchema()) {
			Fixture fixture = new Fixture(schema, schema.dataSource());
			// org-1 under its own project: a cycle. project-q under a tenant nobody defines. project-r
			// billed to org-1 from under org-2. project-d: fine.
			fixture.insert("org-1", "project-a", null);
			fixture.insert("project-q", "org-9", null);
			fixture.insert("project-r", "org-2", "org-1");
			fixture.insert("project-d", "org-1", "org-1");
			List<String> before = fixture.allRows();

			CachedTenantDirectory directory = fixture.directory(schema.dataSource());
			assertThat(directory.lineageOf("project-d").scopes()).containsExactly("project-d", "org-1", "reseller-x");
			assertThat(directory.billingScopeOf("project-d")).isEqualTo("org-1");
			assertThat(directory.lineageOf("org-1").scopes()).containsExactly("org-1", "reseller-x");
			assertThat(directory.lineageOf("project-a").scopes()).containsExactly("project-a", "org-1", "reseller-x");
			assertThat(directory.lineageOf("project-q").scopes()).containsExactly("project-q");
			assertThat(directory.lineageOf("project-r").scopes()).containsExactly("project-r");
			assertThat(directory.subtreeOf("org-1")).containsExactlyInAnyOrder("org-1", "project-a", "project-d");
			assertThat(output).contains("Tenant 'org-1': parent=project-a: a cycle")
				.contains("Tenant 'project-q': parent=org-9: no such tenant")
				.contains("Tenant 'project-r': billing-attribution=org-1: not in the tenant's lineage");

			// The editor validates against the same hierarchy and leaves the bad rows alone.
			fixture.editor.define(TenantDefinition.of("project-e", "project-d"));
			assertThat(fixture.allRows()).containsAll(before);
			// Fixing a bad row through the editor makes it count again.
			fixture.editor.define(TenantDefinition.of("project-q", "org-2"));
			directory.invalidateAll();
			assertThat(directory.lineageOf("project-q").scopes()).containsExactly("project-q", "org-2", "reseller-x");
		}
	}

	private static void assertRejected(Runnable change, String tenant, String field, String reason) {
		Throwable thrown = catchThrowable(change::run);
		assertThat(thrown).isInstanceOf(InvalidTenantHierarchyException.class).hasMessageContaining(reason);
		assertThat(((InvalidTenantHierarchyException) thrown).getTenantId()).isEqualTo(tenant);
		assertThat(((InvalidTenantHierarchyException) thrown).getField()).isEqualTo(field);
	}

	private static void assertInvalid(Runnable change, String field, String reason) {
		Throwable thrown = catchThrowable(change::run);
		assertThat(thrown).isInstanceOf(InvalidDefinitionException.class).hasMessageContaining(reason);
		assertThat(((InvalidDefinitionException) thrown).getField()).isEqualTo(field);
	}

	/** One instance: the admin API and the editor on a DataSource, over the configured tenants. */
	static final class Fixture {

		final TestSchema schema;

		final JdbcRuntimeDefinitions store;

		final InMemoryTenantDefinitions configured = new InMemoryTenantDefinitions(
				List.of(TenantDefinition.of("reseller-x", null), TenantDefinition.of("org-1", "reseller-x"),
						TenantDefinition.of("org-2", "reseller-x"),
						TenantDefinition.of("project-a", "org-1").billedTo("org-1")),
				RULES);

		final List<QuotaInvalidation> published = new CopyOnWriteArrayList<>();

		final AtomicInteger hierarchyChanged = new AtomicInteger();

		final MeteringAdmin admin;

		final JdbcTenantHierarchyEditor editor;

		Fixture(TestSchema schema, DataSource dataSource) {
			this.schema = schema;
			this.store = new JdbcRuntimeDefinitions(dataSource, schema.tables(), schema::dialect);
			this.admin = new MeteringAdmin(this.store,
					new LayeredQuotaDefinitions(RuntimeDefinitionsFixture.configured(), this.store),
					new TransactionTemplate(new JdbcTransactionManager(dataSource)),
					new InProcessInvalidationBus(this.published::add), Clock.fixed(NOW, ZoneOffset.UTC), this.configured,
					RULES, this.hierarchyChanged::incrementAndGet);
			this.editor = new JdbcTenantHierarchyEditor(this.admin, () -> "alice");
		}

		CachedTenantDirectory directory(DataSource dataSource) {
			JdbcRuntimeDefinitions rows = new JdbcRuntimeDefinitions(dataSource, this.schema.tables(),
					this.schema::dialect);
			return new CachedTenantDirectory(new JdbcTenantDefinitions(rows, this.configured, RULES, Duration.ZERO),
					RULES, Duration.ofHours(1), 100, Runnable::run);
		}

		void insert(String tenant, String parent, String billing) {
			Object now = this.schema.dialect().timestamp(NOW);
			this.schema.jdbc()
				.update("INSERT INTO " + this.schema.prefix() + "tenant (tenant_id, parent_id, billing_attribution, "
						+ "created_at, updated_at) VALUES (?, ?, ?, ?, ?)", tenant, parent, billing, now, now);
		}

		String row(String tenant) {
			return this.schema.jdbc()
				.queryForList("SELECT tenant_id, plan, exempt, parent_id, billing_attribution, exempt_descendants FROM "
						+ this.schema.prefix() + "tenant WHERE tenant_id = ?", tenant)
				.stream()
				.map((row) -> String.join("|", row.values().stream().map(String::valueOf).toList()))
				.findFirst()
				.orElse("(none)");
		}

		List<String> rows() {
			return this.schema.jdbc()
				.queryForList("SELECT tenant_id FROM " + this.schema.prefix() + "tenant", String.class);
		}

		/** The tenant table and the audit trail, as text. */
		List<String> allRows() {
			List<String> rows = new ArrayList<>();
			for (String table : List.of("tenant", "quota_audit")) {
				this.schema.jdbc().query("SELECT * FROM " + this.schema.prefix() + table, (rs) -> {
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

	}

}
