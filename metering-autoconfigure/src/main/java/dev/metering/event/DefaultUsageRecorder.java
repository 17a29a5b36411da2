package dev.metering.event;

import java.util.Collection;
import java.util.List;

/**
 * Validates events and hands them to a {@link UsageEventSink}.
 */
public class DefaultUsageRecorder implements UsageRecorder {

	private final UsageEventValidator validator;

	private final UsageEventSink sink;

	public DefaultUsageRecorder(UsageEventValidator validator, UsageEventSink sink) {
		this.validator = validator;
		this.sink = sink;
	}

	@Override
	public void record(UsageEvent event) {
		this.validator.validate(event);
		this.sink.offer(event);
	}

	/**
	 * Records an event the kit built itself (the request meter's), checking only what came from
	 * the caller (see {@link UsageEventValidator#validateCallerFields(UsageEvent)}), unless the
	 * validator is a subclass: that one gets {@link UsageEventValidator#validate(UsageEvent)}.
	 * @param event an event built by the kit
	 * @throws InvalidUsageEventException naming the first invalid field
	 */
	public void recordBuiltByKit(UsageEvent event) {
		if (this.validator.getClass() == UsageEventValidator.class) {
			this.validator.validateCallerFields(event);
		}
		else {
			// The application's own validator may add rules of its own: it sees every event.
			this.validator.validate(event);
		}
		this.sink.offer(event);
	}

	@Override
	public void recordAll(Collection<UsageEvent> events) {
		List<UsageEvent> batch = List.copyOf(events);
		batch.forEach(this.validator::validate);
		batch.forEach(this.sink::offer);
	}

}
