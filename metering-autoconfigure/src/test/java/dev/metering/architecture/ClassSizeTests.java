package dev.metering.architecture;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A main class over 350 lines says why at its top ("Over 350 lines: ..."), so a long class is a
 * decision someone wrote down, not an accident.
 */
class ClassSizeTests {

	private static final int MOST_LINES = 350;

	private static final String REASON = "Over 350 lines: ";

	@Test
	void everyMainClassOverTheLimitSaysWhy() throws IOException {
		Path main = Path.of("src/main/java");
		assertThat(main).isDirectory();
		try (Stream<Path> files = Files.walk(main)) {
			List<String> unexplained = files.filter((file) -> file.toString().endsWith(".java"))
				.filter(ClassSizeTests::longWithoutReason)
				.map(Path::toString)
				.toList();
			assertThat(unexplained).as("main classes over %d lines without '%s...' at their top", MOST_LINES, REASON)
				.isEmpty();
		}
	}

	private static boolean longWithoutReason(Path file) {
		try {
			List<String> lines = Files.readAllLines(file);
			if (lines.size() <= MOST_LINES) {
				return false;
			}
			int top = 0;
			while (top < lines.size() && !lines.get(top).matches("^(public |final |abstract |sealed )*(class|interface|record|enum) .*")) {
				top++;
			}
			return lines.subList(0, top).stream().noneMatch((line) -> line.contains(REASON));
		}
		catch (IOException ex) {
			throw new IllegalStateException(ex);
		}
	}

}
