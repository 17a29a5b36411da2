package dev.metering.architecture;

import java.util.Set;
import java.util.stream.Collectors;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.jspecify.annotations.NullMarked;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every package of the kit's main code is {@code @NullMarked}, and the packages form no cycle:
 * a package (a subpackage counts as its own) may depend on another only if that one does not
 * depend back on it, directly or through others.
 */
class PackageStructureTests {

	private static final JavaClasses mainClasses = new ClassFileImporter()
		.withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
		.importPackages("dev.metering");

	@Test
	void everyPackageIsNullMarked() {
		Set<String> packages = mainClasses.stream().map(JavaClass::getPackageName).collect(Collectors.toSet());
		assertThat(packages).contains("dev.metering.event", "dev.metering.autoconfigure.metrics")
			.allSatisfy((name) -> assertThat(packageInfo(name)).as("package-info of %s", name)
				.satisfies((info) -> assertThat(info.isAnnotationPresent(NullMarked.class)).isTrue()));
	}

	private static Class<?> packageInfo(String packageName) throws ClassNotFoundException {
		return Class.forName(packageName + ".package-info");
	}

	@Test
	void packagesAreFreeOfCycles() {
		slices().matching("dev.metering.(**)").should().beFreeOfCycles().check(mainClasses);
	}

}
