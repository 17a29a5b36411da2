package dev.metering.notification;

import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariDataSource;

import dev.metering.autoconfigure.MeteringBusAutoConfiguration;
import dev.metering.autoconfigure.MeteringGrantAutoConfiguration;
import dev.metering.autoconfigure.MeteringLedgerAutoConfiguration;
import dev.metering.autoconfigure.MeteringNotificationAutoConfiguration;
import dev.metering.autoconfigure.MeteringQuotaAutoConfiguration;
import dev.metering.autoconfigure.MeteringRollupAutoConfiguration;
import dev.metering.event.UsageEvent;
import dev.metering.event.UsageRecorder;
import dev.metering.grant.GrantService;
import dev.metering.grant.NewGrant;
import dev.metering.quota.LeaseInstances;
import dev.metering.quota.QuotaDecision;
import dev.metering.quota.QuotaEnforcementService;
import dev.metering.rollup.UsageReader;
import dev.metering.test.MutableClock;
import dev.metering.test.TestDatabase;
import dev.metering.test.TestSchema;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What a threshold check costs the database: a grant-backed meter's balance (a second policy on
 * the month) is not read for thresholds, a notification emitted (or found emitted) is not asked
 * of the outbox again at every check, a window with nothing left to emit is not read again, and a
 * window is read again only when the watcher's own writes since its last read reach the next
 * threshold or the read interval has passed (the other instances' usage). A watcher of the test's
 * own, on a clock of the test's, counts the ledger reads and the outbox's emits of a real
 * instance; what it is told was written stands for this instance's writes, what is sent beyond
 * them for another instance's.
 */
class QuotaThresholdWatcherReadsTests {

	private static final String METER = "http.requests";

	private static ApplicationContextRunner instance(TestSchema schema, DataSource dataSource) {
		return new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(MeteringLedgerAutoConfiguration.class,
					MeteringRollupAutoConfiguration.class, MeteringGrantAutoConfiguration.class,
					MeteringQuotaAutoConfiguration.class, MeteringBusAutoConfiguration.class,
					MeteringNotificationAutoConfiguration.class))
			.withBean(DataSource.class, () -> dataSource)
			.withPropertyValues("metering.jdbc.table-prefix=" + schema.prefix(), "metering.jdbc.initialize-schema=never",
					"metering.rollup.enabled=false", "metering.default-plan=prepaid",
					"metering.quota.lease.request-timeout=60s", "metering.plans.prepaid.grant-backed[" + METER + "]=hard",
					"metering.plans.prepaid.quotas[0].meter=" + METER, "metering.plans.prepaid.quotas[0].limit=100",
					"metering.plans.prepaid.quotas[0].window=month", "metering.plans.prepaid.quotas[0].enforcement=hard",
					"metering.plans.prepaid.quotas[0].thresholds=50%,80%",
					// The instance's own watcher stays out of the way: the test's watcher checks.
					"metering.webhooks.threshold-check-interval=1h");
	}

	@ParameterizedTest
	@EnumSource(TestDatabase.class)
	void eachWindowIsReadOnceAndEachNotificationAskedOnce(TestDatabase database) {
		try (TestSchema schema = database.newSchema(); HikariDataSource a = database.newDataSource(4)) {
			instance(schema, a).run((one) -> {
				one.getBean(GrantService.class).create("ops", NewGrant.of("acme", METER, 1000));
				List<String> reads = new CopyOnWriteArrayList<>();
				List<String> emits = new CopyOnWriteArrayList<>();
				MutableClock clock = new MutableClock(Instant.now());
				QuotaThresholdWatcher watcher = watcher(one, reads, emits, new CopyOnWriteArrayList<>(), clock);
				List<UsageEvent> batch = List.of(event(1), event(1), event(1));

				send(one, 60);
				watcher.written(batch);
				watcher.checkNow();
				// The quota's month is read; the balance's month (the same window) is not read again.
				assertThat(reads).hasSize(1);
				assertThat(emits).containsExactly("quota.threshold_reached 50%");

				// 60 read and 3 written since cannot reach 80%: not read, the pair stays to be checked.
				watcher.written(batch);
				watcher.checkNow();
				clock.advance(Duration.ofSeconds(9));
				watcher.checkNow();
				assertThat(reads).hasSize(1);

				// The read interval passed: read again (another instance may have written), 50% not
				// asked of the outbox again.
				clock.advance(Duration.ofSeconds(1));
				watcher.checkNow();
				assertThat(reads).hasSize(2);
				assertThat(emits).hasSize(1);

				// Nothing written: nothing read.
				clock.advance(Duration.ofSeconds(20));
				watcher.checkNow();
				assertThat(reads).hasSize(2);

				// Its own writes reach 80%: read at once, 85 found.
				send(one, 25);
				watcher.written(List.of(event(20)));
				watcher.checkNow();
				assertThat(reads).hasSize(3);
				assertThat(emits).containsExactly("quota.threshold_reached 50%", "quota.threshold_reached 80%");

				send(one, 15);
				watcher.written(List.of(event(15)));
				watcher.checkNow();
				assertThat(reads).hasSize(4);
				assertThat(emits).containsExactly("quota.threshold_reached 50%", "quota.threshold_reached 80%",
						"quota.exceeded null");

				// Everything of the window emitted: written again, it is not read again, whatever the time.
				watcher.written(batch);
				watcher.checkNow();
				clock.advance(Duration.ofSeconds(30));
				watcher.checkNow();
				assertThat(reads).hasSize(4);
				assertThat(emits).hasSize(3);

				// The outbox holds each once.
				assertThat(schema.jdbc()
					.queryForObject("SELECT COUNT(*) FROM " + schema.prefix() + "webhook_outbox WHERE state = 'event'",
							Long.class)).isEqualTo(3);
			});
		}
	}

	@ParameterizedTest
	@EnumSource(TestDatabase.class)
	void aWatcherThatFindsANotificationEmittedByAnotherAsksOnceAndEmitsNothing(TestDatabase database) {
		try (TestSchema schema = database.newSchema(); HikariDataSource a = database.newDataSource(4)) {
			instance(schema, a).run((one) -> {
				one.getBean(GrantService.class).create("ops", NewGrant.of("acme", METER, 1000));
				List<String> firstEmits = new CopyOnWriteArrayList<>();
				QuotaThresholdWatcher first = watcher(one, new CopyOnWriteArrayList<>(), firstEmits);
				List<String> secondEmits = new CopyOnWriteArrayList<>();
				List<MeteringNotificationEvent> published = new CopyOnWriteArrayList<>();
				QuotaThresholdWatcher second = watcher(one, new CopyOnWriteArrayList<>(), secondEmits, published,
						Clock.systemUTC());
				send(one, 55);
				first.written(List.of(event(1)));
				first.checkNow();
				assertThat(firstEmits).containsExactly("quota.threshold_reached 50%");
				// The second watcher (another instance's) asks the outbox once, which has it already.
				for (int i = 0; i < 3; i++) {
					second.written(List.of(event(1)));
					second.checkNow();
				}
				assertThat(secondEmits).containsExactly("quota.threshold_reached 50%");
				assertThat(published).isEmpty();
			});
		}
	}

	private static QuotaThresholdWatcher watcher(ConfigurableApplicationContext context, List<String> reads,
			List<String> emits) {
		return watcher(context, reads, emits, new CopyOnWriteArrayList<>(), Clock.systemUTC());
	}

	private static QuotaThresholdWatcher watcher(ConfigurableApplicationContext context, List<String> reads,
			List<String> emits, List<MeteringNotificationEvent> published, Clock clock) {
		UsageReader ledger = context.getBean(UsageReader.class);
		UsageReader counted = new UsageReader() {

			@Override
			public BigDecimal tenantUsage(String tenantId, String meter, Instant from, Instant to) {
				reads.add(tenantId + " " + meter + " " + from + " " + to);
				return ledger.tenantUsage(tenantId, meter, from, to);
			}

			@Override
			public BigDecimal billingScopeUsage(String billingScopeId, String meter, Instant from, Instant to) {
				return ledger.billingScopeUsage(billingScopeId, meter, from, to);
			}

		};
		ApplicationEventPublisher events = (event) -> {
			if (event instanceof MeteringNotificationEvent notification) {
				published.add(notification);
			}
		};
		NotificationEmitter emitter = new NotificationEmitter(context.getBean(WebhookOutbox.class),
				context.getBean(WebhookRegistry.class), events, Clock.systemUTC()) {

			@Override
			public boolean emit(NotificationType type, String subject, String eventKey, Map<String, Object> data) {
				emits.add(type.wireName() + " " + data.get("threshold"));
				return super.emit(type, subject, eventKey, data);
			}

		};
		return new QuotaThresholdWatcher(context.getBean(QuotaEnforcementService.class), counted,
				context.getBean(ThresholdSource.class), emitter, Duration.ofHours(1), clock);
	}

	private static UsageEvent event() {
		return event(1);
	}

	private static UsageEvent event(long quantity) {
		return UsageEvent.builder("acme", METER).quantity(BigDecimal.valueOf(quantity)).build();
	}

	private static void send(ConfigurableApplicationContext context, int requests) {
		QuotaEnforcementService quotas = context.getBean(QuotaEnforcementService.class);
		for (int i = 0; i < requests; i++) {
			QuotaDecision decision = quotas.check("acme", METER, 1);
			assertThat(decision.allowed()).isTrue();
			decision.reservation().record(context.getBean(UsageRecorder.class), event());
		}
		LeaseInstances.flush(context);
	}

}
