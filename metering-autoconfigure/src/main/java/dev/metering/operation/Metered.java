package dev.metering.operation;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Meters a method of a Spring bean: each call records one usage event of {@link #meter()} with
 * a quantity computed from the call, and (by default) is refused when the tenant's quota for the
 * meter would be exceeded. On a type, every public method is metered. Usable as a
 * meta-annotation.
 * <p>
 * Expressions are SpEL over the method's arguments by name ({@code #request.pages}) and, for
 * {@link #quantity()}, the return value ({@code #result.size()}). They are parsed once, at
 * start-up: one that does not parse fails start-up, naming the method.
 * <p>
 * Calls are intercepted through a Spring proxy: a call from one method of a bean to another
 * method of the same bean (self-invocation) is not metered.
 */
@Target({ ElementType.METHOD, ElementType.TYPE, ElementType.ANNOTATION_TYPE })
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface Metered {

	/**
	 * The meter, e.g. {@code reports.generated}; must match {@code [a-z0-9][a-z0-9._-]*}.
	 * @return the meter
	 */
	String meter();

	/**
	 * The quantity: a SpEL expression yielding a non-negative number; {@code "1"} by default.
	 * @return the quantity expression
	 */
	String quantity() default "1";

	/**
	 * The tenant: a SpEL expression yielding the tenant id. Empty (default): the tenant of the
	 * current HTTP request, as the kit's {@code TenantResolver} tells it.
	 * @return the tenant expression
	 */
	String tenant() default "";

	/**
	 * An optional SpEL expression yielding an idempotency key: a retried call with the same key
	 * (for the same tenant) counts once.
	 * @return the idempotency key expression, empty for none
	 */
	String idempotencyKey() default "";

	/**
	 * An optional SpEL expression yielding the call's data, a {@code Map} (it may read
	 * {@code #result}): the meter definitions ({@code metering.meters}) that read this meter's
	 * name as their event type, or the definition of this meter, take their value and group
	 * values from it, and the call records one event per such meter. With an idempotency key,
	 * the events' ids derive from it, so a retried call counts once per meter. Evaluated after
	 * the call: data that cannot be read leaves the call unrecorded (logged and observed), as a
	 * {@code #result} quantity does. When quotas are enforced and the data does not read
	 * {@code #result}, it is evaluated before the call instead, and the quotas are checked by the
	 * events the meters make of it (filtered quotas, {@code unique-count} and {@code max} quotas
	 * need their values): data that cannot be read then fails the call before it runs, with a
	 * {@code MeteredOperationException}, and nothing is recorded.
	 * @return the data expression, empty for none (a plain event of the meter)
	 */
	String data() default "";

	/**
	 * The operation name recorded as the event's resource; {@code ClassName.method} by default.
	 * @return the operation name
	 */
	String name() default "";

	/**
	 * Whether the tenant's quota for the meter is checked before the method runs.
	 * @return {@code true} to enforce
	 */
	boolean enforce() default true;

	/**
	 * When the call is recorded.
	 * @return the record policy
	 */
	RecordPolicy record() default RecordPolicy.ON_SUCCESS;

	/**
	 * When a metered call is recorded.
	 */
	enum RecordPolicy {

		/** Only when the method returns normally. */
		ON_SUCCESS,

		/** Also when it throws. */
		ALWAYS

	}

}
