package dev.metering.admin;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import dev.metering.meter.InvalidMeterDefinitionException;
import dev.metering.meter.MeterDefinition;
import dev.metering.meter.MeterDefinitions;
import org.jspecify.annotations.Nullable;

/**
 * The meter definitions in force: {@code metering.meters} with the admin API's rows over them (a
 * row wins over the configured definition of its meter). Callers (recording, CloudEvents, the fold,
 * readers) never wait for the database: they get the definitions read last (at first the
 * configured ones) while the rows are read again in the background, after the definitions' time
 * to live or after {@link #forget()}, which every invalidation the bus delivers calls (through
 * {@link JdbcRuntimeDefinitions#forgetCachedReads()}). A failed read is retried about every
 * second. {@link MeteringAdmin} reads them again at once after its own change ({@link #reload()}).
 */
public class LayeredMeterDefinitions implements MeterDefinitions {

	private static final Log logger = LogFactory.getLog(LayeredMeterDefinitions.class);

	private static final long RETRY_NANOS = Duration.ofSeconds(1).toNanos();

	private final MeterDefinitions configured;

	private final JdbcRuntimeDefinitions store;

	private final @Nullable String requestMeter;

	private final long ttlNanos;

	/** Counts {@link #forget()}s: a read that a forget overtook is not kept. */
	private final AtomicLong forgotten = new AtomicLong();

	/** One background read at a time; its thread ends when idle. */
	private final ThreadPoolExecutor reader = new ThreadPoolExecutor(0, 1, 1, TimeUnit.SECONDS,
			new LinkedBlockingQueue<>(), (task) -> {
				Thread thread = new Thread(task, "metering-meter-definitions");
				thread.setDaemon(true);
				return thread;
			});

	private final AtomicBoolean reading = new AtomicBoolean();

	/** Whether the first read was tried: it runs on the caller's thread, so no event is shaped by yml a row overrides. */
	private volatile boolean firstReadTried;

	/** The definitions served and until when ({@link System#nanoTime()}) before they are read again. */
	private volatile Read current;

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
		this.current = new Read(configured, System.nanoTime());
		store.onForget(this::forget);
	}

	/** Reads the database's rows again (in the background on next use); the ones held serve meanwhile. */
	public void forget() {
		this.forgotten.incrementAndGet();
		this.current = new Read(this.current.definitions(), System.nanoTime());
	}

	/**
	 * Reads the database's rows now, on the caller's thread.
	 * @return {@code false} when the read failed or a {@link #forget()} overtook it (the ones held serve)
	 */
	public boolean reload() {
		long generation = this.forgotten.get();
		MeterDefinitions definitions;
		try {
			definitions = layered(this.store.meterDefinitions());
		}
		catch (RuntimeException ex) {
			logger.warn("Meter definitions could not be read; the ones read last serve: " + ex.getMessage());
			this.current = new Read(this.current.definitions(), System.nanoTime() + RETRY_NANOS);
			return false;
		}
		if (generation != this.forgotten.get()) {
			return false;
		}
		this.current = new Read(definitions, System.nanoTime() + this.ttlNanos);
		return true;
	}

	private MeterDefinitions current() {
		if (!this.firstReadTried) {
			synchronized (this) {
				if (!this.firstReadTried) {
					reload();
					this.firstReadTried = true;
				}
			}
		}
		Read read = this.current;
		if (System.nanoTime() - read.until() >= 0 && this.reading.compareAndSet(false, true)) {
			try {
				this.reader.execute(() -> {
					try {
						reload();
					}
					finally {
						this.reading.set(false);
					}
				});
			}
			catch (RuntimeException ex) {
				this.reading.set(false);
			}
		}
		return read.definitions();
	}

	private record Read(MeterDefinitions definitions, long until) {
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
