package dev.metering.event;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import dev.metering.internal.json.DimensionsJson;

import static org.assertj.core.api.Assertions.assertThat;

class UuidV7Tests {

	@Test
	void idsAreVersion7CarryTheTimeAndIncreaseWithinOneMillisecond() {
		Instant now = Instant.parse("2026-11-23T12:00:00.123Z");
		UuidV7 generator = new UuidV7(Clock.fixed(now, ZoneOffset.UTC));
		UUID previous = generator.next();
		for (int i = 0; i < 10_000; i++) {
			UUID next = generator.next();
			assertThat(next.version()).isEqualTo(7);
			assertThat(next.variant()).isEqualTo(2);
			assertThat(Long.compareUnsigned(next.getMostSignificantBits(), previous.getMostSignificantBits()))
				.isPositive();
			previous = next;
		}
		assertThat(UuidV7.randomUuid().getMostSignificantBits() >>> 16).isGreaterThanOrEqualTo(now.toEpochMilli());
	}

	@Test
	void dimensionsJsonRoundTrips() {
		java.util.Map<String, String> dimensions = new java.util.LinkedHashMap<>();
		dimensions.put("status", "200");
		dimensions.put("a\"b\\c", "tab\tnew\nline\u0001");
		assertThat(DimensionsJson.decode(DimensionsJson.encode(dimensions))).isEqualTo(dimensions);
		assertThat(DimensionsJson.encode(java.util.Map.of())).isNull();
	}

}
