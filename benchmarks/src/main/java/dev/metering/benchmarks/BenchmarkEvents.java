package dev.metering.benchmarks;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.UUID;

import dev.metering.event.UsageEvent;
import dev.metering.event.UsageSource;

/**
 * Realistic usage events: mostly what the servlet filter records (meter {@code http.requests},
 * resource a route template, the status in the dimensions), some application events with larger
 * quantities, spread over tenants and users, a tenth with an idempotency key. Every event id and
 * every (tenant, idempotency key) is distinct, so a plain {@code COPY} of the same rows succeeds:
 * both sides write exactly the same rows.
 */
final class BenchmarkEvents {

	private static final String[] ROUTES = { "GET /api/projects/{id}", "GET /api/projects", "POST /api/projects",
			"GET /api/projects/{id}/tasks", "PUT /api/tasks/{id}", "GET /api/ping", "GET /api/users/{id}",
			"DELETE /api/tasks/{id}" };

	private static final String[] STATUSES = { "200", "200", "200", "200", "200", "200", "200", "201", "204", "404" };

	private static final String[] OPERATIONS = { "ReportService.generate", "StorageService.upload",
			"AiService.complete" };

	private static final String[] OPERATION_METERS = { "reports.generated", "storage.bytes", "ai.tokens" };

	private BenchmarkEvents() {
	}

	/**
	 * Generates events occurring over the hour before now, in time order.
	 * @param count how many
	 * @param tenants how many tenants they spread over
	 * @param seed the random seed (event ids and idempotency keys are random UUIDs regardless)
	 * @return the events
	 */
	static List<UsageEvent> generate(int count, int tenants, long seed) {
		SplittableRandom random = new SplittableRandom(seed);
		String[] tenantIds = new String[tenants];
		for (int t = 0; t < tenants; t++) {
			tenantIds[t] = String.format("tenant-%05d", t);
		}
		Instant start = Instant.now().minus(1, ChronoUnit.HOURS).truncatedTo(ChronoUnit.MILLIS);
		long stepMicros = Math.max(1, 3_600_000_000L / count);
		List<UsageEvent> events = new ArrayList<>(count);
		for (int i = 0; i < count; i++) {
			int tenant = random.nextInt(tenants);
			UsageEvent.Builder builder;
			if (random.nextInt(10) < 8) {
				builder = UsageEvent.builder(tenantIds[tenant], "http.requests")
					.source(UsageSource.HTTP)
					.resource(ROUTES[random.nextInt(ROUTES.length)])
					.dimension("status", STATUSES[random.nextInt(STATUSES.length)]);
			}
			else {
				int operation = random.nextInt(OPERATIONS.length);
				builder = UsageEvent.builder(tenantIds[tenant], OPERATION_METERS[operation])
					.source(UsageSource.APPLICATION)
					.resource(OPERATIONS[operation])
					.quantity(BigDecimal.valueOf(1 + random.nextInt(1_000_000)));
			}
			if (random.nextInt(10) == 0) {
				builder.idempotencyKey(UUID.randomUUID().toString());
			}
			builder.userId("user-" + tenant + "-" + random.nextInt(50))
				.occurredAt(start.plus(i * stepMicros + random.nextInt(1000), ChronoUnit.MICROS)
					.truncatedTo(ChronoUnit.MILLIS));
			events.add(builder.build());
		}
		return events;
	}

}
