package dev.metering.kafka;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

import dev.metering.test.TestDatabase;

/**
 * Tests on a real broker of their class's own (a child JVM, see {@link KafkaBroker}) and PostgreSQL.
 */
abstract class KafkaBrokerTest {

	static final TestDatabase database = TestDatabase.POSTGRESQL;

	static KafkaBroker broker;

	@BeforeAll
	static void startBroker() {
		broker = KafkaBroker.start();
	}

	@AfterAll
	static void stopBroker() {
		broker.close();
	}

}
