package dev.metering.architecture;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaField;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaModifier;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.jspecify.annotations.NullMarked;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfiguration;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every package of the kit's main code is {@code @NullMarked}, and the packages form no cycle:
 * a package (a subpackage counts as its own) may depend on another only if that one does not
 * depend back on it, directly or through others. The public types outside {@code internal}
 * packages are exactly the pinned public API ({@code public-api.txt}, described in README's
 * "Public API" and "Replacing beans"); an {@code internal} package is public for the kit's own
 * packages only and never pinned.
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

	@Test
	void publicTypesAreThePinnedPublicApi() throws IOException {
		Set<String> publicTypes = mainClasses.stream()
			.filter((type) -> type.isTopLevelClass() && type.getModifiers().contains(JavaModifier.PUBLIC))
			.filter((type) -> !type.getSimpleName().equals("package-info"))
			.filter((type) -> !isInternal(type.getPackageName()))
			.map((type) -> type.getName().substring("dev.metering.".length()))
			.collect(Collectors.toCollection(TreeSet::new));
		Set<String> pinned = pinnedPublicApi();
		assertThat(publicTypes).as("public types (left) against public-api.txt: make a type package-private "
				+ "or, if users need it, add it there and to README").containsExactlyInAnyOrderElementsOf(pinned);
	}

	/**
	 * Classes allowed a {@code ThreadLocal} field, each with the reason: state a reader cannot
	 * follow by parameters or return values needs one written here.
	 */
	private static final Map<String, String> threadLocalFieldsAllowed = Map.of();

	@Test
	void noThreadLocalFieldsButWithAWrittenReason() {
		Set<String> fields = mainClasses.stream()
			.flatMap((type) -> type.getFields().stream())
			.filter((field) -> field.getRawType().isAssignableTo(ThreadLocal.class))
			.filter((field) -> !threadLocalFieldsAllowed.containsKey(field.getOwner().getName()))
			.map(JavaField::getFullName)
			.collect(Collectors.toCollection(TreeSet::new));
		assertThat(fields).as("ThreadLocal fields in main code: pass the state as a parameter, or add the class "
				+ "to threadLocalFieldsAllowed with the reason").isEmpty();
	}

	@Test
	void internalPackagesAreNotInThePublicApi() throws IOException {
		assertThat(pinnedPublicApi()).noneMatch((type) -> isInternal("dev.metering." + type));
		assertThat(mainClasses.stream().map(JavaClass::getPackageName)).contains("dev.metering.internal.sql");
	}

	/** Whether a package is public for the kit's own packages only: one named {@code internal} or inside one. */
	private static boolean isInternal(String packageName) {
		return ("." + packageName + ".").contains(".internal.");
	}

	@Test
	void autoConfigurationsArePublicAndFinal() {
		classes().that()
			.areAnnotatedWith(AutoConfiguration.class)
			.should()
			.bePublic()
			.andShould()
			.haveModifier(JavaModifier.FINAL)
			.check(mainClasses);
	}

	private static Set<String> pinnedPublicApi() throws IOException {
		try (BufferedReader reader = new BufferedReader(new InputStreamReader(
				PackageStructureTests.class.getResourceAsStream("public-api.txt"), StandardCharsets.UTF_8))) {
			return reader.lines()
				.map(String::strip)
				.filter((line) -> !line.isEmpty() && !line.startsWith("#"))
				.collect(Collectors.toCollection(TreeSet::new));
		}
	}

}
