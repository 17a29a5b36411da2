package dev.metering.operation;

import org.jspecify.annotations.Nullable;

import dev.metering.quota.Reservation;

import org.springframework.web.context.request.RequestAttributes;
import org.springframework.web.context.request.RequestContextHolder;

/**
 * A controller operation whose quota the MVC interceptor already checked and reserved before
 * the handler ran: the method interceptor takes the reservation over instead of checking again.
 *
 * @param operation the operation
 * @param reservation the quota held for it
 */
public record PreCheckedCall(MeteredOperation operation, Reservation reservation) {

	/** Request attribute holding the pre-checked call of the current request. */
	public static final String ATTRIBUTE = PreCheckedCall.class.getName();

	/**
	 * Takes the current request's pre-checked reservation of an operation, if any.
	 * @param operation the operation about to run
	 * @return the reservation, or {@code null} when the call was not pre-checked
	 */
	static @Nullable Reservation take(MeteredOperation operation) {
		RequestAttributes attributes = OperationTenantResolver.SERVLET_PRESENT
				? RequestContextHolder.getRequestAttributes() : null;
		if (attributes == null
				|| !(attributes.getAttribute(ATTRIBUTE, RequestAttributes.SCOPE_REQUEST) instanceof PreCheckedCall call)
				|| !call.operation().method().equals(operation.method())) {
			return null;
		}
		attributes.removeAttribute(ATTRIBUTE, RequestAttributes.SCOPE_REQUEST);
		return call.reservation();
	}

}
