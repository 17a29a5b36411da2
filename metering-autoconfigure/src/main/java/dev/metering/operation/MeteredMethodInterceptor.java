package dev.metering.operation;

import java.math.BigDecimal;
import java.net.URI;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.aopalliance.intercept.MethodInterceptor;
import org.aopalliance.intercept.MethodInvocation;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import dev.metering.event.InvalidUsageEventException;
import dev.metering.event.PayloadEvents;
import dev.metering.event.UsageEvent;
import dev.metering.event.UsageEventValidator;
import dev.metering.event.UsageRecorder;
import dev.metering.event.UsagePayload;
import dev.metering.event.UsageSource;
import dev.metering.quota.QuotaDecision;
import dev.metering.quota.QuotaEnforcementService;
import dev.metering.quota.QuotaExceededException;
import dev.metering.quota.Reservation;
import dev.metering.tenant.TenantDirectory;

import org.springframework.aop.support.AopUtils;
import org.springframework.expression.Expression;

/**
 * Enforces and records each call of a {@code @Metered} method.
 * <p>
 * Before the call: the tenant, the quantity (unless it depends on {@code #result}) and the
 * idempotency key are evaluated, and the event they make is validated, so a bad expression or a
 * value the ledger would refuse fails the call with a {@link MeteredOperationException} before
 * it has any effect; then, with quotas configured and {@code enforce = true}, the quota is
 * checked and the quantity reserved. A denied call throws {@link QuotaExceededException} and
 * records nothing. A quantity over {@code #result} is pre-checked for something left of the
 * quota and recorded with its real value afterwards. The reservation turns into the recorded
 * event, or is given back when the call fails and is not recorded.
 * <p>
 * After the call has done its work, metering never fails it: when its event cannot be recorded
 * (a {@code #result} quantity without a usable value, a recorder failure) the call returns as
 * it would have, and the miss is logged and told to the {@link MeteredOperationObserver}.
 * <p>
 * Over 350 lines: one call's whole life (prepare, check, run, record, give back) reads in order
 * here, with its constructors for each way the kit wires it.
 */
public class MeteredMethodInterceptor implements MethodInterceptor {

	private static final Log logger = LogFactory.getLog(MeteredMethodInterceptor.class);

	private final MeteredOperationSource operations;

	private final UsageRecorder recorder;

	private final OperationTenantResolver tenants;

	private final @Nullable QuotaEnforcementService quotas;

	private final @Nullable URI problemType;

	private final Clock clock;

	private final UsageEventValidator validator;

	private final MeteredOperationObserver observer;

	private final TenantDirectory directory;

	private final PayloadEvents payloadEvents;

	/**
	 * An interceptor that records without enforcing.
	 * @param operations the parsed operations
	 * @param recorder where events go
	 * @param tenants the current request's tenant and user
	 */
	public MeteredMethodInterceptor(MeteredOperationSource operations, UsageRecorder recorder,
			OperationTenantResolver tenants) {
		this(operations, recorder, tenants, null, null, Clock.systemUTC(), null, MeteredOperationObserver.NONE);
	}

	/**
	 * An interceptor that enforces quotas when {@code quotas} is given.
	 * @param operations the parsed operations
	 * @param recorder where events go
	 * @param tenants the current request's tenant and user
	 * @param quotas the enforcement service, or {@code null} not to enforce
	 * @param problemType the problem type of {@link QuotaExceededException}, or {@code null} for the default
	 * @param clock the clock placing calls in quota windows
	 * @param validator checks a call's event before the call (the recorder's rules), or
	 * {@code null} to check only what the ledger's columns hold
	 * @param observer told about completed calls that could not be recorded
	 */
	public MeteredMethodInterceptor(MeteredOperationSource operations, UsageRecorder recorder,
			OperationTenantResolver tenants, @Nullable QuotaEnforcementService quotas, @Nullable URI problemType,
			Clock clock, @Nullable UsageEventValidator validator, MeteredOperationObserver observer) {
		this(operations, recorder, tenants, quotas, problemType, clock, validator, observer, TenantDirectory.FLAT);
	}

	/**
	 * An interceptor that enforces quotas at every level of a tenant's lineage.
	 * @param operations the parsed operations
	 * @param recorder where events go
	 * @param tenants the current request's tenant and user
	 * @param quotas the enforcement service, or {@code null} not to enforce
	 * @param problemType the problem type of {@link QuotaExceededException}, or {@code null} for the default
	 * @param clock the clock placing calls in quota windows
	 * @param validator checks a call's event before the call, or {@code null} for the ledger's limits
	 * @param observer told about completed calls that could not be recorded
	 * @param directory the lineage of each tenant
	 */
	public MeteredMethodInterceptor(MeteredOperationSource operations, UsageRecorder recorder,
			OperationTenantResolver tenants, @Nullable QuotaEnforcementService quotas, @Nullable URI problemType,
			Clock clock, @Nullable UsageEventValidator validator, MeteredOperationObserver observer,
			TenantDirectory directory) {
		this(operations, recorder, tenants, quotas, problemType, clock, validator, observer, directory,
				PayloadEvents.UNDEFINED);
	}

	/**
	 * An interceptor that enforces quotas at every level of a tenant's lineage, and checks a call
	 * with data by the events the meter definitions make of it (their group values and counted
	 * value), before the call.
	 * @param operations the parsed operations
	 * @param recorder where events go
	 * @param tenants the current request's tenant and user
	 * @param quotas the enforcement service, or {@code null} not to enforce
	 * @param problemType the type of the 429 problem
	 * @param clock the clock placing calls in quota windows
	 * @param validator checks a call's event before the call, or {@code null} for the ledger's limits
	 * @param observer told about completed calls that could not be recorded
	 * @param directory the lineage of each tenant
	 * @param payloadEvents the events a call's data makes (the recorder's, {@code MeterEvents})
	 */
	public MeteredMethodInterceptor(MeteredOperationSource operations, UsageRecorder recorder,
			OperationTenantResolver tenants, @Nullable QuotaEnforcementService quotas, @Nullable URI problemType,
			Clock clock, @Nullable UsageEventValidator validator, MeteredOperationObserver observer,
			TenantDirectory directory, PayloadEvents payloadEvents) {
		this.payloadEvents = payloadEvents;
		this.directory = directory;
		this.operations = operations;
		this.recorder = recorder;
		this.tenants = tenants;
		this.quotas = quotas;
		this.problemType = problemType;
		this.clock = clock;
		this.validator = (validator != null) ? validator : UsageEventValidator.ledgerLimits(clock);
		this.observer = observer;
	}

	@Override
	public @Nullable Object invoke(MethodInvocation invocation) throws Throwable {
		Object target = invocation.getThis();
		Class<?> targetClass = (target != null) ? AopUtils.getTargetClass(target) : null;
		MeteredOperation operation = this.operations.getOperation(invocation.getMethod(), targetClass);
		if (operation == null) {
			return invocation.proceed();
		}
		MeteredRequest request = this.tenants.currentRequest();
		MeteredCall call = new MeteredCall(operation, target, operation.method(), invocation.getArguments());
		Event event = prepare(call, request);
		Reservation reservation = enforce(operation, event, request);
		Object result;
		try {
			result = invocation.proceed();
		}
		catch (Throwable ex) {
			if (operation.recordPolicy() == Metered.RecordPolicy.ALWAYS) {
				call.result(null);
				RuntimeException recordFailure = record(call, event, reservation);
				if (recordFailure != null) {
					// The caller must see why the method failed, not why its record failed.
					ex.addSuppressed(recordFailure);
				}
			}
			else {
				reservation.release();
			}
			throw ex;
		}
		call.result(result);
		record(call, event, reservation);
		return result;
	}

	/**
	 * Evaluates what can be known before the call and validates the event it makes, so that
	 * nothing but the {@code #result} quantity is left to fail after the call's work.
	 */
	private Event prepare(MeteredCall call, @Nullable MeteredRequest request) {
		MeteredOperation operation = call.operation();
		String tenant = tenantOf(call, request);
		BigDecimal quantity = operation.resultDependent() ? null : call.evaluateQuantity();
		String idempotencyKey = call.evaluateString(operation.idempotencyKey(), "idempotencyKey");
		Event event = new Event(tenant, quantity, idempotencyKey, this.clock.instant(), this.tenants.currentUser(),
				null, List.of());
		try {
			this.validator.validate(event.toUsageEvent(operation, (quantity != null) ? quantity : BigDecimal.ZERO));
			if (checksData(operation) && quantity != null) {
				// Data known before the call: its quotas (filtered, unique-count, max) are checked by its events.
				UsagePayload payload = event.toPayload(operation, quantity, call.evaluateData());
				List<UsageEvent> events = this.payloadEvents.eventsOf(payload);
				events.forEach(this.validator::validate);
				event = event.withPayload(payload, events);
			}
		}
		catch (InvalidUsageEventException ex) {
			throw invalid(call, ex);
		}
		return event;
	}

	/** Whether a call's quota is checked by its data's events: data known before the call, and enforced. */
	private boolean checksData(MeteredOperation operation) {
		Expression data = operation.data();
		return this.quotas != null && operation.enforce() && data != null
				&& !data.getExpressionString().contains("#result");
	}

	private static MeteredOperationException invalid(MeteredCall call, InvalidUsageEventException ex) {
		MeteredOperation operation = call.operation();
		Expression expression = switch (ex.getField()) {
			case "tenantId", "billingScopeId" -> operation.tenant();
			case "quantity" -> operation.quantity();
			case "idempotencyKey" -> operation.idempotencyKey();
			default -> null;
		};
		String source = (expression != null) ? attributeOf(ex.getField()) + " expression '"
				+ expression.getExpressionString() + "' gave an invalid " + ex.getField() : "the event is invalid";
		return new MeteredOperationException("@Metered on " + operation.describe() + ": " + source + " ("
				+ ex.getMessage() + "); the method was not called, nothing recorded", ex);
	}

	private static String attributeOf(String field) {
		return switch (field) {
			case "tenantId", "billingScopeId" -> "tenant";
			default -> field;
		};
	}

	/**
	 * Checks the call's quota, or takes over the reservation the MVC interceptor made for it.
	 * @param request the current request's metering state, if any
	 */
	private Reservation enforce(MeteredOperation operation, Event event, @Nullable MeteredRequest request) {
		if (this.quotas == null || !operation.enforce()) {
			return Reservation.NONE;
		}
		Reservation preChecked = (request != null) ? request.takePreChecked(operation) : null;
		if (preChecked != null) {
			return preChecked;
		}
		String tenant = event.tenant();
		BigDecimal quantity = event.quantity();
		Instant now = event.at();
		// The request's own tenant is checked at the levels the request's first check read.
		List<String> scopes = ((request != null && request.tenant().equals(tenant))
				? request.lineage(this.directory) : this.directory.lineageOf(tenant)).checkedScopes();
		if (scopes.isEmpty()) {
			return Reservation.NONE;
		}
		QuotaDecision decision = !event.events().isEmpty() ? this.quotas.check(scopes, event.events())
				: (quantity != null) ? this.quotas.check(scopes, operation.meter(), quantity, now)
						: this.quotas.checkRemaining(scopes, operation.meter(), now);
		if (!decision.allowed()) {
			throw new QuotaExceededException(decision, this.problemType, now);
		}
		return decision.reservation();
	}

	private String tenantOf(MeteredCall call, @Nullable MeteredRequest request) {
		MeteredOperation operation = call.operation();
		Expression tenantExpression = operation.tenant();
		String tenant = (tenantExpression != null) ? call.evaluateString(tenantExpression, "tenant")
				: this.tenants.currentTenant(request);
		if (tenant == null || tenant.isBlank()) {
			throw (tenantExpression != null)
					? call.failure("tenant", tenantExpression.getExpressionString(), "gave no tenant")
					: new MeteredOperationException("@Metered on " + operation.describe()
							+ ": no tenant (no tenant expression, and no current request with a tenant); nothing recorded");
		}
		return tenant;
	}

	/**
	 * Records a completed call; a failure is logged and observed, never thrown.
	 * @return the failure, or {@code null} when the call was recorded
	 */
	private @Nullable RuntimeException record(MeteredCall call, Event event, Reservation reservation) {
		MeteredOperation operation = call.operation();
		try {
			try {
				BigDecimal quantity = (event.quantity() != null) ? event.quantity() : call.evaluateQuantity();
				// The reservation goes with the event: the writer's listeners take it over.
				if (event.payload() != null) {
					this.recorder.record(event.payload(), reservation);
				}
				else if (operation.data() != null) {
					this.recorder.record(event.toPayload(operation, quantity, call.evaluateData()), reservation);
				}
				else {
					this.recorder.record(event.toUsageEvent(operation, quantity), reservation);
				}
			}
			finally {
				// Whatever the event did not take over (another hour, a failed recording) goes back.
				reservation.release();
			}
			return null;
		}
		catch (RuntimeException ex) {
			if (logger.isWarnEnabled()) {
				logger.warn("@Metered call of " + operation.describe() + " completed but was not recorded: "
						+ ex.getMessage());
			}
			try {
				this.observer.unrecorded(operation, ex);
			}
			catch (RuntimeException observerFailure) {
				ex.addSuppressed(observerFailure);
			}
			return ex;
		}
	}

	/**
	 * What a call records, known before it runs except for a {@code #result} quantity; with data
	 * known before the call, its payload and the events the meters make of it.
	 */
	private record Event(String tenant, @Nullable BigDecimal quantity, @Nullable String idempotencyKey, Instant at,
			@Nullable String user, @Nullable UsagePayload payload, List<UsageEvent> events) {

		Event withPayload(UsagePayload payload, List<UsageEvent> events) {
			return new Event(this.tenant, this.quantity, this.idempotencyKey, this.at, this.user, payload, events);
		}

		UsageEvent toUsageEvent(MeteredOperation operation, BigDecimal quantity) {
			return UsageEvent.builder(this.tenant, operation.meter())
				.quantity(quantity)
				.occurredAt(this.at)
				.userId(this.user)
				.resource(operation.name())
				.source(UsageSource.OPERATION)
				.idempotencyKey(this.idempotencyKey)
				.build();
		}

		/** The call as a payload the meter definitions read; its key makes the events' ids. */
		UsagePayload toPayload(MeteredOperation operation, BigDecimal quantity, Map<String, @Nullable Object> data) {
			return UsagePayload.builder(this.tenant, operation.meter())
				.quantity(quantity)
				.data(data)
				.occurredAt(this.at)
				.userId(this.user)
				.resource(operation.name())
				.source(UsageSource.OPERATION)
				.dedupKey(this.idempotencyKey)
				.build();
		}

	}

}
