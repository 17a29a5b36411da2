package dev.metering.api;

import java.net.URI;
import java.util.Locale;

import dev.metering.admin.DefinitionConflictException;
import dev.metering.admin.DefinitionNotFoundException;
import dev.metering.admin.InvalidDefinitionException;
import dev.metering.billing.BillingException;
import dev.metering.event.InvalidUsageEventException;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.context.request.ServletWebRequest;
import org.springframework.web.context.request.WebRequest;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;

/**
 * Renders every refusal of the kit's two APIs (the usage API and the admin API) as RFC 9457
 * {@code application/problem+json}: {@link ApiException} and the other
 * {@code ErrorResponseException}s as they are, Spring MVC's own exceptions as Spring renders
 * them, the kit's domain exceptions with a {@code field} member naming the input at fault, and
 * anything unexpected as a 500 that quotes nothing of it (it is logged). Written as
 * {@link ProblemBody}, so the application's JSON naming leaves RFC 9457's member names alone.
 * Applies to the kit's controllers only, ahead of the application's own advice.
 */
// The admin controller by package name: its package uses this one, so no class reference back.
@RestControllerAdvice(assignableTypes = { UsageApiController.class, CloudEventsController.class, UsageApiDescriptionController.class,
		EventCorrectionsController.class, InvoiceApiController.class }, basePackages = "dev.metering.admin.web")
@Order(Ordered.HIGHEST_PRECEDENCE)
public class MeteringApiExceptionHandler extends ResponseEntityExceptionHandler {

	/** Base of the problem type URIs. */
	public static final String PROBLEM_TYPE_BASE = "https://metering.dev/problems/";

	private static final Log log = LogFactory.getLog(MeteringApiExceptionHandler.class);

	private static final int MAX_INSTANCE_LENGTH = 200;

	@ExceptionHandler
	@Nullable ResponseEntity<Object> invalidEvent(InvalidUsageEventException ex, WebRequest request) {
		return problem(ex, HttpStatus.BAD_REQUEST, EventJson.jsonField(ex.getField()), ex.getMessage(), request);
	}

	@ExceptionHandler
	@Nullable ResponseEntity<Object> billing(BillingException ex, WebRequest request) {
		HttpStatus status = switch (ex.getReason()) {
			case UNKNOWN_TENANT -> HttpStatus.NOT_FOUND;
			case NOT_PRICED -> HttpStatus.UNPROCESSABLE_CONTENT;
			case INVALID -> HttpStatus.BAD_REQUEST;
		};
		return problem(ex, status, ex.getField(), ex.getMessage(), request);
	}

	@ExceptionHandler
	@Nullable ResponseEntity<Object> invalidDefinition(InvalidDefinitionException ex, WebRequest request) {
		// The Java API names properties as configuration does (soft-threshold), the body as it spells them.
		return problem(ex, HttpStatus.BAD_REQUEST, ex.getBodyField(), ex.getMessage(), request);
	}

	@ExceptionHandler
	@Nullable ResponseEntity<Object> definitionNotFound(DefinitionNotFoundException ex, WebRequest request) {
		return problem(ex, HttpStatus.NOT_FOUND, null, ex.getMessage(), request);
	}

	@ExceptionHandler
	@Nullable ResponseEntity<Object> definitionConflict(DefinitionConflictException ex, WebRequest request) {
		return problem(ex, HttpStatus.CONFLICT, null, ex.getMessage(), request);
	}

	@ExceptionHandler
	@Nullable ResponseEntity<Object> unexpected(Exception ex, WebRequest request) {
		log.error("Metering API call failed: " + request.getDescription(false), ex);
		return problem(ex, HttpStatus.INTERNAL_SERVER_ERROR, null,
				"The request could not be answered; see the server log", request);
	}

	private @Nullable ResponseEntity<Object> problem(Exception ex, HttpStatus status, @Nullable String field,
			@Nullable String detail, WebRequest request) {
		ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, detail);
		if (field != null) {
			problem.setProperty("field", field);
		}
		return handleExceptionInternal(ex, problem, new HttpHeaders(), status, request);
	}

	@Override
	protected ResponseEntity<Object> createResponseEntity(@Nullable Object body, HttpHeaders headers,
			HttpStatusCode statusCode, WebRequest request) {
		if (body instanceof ProblemDetail problem) {
			if (problem.getType() == null || "about:blank".equals(problem.getType().toString())) {
				problem.setType(type(statusCode));
			}
			// Spring would put the whole request path here: an 8 KB path would make an 8 KB problem.
			if (request instanceof ServletWebRequest servlet) {
				problem.setInstance(instance(servlet.getRequest().getRequestURI()));
			}
			body = ProblemBody.of(problem);
		}
		return ResponseEntity.status(statusCode)
			.headers(headers)
			.contentType(MediaType.APPLICATION_PROBLEM_JSON)
			.body(body);
	}

	private static URI type(HttpStatusCode status) {
		HttpStatus known = HttpStatus.resolve(status.value());
		String name = (known != null) ? known.getReasonPhrase() : String.valueOf(status.value());
		return URI.create(PROBLEM_TYPE_BASE + name.toLowerCase(Locale.ROOT).replace(' ', '-'));
	}

	/** The request path, cut to a length a problem may quote (never inside a %-escape). */
	private static URI instance(String path) {
		if (path.length() <= MAX_INSTANCE_LENGTH) {
			return URI.create(path);
		}
		int end = MAX_INSTANCE_LENGTH;
		int escape = path.lastIndexOf('%', end - 1);
		if (escape > end - 3) {
			end = escape;
		}
		return URI.create(path.substring(0, end));
	}

}
