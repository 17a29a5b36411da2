package dev.metering.web;

import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.metering.event.InvalidUsageEventException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Resource names of request events are built once per method and route and reused, never past
 * the cache's bound, and hold what the ledger can store.
 */
class RequestResourcesTests {

	@Test
	void reusesTheResourceOfAMethodAndRoute() {
		RequestResources resources = new RequestResources();
		String first = resources.resource("GET", "/api/projects/{id}");

		assertThat(first).isEqualTo("GET /api/projects/{id}");
		assertThat(resources.resource(new String("GET"), new String("/api/projects/{id}"))).isSameAs(first);
		assertThat(resources.resource("DELETE", "/api/projects/{id}")).isEqualTo("DELETE /api/projects/{id}");
	}

	@Test
	void cachesNoMoreThanItsBoundButStillAnswers() {
		RequestResources resources = new RequestResources(2);
		resources.resource("A", "/r");
		resources.resource("B", "/r");
		String third = resources.resource("C", "/r");

		assertThat(third).isEqualTo("C /r");
		assertThat(resources.resource("C", "/r")).isEqualTo("C /r").isNotSameAs(third);
		assertThat(resources.resource("A", "/r")).isSameAs(resources.resource("A", "/r"));
	}

	@Test
	void truncatesToTheLedgerColumnAndRefusesWhatItCannotStore() {
		RequestResources resources = new RequestResources();
		assertThat(resources.resource("GET", "/" + "x".repeat(600))).hasSize(512).startsWith("GET /xxx");
		assertThatExceptionOfType(InvalidUsageEventException.class)
			.isThrownBy(() -> resources.resource("GET", "/a\u0000b"))
			.satisfies((ex) -> assertThat(ex.getField()).isEqualTo("resource"));
	}

	@Test
	void sharesOneDimensionsMapPerStatus() {
		assertThat(RequestResources.statusDimensions(200)).isEqualTo(Map.of("status", "200"))
			.isSameAs(RequestResources.statusDimensions(200));
		assertThat(RequestResources.statusDimensions(1234)).isEqualTo(Map.of("status", "1234"));
	}

}
