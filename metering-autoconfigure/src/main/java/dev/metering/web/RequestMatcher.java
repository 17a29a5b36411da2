package dev.metering.web;

import java.util.List;

import jakarta.servlet.http.HttpServletRequest;

import org.springframework.http.server.PathContainer;
import org.springframework.web.util.pattern.PathPattern;
import org.springframework.web.util.pattern.PathPatternParser;

/**
 * Which requests the kit meters: {@code metering.web.include} minus {@code metering.web.exclude},
 * as Spring MVC path patterns matched against the path within the application.
 */
final class RequestMatcher {

	private final List<PathPattern> include;

	private final List<PathPattern> exclude;

	RequestMatcher(List<String> include, List<String> exclude) {
		this.include = include.stream().map(PathPatternParser.defaultInstance::parse).toList();
		this.exclude = exclude.stream().map(PathPatternParser.defaultInstance::parse).toList();
	}

	boolean matches(HttpServletRequest request) {
		String uri = request.getRequestURI();
		String contextPath = request.getContextPath();
		String path = (contextPath != null && !contextPath.isEmpty() && uri.startsWith(contextPath))
				? uri.substring(contextPath.length()) : uri;
		PathContainer container = PathContainer.parsePath(path.isEmpty() ? "/" : path);
		return anyMatch(this.include, container) && !anyMatch(this.exclude, container);
	}

	private static boolean anyMatch(List<PathPattern> patterns, PathContainer path) {
		for (PathPattern pattern : patterns) {
			if (pattern.matches(path)) {
				return true;
			}
		}
		return false;
	}

}
