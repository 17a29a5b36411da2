package dev.metering.tenant;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * The runtime API: a valid change is seen by the directory at once; a change that would break the
 * hierarchy throws naming the tenant and changes nothing. Warm lineages come from the cache.
 */
class TenantHierarchyEditorTests {

	private final InMemoryTenantDefinitions definitions = new InMemoryTenantDefinitions(
			List.of(TenantDefinition.of("org-1", null), TenantDefinition.of("org-2", null),
					TenantDefinition.of("project-a", "org-1").billedTo("org-1")),
			TenantHierarchyRules.DEFAULTS);

	private final CachedTenantDirectory directory = new CachedTenantDirectory(this.definitions,
			TenantHierarchyRules.DEFAULTS, Duration.ofHours(1), 100, Runnable::run);

	TenantHierarchyEditorTests() {
		this.definitions.onChange(this.directory::invalidateAll);
	}

	@Test
	void aReparentedTenantHasItsNewLineageAtOnce() {
		assertThat(this.directory.lineageOf("project-a").scopes()).containsExactly("project-a", "org-1");

		this.definitions.define(TenantDefinition.of("project-a", "org-2").billedTo("org-2"));

		assertThat(this.directory.lineageOf("project-a").scopes()).containsExactly("project-a", "org-2");
		assertThat(this.directory.billingScopeOf("project-a")).isEqualTo("org-2");
		assertThat(this.directory.inHierarchy("org-2")).isTrue();
		assertThat(this.directory.inHierarchy("org-1")).isFalse();
	}

	@Test
	void aChangeThatWouldBreakTheHierarchyThrowsNamingTheTenantAndChangesNothing() {
		this.directory.lineageOf("project-a");

		assertThatExceptionOfType(InvalidTenantHierarchyException.class)
			.isThrownBy(() -> this.definitions.reparent("org-1", "project-a"))
			.satisfies((ex) -> assertThat(ex.getTenantId()).isEqualTo("org-1"))
			.withMessageContaining("a cycle: org-1 -> project-a -> org-1");
		assertThatExceptionOfType(InvalidTenantHierarchyException.class)
			.isThrownBy(() -> this.definitions.define(TenantDefinition.of("project-b", "org-9")))
			.satisfies((ex) -> assertThat(ex.getTenantId()).isEqualTo("project-b"));
		// Moving project-a away from org-1 would leave it billed outside its lineage.
		assertThatExceptionOfType(InvalidTenantHierarchyException.class)
			.isThrownBy(() -> this.definitions.reparent("project-a", "org-2"))
			.satisfies((ex) -> {
				assertThat(ex.getTenantId()).isEqualTo("project-a");
				assertThat(ex.getField()).isEqualTo("billing-attribution");
			});
		assertThatExceptionOfType(InvalidTenantHierarchyException.class)
			.isThrownBy(() -> this.definitions.remove("org-1"))
			.withMessageContaining("is the parent of project-a");

		assertThat(this.definitions.all()).extracting(TenantDefinition::tenantId)
			.containsExactlyInAnyOrder("org-1", "org-2", "project-a");
		assertThat(this.definitions.definitionOf("project-a")).contains(
				TenantDefinition.of("project-a", "org-1").billedTo("org-1"));
		assertThat(this.directory.lineageOf("project-a").scopes()).containsExactly("project-a", "org-1");
	}

	@Test
	void aChangeThatMakesADescendantTooDeepNamesTheChangedTenant() {
		InMemoryTenantDefinitions shallow = new InMemoryTenantDefinitions(
				List.of(TenantDefinition.of("root", null), TenantDefinition.of("org", null),
						TenantDefinition.of("project", "org")),
				new TenantHierarchyRules(2, false));

		assertThatExceptionOfType(InvalidTenantHierarchyException.class)
			.isThrownBy(() -> shallow.reparent("org", "root"))
			.satisfies((ex) -> {
				assertThat(ex.getTenantId()).isEqualTo("org");
				assertThat(ex.getReason()).contains("would break tenant 'project'").contains("more than 2 levels");
			});
		assertThat(shallow.definitionOf("org")).contains(TenantDefinition.of("org", null));
	}

	@Test
	void removingALeafForgetsIt() {
		assertThat(this.definitions.remove("project-a")).isTrue();
		assertThat(this.definitions.remove("project-a")).isFalse();
		assertThat(this.directory.lineageOf("project-a")).isEqualTo(TenantLineage.flat("project-a"));
	}

	@Test
	void aWarmLineageIsServedWithoutAskingTheSource() {
		AtomicInteger lookups = new AtomicInteger();
		TenantDefinitionSource counting = new TenantDefinitionSource() {

			@Override
			public @Nullable TenantDefinition find(String tenantId) {
				lookups.incrementAndGet();
				return TenantHierarchyEditorTests.this.definitions.find(tenantId);
			}

			@Override
			public Collection<TenantDefinition> all() {
				return TenantHierarchyEditorTests.this.definitions.all();
			}

		};
		CachedTenantDirectory cached = new CachedTenantDirectory(counting, TenantHierarchyRules.DEFAULTS,
				Duration.ofHours(1), 100, Runnable::run);

		for (int i = 0; i < 1_000; i++) {
			assertThat(cached.lineageOf("project-a").scopes()).containsExactly("project-a", "org-1");
		}
		assertThat(lookups).hasValue(2);
	}

	@Test
	void aLineageOlderThanTheTtlIsReloadedFromTheSource() throws InterruptedException {
		InMemoryTenantDefinitions rows = new InMemoryTenantDefinitions(List.of(TenantDefinition.of("org-1", null),
				TenantDefinition.of("org-2", null), TenantDefinition.of("project-a", "org-1")),
				TenantHierarchyRules.DEFAULTS);
		CachedTenantDirectory cached = new CachedTenantDirectory(rows, TenantHierarchyRules.DEFAULTS,
				Duration.ofMillis(50), 100, Runnable::run);
		assertThat(cached.lineageOf("project-a").scopes()).containsExactly("project-a", "org-1");

		// Changed behind the directory's back (no listener), as another instance would change a table.
		rows.reparent("project-a", "org-2");
		assertThat(cached.lineageOf("project-a").scopes()).containsExactly("project-a", "org-1");
		Thread.sleep(100);
		cached.lineageOf("project-a");
		assertThat(cached.lineageOf("project-a").scopes()).containsExactly("project-a", "org-2");
	}

}
