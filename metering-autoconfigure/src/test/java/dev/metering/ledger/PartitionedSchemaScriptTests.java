package dev.metering.ledger;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The partitioned PostgreSQL schema is the plain one with another ledger table: every other table
 * and index must be the same in both, or a new ledger made with {@code partitioning: monthly}
 * would miss what a feature added to the plain script.
 */
class PartitionedSchemaScriptTests {

	private static final Pattern STATEMENT = Pattern.compile("CREATE (?:TABLE|INDEX|UNIQUE INDEX)[^;]*;");

	@Test
	void everyTableAndIndexBesideTheLedgerIsInBothScripts() throws IOException {
		assertThat(besideTheLedger("schema-postgresql-partitioned.sql"))
			.containsExactlyElementsOf(besideTheLedger("schema-postgresql.sql"));
	}

	private static List<String> besideTheLedger(String script) throws IOException {
		String text;
		try (InputStream in = PartitionedSchemaScriptTests.class.getResourceAsStream(script)) {
			assertThat(in).as(script).isNotNull();
			text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
		}
		List<String> statements = new ArrayList<>();
		Matcher matcher = STATEMENT.matcher(text.replaceAll("--[^\n]*", ""));
		while (matcher.find()) {
			String statement = matcher.group().replaceAll("\\s+", " ");
			if (!statement.contains("metering_usage_event")) {
				statements.add(statement);
			}
		}
		assertThat(statements).as(script).isNotEmpty();
		return statements;
	}

}
