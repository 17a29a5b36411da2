package dev.metering.autoconfigure;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The quota invalidation bus: how a runtime quota change reaches every instance.
 */
@ConfigurationProperties("metering.bus")
public class MeteringBusProperties {

	/**
	 * The transport. 'auto' picks Redis pub/sub when a RedisConnectionFactory is configured,
	 * PostgreSQL LISTEN/NOTIFY on PostgreSQL, else in-process. 'none' sends nothing: other
	 * instances see changes when their caches expire.
	 */
	private BusType type = BusType.AUTO;

	/**
	 * The channel name (PostgreSQL channel or Redis topic). Defaults to the table prefix followed
	 * by 'quota_changes', so applications sharing a database under different prefixes do not mix.
	 */
	private String channel;

	/**
	 * The first delay before the bus reconnects after losing its connection; it doubles up to
	 * the maximum.
	 */
	private Duration initialBackoff = Duration.ofMillis(100);

	/**
	 * The longest delay between reconnection attempts.
	 */
	private Duration maximumBackoff = Duration.ofSeconds(5);

	public BusType getType() {
		return this.type;
	}

	public void setType(BusType type) {
		this.type = type;
	}

	public String getChannel() {
		return this.channel;
	}

	public void setChannel(String channel) {
		this.channel = channel;
	}

	public Duration getInitialBackoff() {
		return this.initialBackoff;
	}

	public void setInitialBackoff(Duration initialBackoff) {
		this.initialBackoff = initialBackoff;
	}

	public Duration getMaximumBackoff() {
		return this.maximumBackoff;
	}

	public void setMaximumBackoff(Duration maximumBackoff) {
		this.maximumBackoff = maximumBackoff;
	}

	/**
	 * The transports of the bus.
	 */
	public enum BusType {

		/** Redis when configured, PostgreSQL LISTEN/NOTIFY on PostgreSQL, else in-process. */
		AUTO,

		/** This instance only. */
		IN_PROCESS,

		/** PostgreSQL LISTEN/NOTIFY over a dedicated connection. */
		POSTGRES,

		/** Redis pub/sub (needs spring-data-redis and a RedisConnectionFactory). */
		REDIS,

		/** No bus: changes apply here at once and elsewhere within the cache TTL. */
		NONE

	}

}
