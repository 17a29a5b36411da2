package dev.metering.architecture;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every statement the kit runs lives in {@code dev.metering.internal.sql}: no other class of the
 * main code holds SQL text. Checked on the string constants of each compiled class (its literals,
 * and the constant parts of every concatenation), so a statement cannot hide in a field, a local
 * or a helper.
 */
class SqlHomeTests {

	private static final String HOME = "dev.metering.internal.sql";

	/**
	 * SQL as the kit writes it: upper-case keywords in a statement's shape, and PostgreSQL's
	 * functions. Log and exception messages are sentences, which these do not match.
	 */
	private static final Pattern SQL = Pattern.compile("\\b(SELECT\\s.*\\bFROM\\b|SELECT\\s+\\S+\\(|INSERT\\s+(IGNORE\\s+)?INTO\\b|"
			+ "UPDATE\\s+\\S+\\s+(\\S+\\s+)?SET\\b|DELETE\\s+FROM\\b|MERGE\\s+INTO\\b|\\bUNION(\\s+ALL)?\\s|"
			+ "ON\\s+CONFLICT\\b|ON\\s+DUPLICATE\\s+KEY\\b|FOR\\s+UPDATE\\b|LISTEN\\s|NOTIFY\\s|COPY\\s.*\\bFROM\\s+STDIN\\b|"
			+ "\\bWHERE\\s+\\S+\\s*(=|<|>|IN\\b|BETWEEN\\b|IS\\b)|BETWEEN\\s+\\?\\s+AND\\s+\\?)|"
			+ "\\b(pg_notify|pg_get_serial_sequence|set_config|nextval|currval|to_regclass)\\s*\\(");

	private static final JavaClasses mainClasses = new ClassFileImporter()
		.withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
		.importPackages("dev.metering");

	@Test
	void noClassOutsideTheHomeHoldsSqlText() throws IOException {
		Map<String, List<String>> sqlOutside = new TreeMap<>();
		for (JavaClass type : mainClasses) {
			if (!type.getPackageName().equals(HOME)) {
				List<String> found = sqlIn(type);
				if (!found.isEmpty()) {
					sqlOutside.put(type.getName(), found);
				}
			}
		}
		assertThat(sqlOutside).as("SQL text outside %s: move the statement there", HOME).isEmpty();
	}

	@Test
	void theHomeHoldsEveryDatabasesStatements() throws IOException {
		// The check above would pass on a pattern that matches nothing: it must find the home's SQL.
		for (String name : List.of("H2Sql", "PostgresSql", "MySqlSql", "DatabaseSql", "RollupSql", "LeaseSql",
				"DefinitionSql", "BillingSql")) {
			assertThat(sqlIn(mainClasses.get(HOME + "." + name))).as(name).isNotEmpty();
		}
		assertThat(SQL.matcher("LISTEN \"\u0001\"").find()).isTrue();
		assertThat(SQL.matcher("Could not select the rows from the ledger").find()).isFalse();
	}

	@Test
	void homeIsBelowEveryPackageThatRunsSql() {
		// Importable by ledger and everything above it: it may use only the event package and the dimensions JSON.
		for (JavaClass type : mainClasses) {
			if (type.getPackageName().equals(HOME)) {
				assertThat(type.getDirectDependenciesFromSelf())
					.filteredOn((dependency) -> dependency.getTargetClass().getPackageName().startsWith("dev.metering"))
					.allSatisfy((dependency) -> assertThat(dependency.getTargetClass().getPackageName())
						.as(dependency.getDescription())
						.isIn(HOME, "dev.metering.event", "dev.metering.internal.json"));
			}
		}
	}

	private static List<String> sqlIn(JavaClass type) throws IOException {
		List<String> found = new ArrayList<>();
		for (String constant : stringConstants(type)) {
			if (SQL.matcher(constant).find()) {
				found.add(constant);
			}
		}
		return found;
	}

	/** The {@code CONSTANT_String} entries of a class file's constant pool (JVMS 4.4). */
	private static List<String> stringConstants(JavaClass type) throws IOException {
		String resource = "/" + type.getName().replace('.', '/') + ".class";
		try (InputStream stream = SqlHomeTests.class.getResourceAsStream(resource)) {
			assertThat(stream).as(resource).isNotNull();
			DataInputStream in = new DataInputStream(stream);
			in.readInt();
			in.readUnsignedShort();
			in.readUnsignedShort();
			int count = in.readUnsignedShort();
			String[] utf8 = new String[count];
			List<Integer> strings = new ArrayList<>();
			for (int i = 1; i < count; i++) {
				int tag = in.readUnsignedByte();
				switch (tag) {
					case 1 -> utf8[i] = in.readUTF();
					case 8 -> strings.add(in.readUnsignedShort());
					case 7, 16, 19, 20 -> in.readUnsignedShort();
					case 15 -> {
						in.readUnsignedByte();
						in.readUnsignedShort();
					}
					case 3, 4, 9, 10, 11, 12, 17, 18 -> in.readInt();
					case 5, 6 -> {
						in.readLong();
						i++;
					}
					default -> throw new IllegalStateException("Constant pool tag " + tag + " in " + resource);
				}
			}
			List<String> constants = new ArrayList<>();
			for (int index : strings) {
				constants.add(utf8[index]);
			}
			return constants;
		}
	}

}
