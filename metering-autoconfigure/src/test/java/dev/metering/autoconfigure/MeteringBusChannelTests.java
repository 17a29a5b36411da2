package dev.metering.autoconfigure;

import dev.metering.ledger.MeteringTables;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The bus channel's name: the table prefix with each '.' replaced by '_' (a schema-qualified
 * prefix is no valid channel name), then {@code quota_changes}; {@code metering.bus.channel} wins.
 */
class MeteringBusChannelTests {

	@Test
	void theChannelIsTheTablePrefixWithDotsAsUnderscoresUnlessConfigured() {
		MeteringBusProperties bus = new MeteringBusProperties();
		assertThat(MeteringBusAutoConfiguration.channel(bus, new MeteringTables("metering_")))
			.isEqualTo("metering_quota_changes");
		assertThat(MeteringBusAutoConfiguration.channel(bus, new MeteringTables("billing.metering_")))
			.isEqualTo("billing_metering_quota_changes");
		bus.setChannel("changes");
		assertThat(MeteringBusAutoConfiguration.channel(bus, new MeteringTables("billing.metering_")))
			.isEqualTo("changes");
	}

}
