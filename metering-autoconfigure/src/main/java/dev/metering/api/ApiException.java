package dev.metering.api;

import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.ProblemDetail;
import org.springframework.web.ErrorResponseException;

/**
 * A request one of the kit's APIs refuses: an RFC 9457 problem with a {@code field} member
 * naming the input at fault. Add headers through {@link #getHeaders()} (a challenge, say).
 */
public class ApiException extends ErrorResponseException {

	private final String field;

	/**
	 * A refused request.
	 * @param status the response status
	 * @param field the request field at fault (JSON field, path variable, parameter or header)
	 * @param detail what is wrong, for a person
	 */
	public ApiException(HttpStatusCode status, String field, String detail) {
		super(status, problem(status, field, detail), null);
		this.field = field;
	}

	static ApiException badRequest(String field, String detail) {
		return new ApiException(HttpStatus.BAD_REQUEST, field, detail);
	}

	private static ProblemDetail problem(HttpStatusCode status, String field, String detail) {
		ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, detail);
		problem.setProperty("field", field);
		return problem;
	}

	/**
	 * The input at fault.
	 * @return the field, e.g. {@code [2].quantity}
	 */
	public String getField() {
		return this.field;
	}

}
