package dev.metering.api;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import dev.metering.event.UsageEvent;
import dev.metering.event.UsageEventValidator;
import dev.metering.event.UsageSource;
import org.jspecify.annotations.Nullable;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * {@code POST /events}' parser as written (the tree read by hand, {@link EventJson}) against the
 * same events bound to a record by {@link BoundedJson} and then built and checked alike: the
 * measurement behind keeping the hand-written one. Not a test: run it with
 * {@code org.openjdk.jmh.Main EventParsingBenchmark} on the test classpath.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@State(Scope.Benchmark)
public class EventParsingBenchmark {

	@Param({ "1", "100" })
	public int events;

	private byte[] body;

	private final UsageEventValidator validator = UsageEventValidator.ledgerLimits(Clock.systemUTC());

	@Setup
	public void setUp() {
		String event = "{\"tenant_id\":\"acme\",\"metric\":\"api.calls\",\"quantity\":2.5,\"user_id\":\"u-1\","
				+ "\"timestamp\":\"2026-11-23T18:20:00Z\",\"idempotency_key\":\"order-42\","
				+ "\"metadata\":{\"region\":\"eu\",\"retries\":2}}";
		String json = (this.events == 1) ? event : "[" + String.join(",", Collections.nCopies(this.events, event)) + "]";
		this.body = json.getBytes(StandardCharsets.UTF_8);
	}

	@Benchmark
	public List<UsageEvent> handWritten() {
		return EventJson.read(this.body, 1000, this.validator).events();
	}

	@Benchmark
	public List<UsageEvent> boundToRecords() {
		BoundEvent[] bound = (this.events == 1) ? new BoundEvent[] { BoundedJson.read(this.body, BoundEvent.class) }
				: BoundedJson.read(this.body, BoundEvent[].class);
		List<UsageEvent> built = new ArrayList<>(bound.length);
		for (BoundEvent event : bound) {
			String problem = UsageEventValidator.quantityProblem(event.quantity());
			if (problem != null) {
				throw ApiException.badRequest("quantity", problem);
			}
			UsageEvent.Builder builder = UsageEvent.builder(event.tenantId(), event.metric())
				.quantity(event.quantity())
				.userId(event.userId())
				.source(UsageSource.API)
				.idempotencyKey(event.idempotencyKey());
			if (event.timestamp() != null) {
				builder.occurredAt(OffsetDateTime.parse(event.timestamp()).toInstant());
			}
			if (event.metadata() != null) {
				Map<String, String> dimensions = new LinkedHashMap<>();
				event.metadata().forEach((key, value) -> dimensions.put(key, String.valueOf(value)));
				builder.dimensions(dimensions);
			}
			UsageEvent built1 = builder.build();
			this.validator.validate(built1);
			built.add(built1);
		}
		return built;
	}

	@JsonIgnoreProperties(ignoreUnknown = true)
	record BoundEvent(String tenantId, String metric, BigDecimal quantity, String userId, @Nullable String timestamp,
			@Nullable String idempotencyKey, @Nullable Map<String, Object> metadata) {
	}

}
