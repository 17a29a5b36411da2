package dev.metering.tenant;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * The runtime API: a valid change is seen by the directory at once; a change that would break the
 * hierarchy throws naming the tenant and changes nothing. Lineages come from one snapshot of every
 * definition, read in bulk.
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
	void everyTenantIsAnsweredFromOneBulkReadWithoutAskingTheSourcePerTenant() {
		AtomicInteger lookups = new AtomicInteger();
		AtomicInteger bulkReads = new AtomicInteger();
		TenantDefinitionSource counting = counting(this.definitions, lookups, bulkReads);
		CachedTenantDirectory cached = new CachedTenantDirectory(counting, TenantHierarchyRules.DEFAULTS,
				Duration.ofHours(1), 100, Runnable::run);

		for (int i = 0; i < 1_000; i++) {
			assertThat(cached.lineageOf("project-a").scopes()).containsExactly("project-a", "org-1");
			// A tenant nobody defined (most of them): a flat root paying for itself, in UTC months.
			assertThat(cached.lineageOf("cold-" + i).scopes()).containsExactly("cold-" + i);
			assertThat(cached.billingScopeOf("cold-" + i)).isEqualTo("cold-" + i);
			assertThat(cached.calendarOf("cold-" + i)).isEqualTo(BillingCalendar.UTC);
			assertThat(cached.inHierarchy("cold-" + i)).isFalse();
		}
		assertThat(cached.inHierarchy("org-1")).isTrue();
		assertThat(cached.subtreeOf("org-1")).containsExactly("org-1", "project-a");
		assertThat(lookups).hasValue(0);
		assertThat(bulkReads).hasValue(1);
		assertThat(cached.snapshotReads()).isEqualTo(1);
	}

	@Test
	void aboveTheSnapshotBoundLineagesAreLoadedPerTenant() {
		AtomicInteger lookups = new AtomicInteger();
		AtomicInteger bulkReads = new AtomicInteger();
		TenantDefinitionSource counting = counting(this.definitions, lookups, bulkReads);
		// Three definitions, at most two in a snapshot.
		CachedTenantDirectory cached = new CachedTenantDirectory(counting, counting::all, null,
				TenantHierarchyRules.DEFAULTS, Duration.ofHours(1), 100, 2, Runnable::run);

		assertThat(cached.lineageOf("project-a").scopes()).containsExactly("project-a", "org-1");
		assertThat(cached.billingScopeOf("project-a")).isEqualTo("org-1");
		assertThat(cached.lineageOf("cold").scopes()).containsExactly("cold");
		assertThat(lookups.get()).isPositive();
		int loaded = lookups.get();
		assertThat(cached.lineageOf("project-a").scopes()).containsExactly("project-a", "org-1");
		assertThat(cached.lineageOf("cold").scopes()).containsExactly("cold");
		// Kept per tenant once loaded.
		assertThat(lookups).hasValue(loaded);
	}

	@Test
	void aFailingFirstReadServesTheConfiguredHierarchyAndIsReadAgainInTheBackground() throws InterruptedException {
		AtomicInteger failing = new AtomicInteger(1);
		InMemoryTenantDefinitions rows = new InMemoryTenantDefinitions(
				List.of(TenantDefinition.of("org-1", null), TenantDefinition.of("project-a", "org-1")),
				TenantHierarchyRules.DEFAULTS);
		InMemoryTenantDefinitions configured = new InMemoryTenantDefinitions(List.of(TenantDefinition.of("org-2", null),
				TenantDefinition.of("project-a", "org-2")), TenantHierarchyRules.DEFAULTS);
		CachedTenantDirectory cached = new CachedTenantDirectory(rows, () -> {
			if (failing.get() > 0) {
				throw new IllegalStateException("database down");
			}
			return rows.all();
		}, configured, TenantHierarchyRules.DEFAULTS, Duration.ofMillis(100), 100, 1_000, Runnable::run);

		assertThat(cached.lineageOf("project-a").scopes()).containsExactly("project-a", "org-2");
		assertThat(cached.loadFailures()).isEqualTo(1);
		// Still failing: what serves keeps serving, the failures are counted.
		Thread.sleep(150);
		assertThat(cached.lineageOf("project-a").scopes()).containsExactly("project-a", "org-2");
		assertThat(cached.loadFailures()).isEqualTo(2);

		failing.set(0);
		Thread.sleep(150);
		// The look-up after the retry delay starts the read (here on its thread: the executor runs it).
		cached.lineageOf("project-a");
		assertThat(cached.lineageOf("project-a").scopes()).containsExactly("project-a", "org-1");

		// A later failure keeps what was read, not the configuration.
		failing.set(1);
		Thread.sleep(150);
		cached.lineageOf("project-a");
		assertThat(cached.lineageOf("project-a").scopes()).containsExactly("project-a", "org-1");
		assertThat(cached.loadFailures()).isEqualTo(3);
	}

	@Test
	void withoutConfiguredDefinitionsAFailingFirstReadFailsTheLookUp() {
		CachedTenantDirectory cached = new CachedTenantDirectory(this.definitions, () -> {
			throw new IllegalStateException("database down");
		}, null, TenantHierarchyRules.DEFAULTS, Duration.ofHours(1), 100, 1_000, Runnable::run);

		assertThatExceptionOfType(IllegalStateException.class).isThrownBy(() -> cached.lineageOf("project-a"));
	}

	@Test
	void lookUpsOnManyThreadsDuringChangesSeeAWholeHierarchyAndTheLastChangeAtTheEnd() throws Exception {
		AtomicInteger bulkReads = new AtomicInteger();
		CachedTenantDirectory cached = new CachedTenantDirectory(
				counting(this.definitions, new AtomicInteger(), bulkReads), TenantHierarchyRules.DEFAULTS,
				Duration.ofHours(1), 100, Runnable::run);
		this.definitions.onChange(cached::invalidateAll);
		ExecutorService threads = Executors.newFixedThreadPool(8);
		AtomicBoolean changing = new AtomicBoolean(true);
		List<Future<Integer>> readers = new ArrayList<>();
		CountDownLatch started = new CountDownLatch(8);
		try {
			for (int t = 0; t < 8; t++) {
				readers.add(threads.submit(() -> {
					started.countDown();
					int seen = 0;
					do {
						List<String> scopes = cached.lineageOf("project-a").scopes();
						// Never half a change: under org-1 or under org-2.
						assertThat(scopes).isIn(List.of("project-a", "org-1"), List.of("project-a", "org-2"));
						assertThat(cached.lineageOf("cold-" + seen).scopes()).containsExactly("cold-" + seen);
						seen++;
					}
					while (changing.get());
					return seen;
				}));
			}
			assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
			for (int i = 0; i < 200; i++) {
				this.definitions.define(TenantDefinition.of("project-a", (i % 2 == 0) ? "org-2" : "org-1"));
			}
			this.definitions.define(TenantDefinition.of("project-a", "org-2"));
			changing.set(false);
			for (Future<Integer> reader : readers) {
				assertThat(reader.get(30, TimeUnit.SECONDS)).isPositive();
			}
		}
		finally {
			threads.shutdownNow();
		}
		assertThat(cached.lineageOf("project-a").scopes()).containsExactly("project-a", "org-2");
		// Read again after changes, not per look-up.
		assertThat(bulkReads.get()).isBetween(2, 202);
	}

	private static TenantDefinitionSource counting(TenantDefinitionSource source, AtomicInteger lookups,
			AtomicInteger bulkReads) {
		return new TenantDefinitionSource() {

			@Override
			public @Nullable TenantDefinition find(String tenantId) {
				lookups.incrementAndGet();
				return source.find(tenantId);
			}

			@Override
			public Collection<TenantDefinition> all() {
				bulkReads.incrementAndGet();
				return source.all();
			}

		};
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
