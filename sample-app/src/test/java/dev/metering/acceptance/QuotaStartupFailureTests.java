package dev.metering.acceptance;

import java.util.stream.Stream;

import dev.metering.sample.SampleApplication;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatException;

/**
 * Each kind of wrong quota setting stops the sample application with Spring Boot's failure
 * report naming the property and what is allowed, whether binding or the kit's checks reject it.
 */
@ExtendWith(OutputCaptureExtension.class)
class QuotaStartupFailureTests {

	@ParameterizedTest
	@CsvSource(delimiter = '|', value = {
			"metering.plans.free.quotas[0].window=week | metering.plans.free.quotas[0].window | use hour, day or month",
			"metering.plans.free.quotas[0].enforcement=strict | metering.plans.free.quotas[0].enforcement | use hard, soft or monitor",
			"metering.plans.free.quotas[0].limit=-5 | metering.plans.free.quotas[0].limit | a limit is required and must not be negative",
			"metering.plans.free.quotas[0].soft-threshold=1.2 | metering.plans.free.quotas[0].soft-threshold | a fraction of the limit greater than 0 and at most 1",
			"metering.tenants.acme.plan=platinum | metering.tenants.acme.plan | no such plan",
			"metering.default-plan=platinum | metering.default-plan | no such plan",
			"metering.quota.on-unknown-usage=maybe | metering.quota.on-unknown-usage | use allow or deny",
			"metering.quota.problem-type=not a uri | metering.quota.problem-type | must be a URI" })
	void startUpFailsWithAReadableMessage(String setting, String property, String reason, CapturedOutput output) {
		String key = setting.substring(0, setting.indexOf('='));
		// A repeated command-line property would be joined with a comma: the setting replaces the base one.
		String[] args = Stream.concat(Stream.of("server.port=0",
				"spring.datasource.url=jdbc:h2:mem:startup-failure;DB_CLOSE_DELAY=-1", "metering.default-plan=free",
				"metering.plans.free.quotas[0].meter=http.requests", "metering.plans.free.quotas[0].limit=10")
			.filter((arg) -> !arg.startsWith(key + "=")), Stream.of(setting))
			.map((arg) -> "--" + arg)
			.toArray(String[]::new);
		assertThatException().isThrownBy(() -> new SpringApplicationBuilder(SampleApplication.class).run(args));
		assertThat(output).contains("APPLICATION FAILED TO START")
			.contains("Invalid quota configuration")
			.contains("Property: " + property)
			.contains("Reason:   " + reason);
	}

}
