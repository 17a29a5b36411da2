package dev.metering.web;

import java.util.List;

import jakarta.servlet.http.HttpServletRequest;

import org.springframework.http.server.PathContainer;
import org.springframework.web.util.pattern.PathPattern;
import org.springframework.web.util.pattern.PathPatternParser;

/**
 * Which requests the kit meters: {@code metering.web.include} minus {@code metering.web.exclude},
 * as Spring MVC path patterns matched against the path within the application.
 * <p>
 * Runs on every request, so the common patterns (the defaults {@code /**}, {@code /actuator/**}
 * and {@code /error}: a literal path, optionally ending in {@code /**}) are compared as strings
 * when the path is plain (no percent-encoding, matrix variables or empty segments, which only
 * {@link PathPattern} interprets); anything else goes through {@link PathPattern}.
 */
final class RequestMatcher {

	private final List<Pattern> include;

	private final List<Pattern> exclude;

	private final boolean allPlain;

	RequestMatcher(List<String> include, List<String> exclude) {
		this.include = include.stream().map(Pattern::of).toList();
		this.exclude = exclude.stream().map(Pattern::of).toList();
		this.allPlain = this.include.stream().allMatch(Pattern::plain) && this.exclude.stream().allMatch(Pattern::plain);
	}

	boolean matches(HttpServletRequest request) {
		String uri = request.getRequestURI();
		String contextPath = request.getContextPath();
		String path = (contextPath != null && !contextPath.isEmpty() && uri.startsWith(contextPath))
				? uri.substring(contextPath.length()) : uri;
		if (path.isEmpty()) {
			path = "/";
		}
		if (this.allPlain && isPlain(path)) {
			return anyPlainMatch(this.include, path) && !anyPlainMatch(this.exclude, path);
		}
		PathContainer container = PathContainer.parsePath(path);
		return anyMatch(this.include, container) && !anyMatch(this.exclude, container);
	}

	private static boolean isPlain(String path) {
		return path.indexOf('%') < 0 && path.indexOf(';') < 0 && !path.contains("//");
	}

	private static boolean anyPlainMatch(List<Pattern> patterns, String path) {
		for (Pattern pattern : patterns) {
			if (pattern.matchesPlain(path)) {
				return true;
			}
		}
		return false;
	}

	private static boolean anyMatch(List<Pattern> patterns, PathContainer path) {
		for (Pattern pattern : patterns) {
			if (pattern.parsed().matches(path)) {
				return true;
			}
		}
		return false;
	}

	/**
	 * A parsed pattern and, when it is a literal path optionally followed by {@code /**}, that
	 * literal.
	 *
	 * @param parsed the pattern as Spring MVC parses it
	 * @param literal the literal path before {@code /**} (or the whole pattern), {@code null} when
	 * the pattern has variables or wildcards elsewhere
	 * @param subtree whether the pattern ends in {@code /**}
	 */
	private record Pattern(PathPattern parsed, String literal, boolean subtree) {

		static Pattern of(String pattern) {
			PathPattern parsed = PathPatternParser.defaultInstance.parse(pattern);
			String text = parsed.getPatternString();
			boolean subtree = text.endsWith("/**");
			String literal = subtree ? text.substring(0, text.length() - 3) : text;
			boolean plain = (subtree || !literal.isEmpty()) && isLiteral(literal);
			return new Pattern(parsed, plain ? literal : null, subtree);
		}

		private static boolean isLiteral(String text) {
			for (int i = 0; i < text.length(); i++) {
				char c = text.charAt(i);
				if (c == '*' || c == '?' || c == '{' || c == '}' || c == '%' || c == ';' || c == '\\') {
					return false;
				}
			}
			return !text.contains("//") && (text.isEmpty() || text.charAt(0) == '/') && !text.endsWith("/");
		}

		boolean plain() {
			return this.literal != null;
		}

		/** Matches a plain path (see {@link RequestMatcher#isPlain}) as {@link #parsed} would. */
		boolean matchesPlain(String path) {
			if (!this.subtree) {
				return path.equals(this.literal);
			}
			// "/a/**" matches "/a", "/a/" and everything under it; "/**" matches every path.
			return path.startsWith(this.literal) && (path.length() == this.literal.length()
					|| path.charAt(this.literal.length()) == '/');
		}

	}

}
