package dev.metering.admin;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import dev.metering.meter.InvalidMeterDefinitionException;
import dev.metering.meter.MeterDefinition;
import dev.metering.meter.MeterDefinitions;
import org.jspecify.annotations.Nullable;

/**
 * The meter definitions in force: {@code metering.meters} with the admin API's rows over them (a
 * row wins over the configured definition of its meter). The rows are read on first use, again
 * after the definitions' time to live, and after {@link #forget()}, which every invalidation the bus delivers calls (through
 * {@link JdbcRuntimeDefinitions#forgetCachedReads()}); while the database fails, the last
 * definitions read (at first the configured ones) keep serving.
 */
public class LayeredMeterDefinitions implements MeterDefinitions {

	private final MeterDefinitions configured;

	private final JdbcRuntimeDefinitions store;

	private final @Nullable String requestMeter;

	private final long ttlNanos;

	/** The definitions read last and when ({@link System#nanoTime()}), {@code null} once forgotten. */
	private volatile @Nullable Read current;

	/** Counts {@link #forget()}s: a read that a forget overtook is not kept. */
	private final AtomicLong forgotten = new AtomicLong();

	/** What the last read gave: served while the database fails. */
	private volatile MeterDefinitions lastRead;

	/**
	 * Creates the layered definitions.
	 * @param configured the definitions of {@code metering.meters}
	 * @param store the runtime definitions' tables
	 * @param requestMeter the meter the request filter records (it stays a count of requests), or
	 * {@code null} when the filter is off
	 * @param ttl how long a read serves before the tables are read again, when no invalidation came
	 * ({@code metering.cache.definitions-ttl}; without a bus between instances this is the delay)
	 */
	public LayeredMeterDefinitions(MeterDefinitions configured, JdbcRuntimeDefinitions store,
			@Nullable String requestMeter, Duration ttl) {
		this.ttlNanos = ttl.toNanos();
		this.configured = configured;
		this.store = store;
		this.requestMeter = requestMeter;
		// Until the tables are read once, the configured definitions serve (the database may not be up yet).
		this.lastRead = configured;
		store.onForget(this::forget);
	}

	/** Reads the database's rows again on next use. */
	public void forget() {
		this.forgotten.incrementAndGet();
		this.current = null;
	}

	private MeterDefinitions current() {
		Read read = this.current;
		long now = System.nanoTime();
		if (read != null && now - read.at() < this.ttlNanos) {
			return read.definitions();
		}
		long generation = this.forgotten.get();
		MeterDefinitions definitions;
		try {
			definitions = layered(this.store.meterDefinitions());
		}
		catch (RuntimeException ex) {
			return this.lastRead;
		}
		this.lastRead = definitions;
		if (generation == this.forgotten.get()) {
			this.current = new Read(definitions, now);
		}
		return definitions;
	}

	private record Read(MeterDefinitions definitions, long at) {
	}

	private MeterDefinitions layered(List<MeterDefinition> rows) {
		Map<String, MeterDefinition> byMeter = new LinkedHashMap<>();
		this.configured.all().forEach((definition) -> byMeter.put(definition.name(), definition));
		rows.forEach((definition) -> byMeter.put(definition.name(), definition));
		return MeterDefinitions.of(new ArrayList<>(byMeter.values()));
	}

	/**
	 * Checks a definition as the start-up checks {@code metering.meters}: the request filter's meter
	 * stays a count of requests.
	 * @param definition the definition
	 * @throws InvalidDefinitionException naming the property
	 */
	void check(MeterDefinition definition) {
		if (!definition.name().equals(this.requestMeter)) {
			return;
		}
		try {
			definition.requireCountOfRequests();
		}
		catch (InvalidMeterDefinitionException ex) {
			throw invalid(ex);
		}
	}

	/**
	 * The configured definition of a meter.
	 * @param meter the meter
	 * @return its definition in {@code metering.meters}, or {@code null}
	 */
	@Nullable MeterDefinition configured(String meter) {
		return this.configured.find(meter);
	}

	@Override
	public @Nullable MeterDefinition find(String meter) {
		return current().find(meter);
	}

	@Override
	public List<MeterDefinition> forEventType(String eventType) {
		return current().forEventType(eventType);
	}

	@Override
	public List<MeterDefinition> all() {
		return current().all();
	}

	static InvalidDefinitionException invalid(InvalidMeterDefinitionException ex) {
		return InvalidDefinitionException.ofMeter(ex.getProperty(), ex.getValue(), ex.getReason());
	}

}
