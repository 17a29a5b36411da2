package dev.metering.api;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import javax.sql.DataSource;

import dev.metering.autoconfigure.MeteringApiAutoConfiguration;
import dev.metering.autoconfigure.MeteringBillingAutoConfiguration;
import dev.metering.autoconfigure.MeteringLedgerAutoConfiguration;
import dev.metering.autoconfigure.MeteringRollupAutoConfiguration;
import dev.metering.autoconfigure.MeteringTenantAutoConfiguration;
import dev.metering.test.TestSchema;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.http.converter.autoconfigure.HttpMessageConvertersAutoConfiguration;
import org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.webmvc.autoconfigure.WebMvcAutoConfiguration;
import org.springframework.jdbc.datasource.DelegatingDataSource;

/**
 * The usage API on a test schema with OpenMeter's example meters: {@code llm.tokens} sums
 * {@code /usage/total_tokens} of {@code llm.completion} events by {@code /model}, and
 * {@code llm.completions} counts them; and batches of such CloudEvents.
 */
final class CloudEventsFixture {

	static final String KEY = "ce-test-key-0123456789";

	static final String[] MODELS = { "a", "b", "c" };

	private CloudEventsFixture() {
	}

	static WebApplicationContextRunner runner(TestSchema schema) {
		return new WebApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(MeteringTenantAutoConfiguration.class,
					MeteringLedgerAutoConfiguration.class, MeteringRollupAutoConfiguration.class,
					MeteringBillingAutoConfiguration.class, MeteringApiAutoConfiguration.class,
					JacksonAutoConfiguration.class, HttpMessageConvertersAutoConfiguration.class,
					WebMvcAutoConfiguration.class))
			.withClassLoader(new FilteredClassLoader("org.springframework.security"))
			.withBean(DataSource.class, () -> new DelegatingDataSource(schema.dataSource()))
			.withPropertyValues("metering.jdbc.table-prefix=" + schema.prefix(), "metering.jdbc.initialize-schema=never",
					"metering.rollup.enabled=false", "metering.writer.flush-interval=10ms",
					"metering.api.enabled=true", "metering.api.auth=api-key", "metering.api.api-key=" + KEY,
					"metering.meters[0].name=llm.tokens", "metering.meters[0].aggregation=sum",
					"metering.meters[0].event-type=llm.completion", "metering.meters[0].value=/usage/total_tokens",
					"metering.meters[0].group-by.model=/model", "metering.meters[0].unit=token",
					"metering.meters[1].name=llm.completions", "metering.meters[1].aggregation=count",
					"metering.meters[1].event-type=llm.completion");
	}

	/** {@code count} completions of {@code tenant}, ids {@code prefix-i}, models and tokens drawn from {@code random}. */
	static List<Completion> completions(String tenant, String prefix, int count, Random random, Instant around) {
		List<Completion> completions = new ArrayList<>(count);
		for (int i = 0; i < count; i++) {
			completions.add(new Completion(tenant, prefix + "-" + i, MODELS[random.nextInt(MODELS.length)],
					1 + random.nextInt(100_000), around.minusSeconds(random.nextInt(3000))));
		}
		return completions;
	}

	static String batch(List<Completion> completions) {
		StringBuilder body = new StringBuilder(completions.size() * 220).append('[');
		for (int i = 0; i < completions.size(); i++) {
			body.append((i > 0) ? "," : "").append(completions.get(i).json());
		}
		return body.append(']').toString();
	}

	/**
	 * One {@code llm.completion} CloudEvent, as OpenMeter's example sends it.
	 */
	record Completion(String tenant, String id, String model, long tokens, Instant time) {

		String json() {
			return "{\"specversion\":\"1.0\",\"id\":\"" + this.id + "\",\"source\":\"chat-service\","
					+ "\"type\":\"llm.completion\",\"subject\":\"" + this.tenant + "\",\"time\":\"" + this.time
					+ "\",\"data\":{\"model\":\"" + this.model + "\",\"usage\":{\"prompt_tokens\":1,"
					+ "\"total_tokens\":" + this.tokens + "}}}";
		}

	}

}
