package dev.metering.architecture;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

/**
 * The packages of the kit's main code form no cycle: each package (subpackages count as their
 * own) may depend on another only if that one does not depend back on it, directly or through
 * others.
 */
class PackageStructureTests {

	private static final JavaClasses mainClasses = new ClassFileImporter()
		.withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
		.importPackages("dev.metering");

	@Test
	void packagesAreFreeOfCycles() {
		slices().matching("dev.metering.(**)").should().beFreeOfCycles().check(mainClasses);
	}

}
