package dev.metering.quota.bus;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.UUID;
import java.util.function.Consumer;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.context.SmartLifecycle;
import org.springframework.data.redis.connection.Message;
import org.springframework.data.redis.connection.MessageListener;
import org.springframework.data.redis.connection.RedisConnection;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.connection.SubscriptionListener;
import org.springframework.data.redis.listener.ChannelTopic;
import org.springframework.data.redis.listener.RedisMessageListenerContainer;
import org.springframework.util.backoff.ExponentialBackOff;

/**
 * Redis pub/sub: a {@link RedisMessageListenerContainer} subscribes to the channel (it recovers
 * a lost subscription with backoff); publications go out with {@code PUBLISH}. Every
 * (re)subscription after the first reads every definition held again in the background (serving
 * until then), since messages sent meanwhile are lost.
 */
public class RedisInvalidationBus implements QuotaInvalidationBus, SmartLifecycle {

	private static final Log logger = LogFactory.getLog(RedisInvalidationBus.class);

	private final RedisConnectionFactory connectionFactory;

	private final byte[] channel;

	private final Consumer<QuotaInvalidation> receiver;

	private final RedisMessageListenerContainer container;

	private final String origin = UUID.randomUUID().toString();

	private final ConnectionStatus status = new ConnectionStatus("redis");

	/**
	 * Creates the bus.
	 * @param connectionFactory the Redis connections
	 * @param channel the channel
	 * @param receiver applies invalidations to the caches
	 * @param initialBackoff the first delay before the subscription is recovered
	 * @param maximumBackoff the longest delay between recovery attempts
	 */
	public RedisInvalidationBus(RedisConnectionFactory connectionFactory, String channel,
			Consumer<QuotaInvalidation> receiver, Duration initialBackoff, Duration maximumBackoff) {
		this.connectionFactory = connectionFactory;
		this.channel = channel.getBytes(StandardCharsets.UTF_8);
		this.receiver = receiver;
		this.container = new RedisMessageListenerContainer();
		this.container.setConnectionFactory(connectionFactory);
		ExponentialBackOff backOff = new ExponentialBackOff(initialBackoff.toMillis(), 2);
		backOff.setMaxInterval(maximumBackoff.toMillis());
		this.container.setRecoveryBackoff(backOff);
		this.container.setErrorHandler((ex) -> {
			this.status.disconnected(ex);
			logger.warn("Quota invalidation bus lost its Redis subscription; recovering: " + ex.getMessage());
		});
		this.container.addMessageListener(new Listener(), new ChannelTopic(channel));
		this.container.afterPropertiesSet();
	}

	@Override
	public void publish(QuotaInvalidation invalidation) {
		this.receiver.accept(invalidation);
		try (RedisConnection connection = this.connectionFactory.getConnection()) {
			connection.publish(this.channel, invalidation.encode(this.origin).getBytes(StandardCharsets.UTF_8));
		}
		catch (RuntimeException ex) {
			logger.warn("Could not notify other instances of " + invalidation + "; they see it within the cache TTL",
					ex);
		}
	}

	@Override
	public BusState state() {
		BusState state = this.status.state();
		boolean connected = state.connected() && this.container.isListening();
		return new BusState(state.transport(), connected, state.received(), state.reconnects(), state.lastError(),
				state.since());
	}

	@Override
	public void start() {
		this.container.start();
	}

	@Override
	public void stop() {
		this.container.stop();
	}

	@Override
	public boolean isRunning() {
		return this.container.isRunning();
	}

	private final class Listener implements MessageListener, SubscriptionListener {

		@Override
		public void onMessage(Message message, byte[] pattern) {
			QuotaInvalidation.Message decoded = QuotaInvalidation
				.decode(new String(message.getBody(), StandardCharsets.UTF_8));
			if (decoded == null || decoded.origin().equals(RedisInvalidationBus.this.origin)) {
				return;
			}
			RedisInvalidationBus.this.status.received();
			RedisInvalidationBus.this.receiver.accept(decoded.invalidation());
		}

		@Override
		public void onChannelSubscribed(byte[] channel, long count) {
			if (RedisInvalidationBus.this.status.connected()) {
				logger.info("Quota invalidation bus resubscribed to Redis; reading every definition again");
				RedisInvalidationBus.this.receiver.accept(QuotaInvalidation.all());
			}
		}

		@Override
		public void onChannelUnsubscribed(byte[] channel, long count) {
			RedisInvalidationBus.this.status.disconnected(new IllegalStateException("unsubscribed"));
		}

	}

}
