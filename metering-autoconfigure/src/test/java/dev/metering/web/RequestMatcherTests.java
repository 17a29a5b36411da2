package dev.metering.web;

import java.util.List;

import org.junit.jupiter.api.Test;

import org.springframework.http.server.PathContainer;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.web.util.pattern.PathPattern;
import org.springframework.web.util.pattern.PathPatternParser;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The matcher's string fast path decides exactly as Spring MVC's {@link PathPattern}s do.
 */
class RequestMatcherTests {

	private static final List<String> PATHS = List.of("/", "/api", "/api/", "/api/ping", "/apix", "/actuator",
			"/actuator/", "/actuator/health", "/actuatorx", "/error", "/error/", "/errors", "/Error", "/x/error",
			"/actu%61tor/health", "/actuator;a=b/health", "//actuator/health", "/actuator//health", "/api;v=1/ping",
			"/api/%2Fping", "/a/b/c/d");

	private static final List<List<String>> PATTERNS = List.of(List.of("/**"), List.of("/actuator/**", "/error"),
			List.of("/api/**"), List.of("/api"), List.of("/api/*"), List.of("/api/{name}"), List.of("/**/ping"),
			List.of("/error", "/api/**"), List.of("/a/b/**"));

	@Test
	void decidesAsPathPatternsDoForEveryPatternAndPath() {
		for (List<String> include : PATTERNS) {
			for (List<String> exclude : PATTERNS) {
				RequestMatcher matcher = new RequestMatcher(include, exclude);
				for (String path : PATHS) {
					boolean expected = pathPatternsMatch(include, path) && !pathPatternsMatch(exclude, path);
					assertThat(matcher.matches(request("", path)))
						.as("include %s exclude %s path %s", include, exclude, path)
						.isEqualTo(expected);
				}
			}
		}
	}

	@Test
	void matchesThePathWithinTheApplication() {
		RequestMatcher matcher = new RequestMatcher(List.of("/**"), List.of("/actuator/**"));
		assertThat(matcher.matches(request("/app", "/actuator/health"))).isFalse();
		assertThat(matcher.matches(request("/app", "/api/ping"))).isTrue();
		assertThat(matcher.matches(request("/app", ""))).isTrue();
		assertThat(matcher.matches(request("/actuator", "/api"))).isTrue();
	}

	@Test
	void excludesDecodedPathsAsSpringMvcDecodesThem() {
		RequestMatcher matcher = new RequestMatcher(List.of("/**"), List.of("/actuator/**"));
		assertThat(matcher.matches(request("", "/actu%61tor/health"))).isFalse();
		assertThat(matcher.matches(request("", "/actuator;jsessionid=1/health"))).isFalse();
	}

	private static boolean pathPatternsMatch(List<String> patterns, String path) {
		PathContainer container = PathContainer.parsePath(path);
		return patterns.stream()
			.map(PathPatternParser.defaultInstance::parse)
			.anyMatch((pattern) -> pattern.matches(container));
	}

	private static MockHttpServletRequest request(String contextPath, String path) {
		MockHttpServletRequest request = new MockHttpServletRequest("GET", contextPath + path);
		request.setContextPath(contextPath);
		return request;
	}

}
