package dev.metering.web;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import dev.metering.event.UsageEventValidator;

/**
 * The resource names and status dimensions of request events, built and checked once and reused:
 * an application has a few routes and methods, so {@code "GET /api/projects/{id}"} is the same
 * string on every request instead of a new concatenation, truncation and validation each time.
 */
final class RequestResources {

	/** Enough for any application's routes; a client inventing methods cannot grow it further. */
	static final int MAX_CACHED = 4096;

	private static final Map<String, String>[] STATUS_DIMENSIONS = statusDimensions();

	private final Map<String, Map<String, String>> byRoute = new ConcurrentHashMap<>();

	private final int maxCached;

	private volatile int cached;

	RequestResources() {
		this(MAX_CACHED);
	}

	RequestResources(int maxCached) {
		this.maxCached = maxCached;
	}

	/**
	 * The resource of a request: method, a space and the route, truncated to what the ledger
	 * holds and checked.
	 * @param method the request's method
	 * @param route the route template, or {@link MeteringFilter#UNMATCHED}
	 * @return the resource name
	 */
	String resource(String method, String route) {
		Map<String, String> byMethod = this.byRoute.get(route);
		String resource = (byMethod != null) ? byMethod.get(method) : null;
		if (resource != null) {
			return resource;
		}
		resource = build(method, route);
		if (this.cached < this.maxCached) {
			Map<String, String> methods = this.byRoute.computeIfAbsent(route, (key) -> new ConcurrentHashMap<>());
			if (methods.putIfAbsent(method, resource) == null) {
				this.cached++; // racy on purpose: a bound, not a count
			}
		}
		return resource;
	}

	private static String build(String method, String route) {
		String resource = method + " " + route;
		if (resource.length() > UsageEventValidator.MAX_RESOURCE_LENGTH) {
			resource = resource.substring(0, UsageEventValidator.MAX_RESOURCE_LENGTH);
		}
		UsageEventValidator.validateResource(resource);
		return resource;
	}

	/**
	 * The dimensions of a response status: one immutable map per status, shared by every event.
	 * @param status the HTTP status
	 * @return {@code {status=<status>}}
	 */
	static Map<String, String> statusDimensions(int status) {
		return (status >= 0 && status < STATUS_DIMENSIONS.length) ? STATUS_DIMENSIONS[status]
				: Map.of("status", Integer.toString(status));
	}

	@SuppressWarnings("unchecked")
	private static Map<String, String>[] statusDimensions() {
		Map<String, String>[] dimensions = new Map[1000];
		for (int status = 0; status < dimensions.length; status++) {
			dimensions[status] = Map.of("status", Integer.toString(status));
		}
		return dimensions;
	}

}
