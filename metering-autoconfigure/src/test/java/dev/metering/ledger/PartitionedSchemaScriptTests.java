package dev.metering.ledger;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.metering.test.TestDatabase;
import dev.metering.test.TestSchema;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The partitioned PostgreSQL script holds the ledger only; every other table and index comes from
 * the plain script, which a partitioned ledger runs without its unpartitioned ledger part. So a
 * table added once to the plain script is in both layouts.
 */
class PartitionedSchemaScriptTests {

	private static final Pattern STATEMENT = Pattern.compile("CREATE (?:TABLE|INDEX|UNIQUE INDEX)[^;]*;");

	private static final Pattern CREATED_TABLE = Pattern.compile("CREATE TABLE IF NOT EXISTS (\\w+)");

	@Test
	void thePartitionedScriptCreatesTheLedgerAndNothingElse() throws IOException {
		List<String> tables = new ArrayList<>();
		for (String statement : statements(script("schema-postgresql-partitioned.sql"))) {
			Matcher table = CREATED_TABLE.matcher(statement);
			if (table.find()) {
				tables.add(table.group(1));
			}
			else {
				assertThat(statement).as("an index of the partitioned ledger")
					.containsPattern(" ON metering_usage_event(_key)? \\(");
			}
		}
		assertThat(tables).containsExactly("metering_usage_event", "metering_usage_event_key",
				"metering_usage_event_default");
	}

	@Test
	void thePlainScriptsUnpartitionedLedgerPartHoldsTheLedgerAndNothingElse() throws IOException {
		String plain = script("schema-postgresql.sql");
		List<String> ledgerPart = statements(plain.substring(plain.indexOf(MeteringSchemaInitializer.UNPARTITIONED_LEDGER_BEGIN),
				plain.indexOf(MeteringSchemaInitializer.UNPARTITIONED_LEDGER_END)));
		// The table, its two indexes and the index of corrections (the ALTER that adds their column
		// to an older ledger is no CREATE statement).
		assertThat(ledgerPart).hasSize(4).allSatisfy((statement) -> assertThat(statement)
			.containsPattern("(TABLE IF NOT EXISTS| ON) metering_usage_event \\("));
		List<String> rest = statements(MeteringSchemaInitializer.withoutUnpartitionedLedger(plain));
		assertThat(rest).isNotEmpty()
			.noneMatch((statement) -> statement.matches(".*(TABLE IF NOT EXISTS| ON) metering_usage_event \\(.*"));
		assertThat(statements(plain)).hasSize(ledgerPart.size() + rest.size());
	}

	@Test
	void aNewPartitionedLedgerHasEveryTableAndIndexOfThePlainSchemaBesideTheLedger() {
		try (TestSchema plain = TestDatabase.POSTGRESQL.newSchema();
				TestSchema partitioned = TestDatabase.POSTGRESQL.newSchema(MeteringSchemaInitializer.PARTITIONED_LEDGER_LOCATION)) {
			assertThat(relations(partitioned, "r")).containsExactlyInAnyOrderElementsOf(relations(plain, "r"));
			assertThat(relations(partitioned, "i")).isNotEmpty()
				.containsExactlyInAnyOrderElementsOf(relations(plain, "i"));
			assertThat(partitioned.jdbc()
				.queryForObject("SELECT CAST(relkind AS text) FROM pg_class WHERE relname = ?", String.class,
						partitioned.tables().usageEvent()))
				.as("the ledger is partitioned")
				.isEqualTo("p");
			assertThat(partitioned.jdbc()
				.queryForObject("SELECT COUNT(*) FROM pg_inherits WHERE inhparent = CAST(? AS regclass)", Long.class,
						partitioned.tables().usageEvent()))
				.isEqualTo(1L);
		}
	}

	/**
	 * The schema's relations of one kind ({@code r} table, {@code p} partitioned table, {@code i}
	 * index), named without the prefix, beside the ledger's own tables and indexes (the
	 * partitioned ledger has partitions, a key table and indexes of its own).
	 */
	private static List<String> relations(TestSchema schema, String kind) {
		return schema.jdbc()
			.queryForList("SELECT substr(relname, ?) FROM pg_class WHERE relname LIKE ? AND relkind = ? ORDER BY 1",
					String.class, schema.prefix().length() + 1, schema.prefix() + "%", kind)
			.stream()
			.filter((name) -> !name.matches("usage_event(_key|_default|_p\\d+)?") && (!name.startsWith("usage_event_")
					|| name.startsWith("usage_event_sum")))
			.toList();
	}

	private static String script(String name) throws IOException {
		try (InputStream in = PartitionedSchemaScriptTests.class.getResourceAsStream(name)) {
			assertThat(in).as(name).isNotNull();
			return new String(in.readAllBytes(), StandardCharsets.UTF_8);
		}
	}

	private static List<String> statements(String text) {
		List<String> statements = new ArrayList<>();
		Matcher matcher = STATEMENT.matcher(text.replaceAll("--[^\n]*", ""));
		while (matcher.find()) {
			statements.add(matcher.group().replaceAll("\\s+", " "));
		}
		return statements;
	}

}
