package dev.metering.ledger;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import dev.metering.event.UsageEvent;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A batch's sums by key equal the sums of its events, whatever order the keys come in and
 * whatever the quantities: runs of one key, keys interleaved, whole and fractional quantities,
 * whole ones too large for the shortcut.
 */
class LedgerBatchSumsTests {

	private static final Instant HOUR = Instant.parse("2026-12-07T15:00:00Z");

	@Test
	void sumsAndCountsByKeyAreThoseOfTheEventsInAnyOrder() {
		String[] tenants = { "acme", "beta" };
		String[] users = { null, "u1" };
		BigDecimal[] quantities = { BigDecimal.ONE, new BigDecimal("2.5"), new BigDecimal("1000000000"),
				new BigDecimal("0.000000001"), BigDecimal.valueOf(7) };
		List<UsageEvent> events = new ArrayList<>();
		Map<String, BigDecimal> sums = new HashMap<>();
		Map<String, Long> counts = new HashMap<>();
		for (int i = 0; i < 400; i++) {
			// Runs of one key (i / 7), then keys changing on every event.
			int k = (i < 200) ? i / 7 : i;
			String tenant = new String(tenants[k % 2]);
			String user = users[(k / 2) % 2];
			Instant at = HOUR.plusSeconds(3_600L * ((k / 4) % 2) + i);
			BigDecimal quantity = quantities[i % quantities.length];
			events.add(UsageEvent.builder(tenant, "http.requests").occurredAt(at).userId(user).quantity(quantity).build());
			String key = tenant + "|" + user + "|" + at.getEpochSecond() / 3_600;
			sums.merge(key, quantity, BigDecimal::add);
			counts.merge(key, 1L, Long::sum);
		}
		String[][] columns = LedgerBatchSums.of(events).columns();
		assertThat(columns[0]).hasSize(8);
		Map<String, BigDecimal> summed = new HashMap<>();
		Map<String, Long> counted = new HashMap<>();
		for (int i = 0; i < columns[0].length; i++) {
			assertThat(columns[1][i]).isEqualTo("http.requests");
			assertThat(columns[2][i]).isEqualTo(columns[0][i]);
			String key = columns[0][i] + "|" + columns[4][i] + "|" + Instant.parse(columns[3][i]).getEpochSecond() / 3_600;
			summed.put(key, new BigDecimal(columns[5][i]));
			counted.put(key, Long.parseLong(columns[6][i]));
		}
		assertThat(summed.keySet()).isEqualTo(sums.keySet());
		sums.forEach((key, sum) -> assertThat(summed.get(key)).as(key).isEqualByComparingTo(sum));
		assertThat(counted).isEqualTo(counts);
	}

}
