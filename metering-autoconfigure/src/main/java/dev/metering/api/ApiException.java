package dev.metering.api;

import org.springframework.http.HttpStatus;

/**
 * A request the API refuses, rendered as RFC 9457 problem+json naming the field at fault.
 */
public class ApiException extends RuntimeException {

	private final HttpStatus status;

	private final String field;

	/**
	 * A refused request.
	 * @param status the response status
	 * @param field the request field at fault (JSON field, path variable or parameter)
	 * @param detail what is wrong, for a person
	 */
	public ApiException(HttpStatus status, String field, String detail) {
		super(detail);
		this.status = status;
		this.field = field;
	}

	static ApiException badRequest(String field, String detail) {
		return new ApiException(HttpStatus.BAD_REQUEST, field, detail);
	}

	public HttpStatus getStatus() {
		return this.status;
	}

	public String getField() {
		return this.field;
	}

}
