package dev.metering.api;

import java.net.URI;
import java.util.Map;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.PropertyNamingStrategies;
import tools.jackson.databind.annotation.JsonNaming;

import org.springframework.http.ProblemDetail;

/**
 * A {@link ProblemDetail} as the kit's APIs write it: RFC 9457's member names and the extension
 * members ({@code field}, ...) whatever naming strategy the application's JSON uses, which would
 * rename a {@code ProblemDetail}'s own members.
 *
 * @param type the problem type
 * @param title its title
 * @param status the HTTP status
 * @param detail what is wrong, for a person
 * @param instance the request path
 * @param properties the extension members
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({ "type", "title", "status", "detail", "instance" })
record ProblemBody(URI type, @Nullable String title, int status, @Nullable String detail, @Nullable URI instance,
		@JsonAnyGetter Map<String, Object> properties) {

	static ProblemBody of(ProblemDetail problem) {
		Map<String, Object> properties = problem.getProperties();
		return new ProblemBody(problem.getType(), problem.getTitle(), problem.getStatus(), problem.getDetail(),
				problem.getInstance(), (properties != null) ? properties : Map.of());
	}

}
