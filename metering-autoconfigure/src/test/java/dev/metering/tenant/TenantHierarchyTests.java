package dev.metering.tenant;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Lineages and the rules of a valid hierarchy: cycles, unknown parents, payers outside the
 * lineage and lineages deeper than the maximum are rejected naming the tenant and the field.
 */
class TenantHierarchyTests {

	private static final TenantDefinition RESELLER = TenantDefinition.of("reseller-x", null);

	private static final TenantDefinition ORG = TenantDefinition.of("org-1", "reseller-x");

	private static final TenantDefinition PROJECT_A = TenantDefinition.of("project-a", "org-1").billedTo("org-1");

	private static final TenantDefinition PROJECT_B = TenantDefinition.of("project-b", "org-1");

	@Test
	void aLineageRunsFromTheTenantToTheRootAndBillsTheAttribution() {
		Map<String, TenantDefinition> tree = tree(RESELLER, ORG, PROJECT_A, PROJECT_B);
		TenantHierarchy.validate(tree, TenantHierarchyRules.DEFAULTS);

		TenantLineage a = TenantHierarchy.lineage("project-a", tree::get, 8);
		assertThat(a.scopes()).containsExactly("project-a", "org-1", "reseller-x");
		assertThat(a.billingScope()).isEqualTo("org-1");
		assertThat(a.checkedScopes()).containsExactly("project-a", "org-1", "reseller-x");
		assertThat(TenantHierarchy.lineage("project-b", tree::get, 8).billingScope()).isEqualTo("project-b");
		assertThat(TenantHierarchy.lineage("stranger", tree::get, 8)).isEqualTo(TenantLineage.flat("stranger"));
	}

	@Test
	void anExemptAncestorIsSkippedButDoesNotExemptItsDescendants() {
		TenantDefinition exemptOrg = new TenantDefinition("org-1", "reseller-x", null, null, true, false);
		Map<String, TenantDefinition> tree = tree(RESELLER, exemptOrg, PROJECT_A);

		TenantLineage lineage = TenantHierarchy.lineage("project-a", tree::get, 8);
		assertThat(lineage.exempt()).isFalse();
		assertThat(lineage.checkedScopes()).containsExactly("project-a", "reseller-x");
		assertThat(TenantHierarchy.lineage("org-1", tree::get, 8).checkedScopes()).isEmpty();
	}

	@Test
	void anAncestorThatExemptsItsDescendantsExemptsTheWholeSubtree() {
		TenantDefinition org = new TenantDefinition("org-1", "reseller-x", null, null, false, true);
		Map<String, TenantDefinition> tree = tree(RESELLER, org, PROJECT_A);

		assertThat(TenantHierarchy.lineage("project-a", tree::get, 8).checkedScopes()).isEmpty();
		assertThat(TenantHierarchy.lineage("org-1", tree::get, 8).checkedScopes()).containsExactly("org-1",
				"reseller-x");
	}

	@Test
	void anUnknownParentIsRejected() {
		assertThatExceptionOfType(InvalidTenantHierarchyException.class)
			.isThrownBy(() -> TenantHierarchy.validate(tree(ORG), TenantHierarchyRules.DEFAULTS))
			.satisfies((ex) -> {
				assertThat(ex.getTenantId()).isEqualTo("org-1");
				assertThat(ex.getField()).isEqualTo("parent");
				assertThat(ex.getValue()).isEqualTo("reseller-x");
				assertThat(ex.getReason()).contains("no such tenant");
			});
	}

	@Test
	void aCycleIsRejectedWithItsPath() {
		Map<String, TenantDefinition> tree = tree(TenantDefinition.of("a", "b"), TenantDefinition.of("b", "c"),
				TenantDefinition.of("c", "a"));
		assertThatExceptionOfType(InvalidTenantHierarchyException.class)
			.isThrownBy(() -> TenantHierarchy.validate(tree, TenantHierarchyRules.DEFAULTS))
			.satisfies((ex) -> {
				assertThat(ex.getTenantId()).isEqualTo("a");
				assertThat(ex.getField()).isEqualTo("parent");
				assertThat(ex.getReason()).isEqualTo("a cycle: a -> b -> c -> a");
			});
		assertThatExceptionOfType(InvalidTenantHierarchyException.class)
			.isThrownBy(() -> TenantHierarchy.validate(tree(TenantDefinition.of("self", "self")),
					TenantHierarchyRules.DEFAULTS))
			.withMessageContaining("a cycle: self -> self");
	}

	@Test
	void aPayerOutsideTheLineageIsRejectedUnlessAllowed() {
		TenantDefinition other = TenantDefinition.of("org-2", "reseller-x");
		TenantDefinition billedAcross = TenantDefinition.of("project-c", "org-1").billedTo("org-2");
		Map<String, TenantDefinition> tree = tree(RESELLER, ORG, other, billedAcross);

		assertThatExceptionOfType(InvalidTenantHierarchyException.class)
			.isThrownBy(() -> TenantHierarchy.validate(tree, TenantHierarchyRules.DEFAULTS))
			.satisfies((ex) -> {
				assertThat(ex.getTenantId()).isEqualTo("project-c");
				assertThat(ex.getField()).isEqualTo("billing-attribution");
				assertThat(ex.getValue()).isEqualTo("org-2");
				assertThat(ex.getReason()).contains("project-c -> org-1 -> reseller-x")
					.contains("metering.hierarchy.allow-billing-outside-lineage");
			});
		TenantHierarchy.validate(tree, new TenantHierarchyRules(8, true));
		assertThat(TenantHierarchy.lineage("project-c", tree::get, 8).billingScope()).isEqualTo("org-2");
	}

	@Test
	void aLineageDeeperThanTheMaximumIsRejected() {
		Map<String, TenantDefinition> tree = tree(RESELLER, ORG, PROJECT_A);
		TenantHierarchy.validate(tree, new TenantHierarchyRules(3, false));

		assertThatExceptionOfType(InvalidTenantHierarchyException.class)
			.isThrownBy(() -> TenantHierarchy.validate(tree, new TenantHierarchyRules(2, false)))
			.satisfies((ex) -> {
				assertThat(ex.getTenantId()).isEqualTo("project-a");
				assertThat(ex.getField()).isEqualTo("parent");
				assertThat(ex.getReason()).contains("more than 2 levels").contains("metering.hierarchy.max-depth");
			});
	}

	@Test
	void theDefaultMaximumIsEightLevels() {
		List<TenantDefinition> chain = new java.util.ArrayList<>();
		chain.add(TenantDefinition.of("level-1", null));
		for (int i = 2; i <= 9; i++) {
			chain.add(TenantDefinition.of("level-" + i, "level-" + (i - 1)));
		}
		TenantHierarchy.validate(tree(chain.subList(0, 8).toArray(TenantDefinition[]::new)),
				TenantHierarchyRules.DEFAULTS);
		assertThatExceptionOfType(InvalidTenantHierarchyException.class)
			.isThrownBy(() -> TenantHierarchy.validate(tree(chain.toArray(TenantDefinition[]::new)),
					TenantHierarchyRules.DEFAULTS))
			.satisfies((ex) -> assertThat(ex.getTenantId()).isEqualTo("level-9"));
	}

	private static Map<String, TenantDefinition> tree(TenantDefinition... definitions) {
		return TenantHierarchy.byId(List.of(definitions));
	}

}
