package dev.metering.sample;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import dev.metering.event.UsageEvent;
import dev.metering.event.UsageRecorder;
import dev.metering.ledger.BufferedLedgerWriter;
import dev.metering.ledger.UsageEventStore;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.ActiveProfiles;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The load harness's discard profile: events go through the kit's writer to the discarding
 * store, and the ledger stays empty.
 */
@SpringBootTest(properties = "spring.datasource.url=jdbc:h2:mem:discard;DB_CLOSE_DELAY=-1")
@ActiveProfiles("discard")
class DiscardingLedgerTests {

	@Autowired
	UsageEventStore store;

	@Autowired
	UsageRecorder recorder;

	@Autowired
	BufferedLedgerWriter writer;

	@Autowired
	JdbcTemplate jdbc;

	@Test
	void eventsAreHandedToTheWriterAndNeverWritten() {
		assertThat(this.store).isInstanceOf(DiscardingLedger.DiscardingStore.class);
		for (int i = 0; i < 100; i++) {
			this.recorder.record(UsageEvent.builder("acme", "api_calls").build());
		}
		assertThat(this.writer.flush(Duration.ofSeconds(20))).isTrue();
		assertThat(((DiscardingLedger.DiscardingStore) this.store).discarded()).isEqualTo(100);
		assertThat(this.jdbc.queryForObject("SELECT COUNT(*) FROM metering_usage_event", Long.class)).isZero();
	}

}
