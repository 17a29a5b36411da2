package dev.metering.api;

import java.math.BigDecimal;
import java.security.Principal;
import java.util.UUID;

import dev.metering.event.Correction;
import dev.metering.event.CorrectionException;
import dev.metering.event.UsageEventValidator;
import dev.metering.event.UsageRecorder;
import jakarta.servlet.http.HttpServletRequest;

import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * Voids and corrections of recorded events under {@code metering.api.base-path}:
 * {@code POST /events/{id}/void} and {@code POST /events/{id}/correct}. Each appends a
 * compensating ledger row through {@link UsageRecorder#voidEvent} / {@link UsageRecorder#correct};
 * a repeated call answers {@code unchanged}. Refusals are problems naming the field: 400 bad
 * input, 403 the caller may not act for the tenant or the event is another tenant's, 404 no such
 * event in the ledger (yet: one still in a writer's buffer is waited for a while), 409 a voided
 * event or one that cannot be corrected so.
 */
@RestController
@RequestMapping("${metering.api.base-path:/api}")
public class EventCorrectionsController {

	private final UsageRecorder recorder;

	private final ApiAccess access;

	private final ApiSettings settings;

	/**
	 * The routes.
	 * @param recorder voids and corrects
	 * @param access who may act for which tenant
	 * @param settings the body limit
	 */
	public EventCorrectionsController(UsageRecorder recorder, ApiAccess access, ApiSettings settings) {
		this.recorder = recorder;
		this.access = access;
		this.settings = settings;
	}

	/** Voids an event: its quantity stops counting in usage, quotas and bills. */
	@PostMapping("/events/{id}/void")
	CorrectionBody voidEvent(HttpServletRequest request, @PathVariable String id) {
		UUID eventId = eventId(id);
		CorrectionRequest asked = read(request);
		String tenant = tenant(request, asked);
		if (asked.quantity() != null) {
			throw ApiException.badRequest("quantity", "a void takes no quantity; use /events/{id}/correct");
		}
		return answer(() -> this.recorder.voidEvent(tenant, eventId, actor(request, asked), reason(asked)));
	}

	/** Corrects an event's quantity. */
	@PostMapping("/events/{id}/correct")
	CorrectionBody correct(HttpServletRequest request, @PathVariable String id) {
		UUID eventId = eventId(id);
		CorrectionRequest asked = read(request);
		String tenant = tenant(request, asked);
		BigDecimal quantity = asked.quantity();
		if (quantity == null) {
			throw ApiException.badRequest("quantity", "is required");
		}
		return answer(() -> this.recorder.correct(tenant, eventId, quantity, actor(request, asked), reason(asked)));
	}

	private CorrectionRequest read(HttpServletRequest request) {
		return BoundedJson.read(BoundedJson.body(request, this.settings.maxBodyBytes(), "metering.api.max-body-size"),
				CorrectionRequest.class);
	}

	private String tenant(HttpServletRequest request, CorrectionRequest asked) {
		String tenant = asked.tenantId();
		if (tenant == null || tenant.isBlank()) {
			throw ApiException.badRequest("tenant_id", "is required");
		}
		if (tenant.length() > UsageEventValidator.MAX_ID_LENGTH) {
			throw ApiException.badRequest("tenant_id", "must be at most " + UsageEventValidator.MAX_ID_LENGTH
					+ " characters");
		}
		this.access.authorize(request, tenant);
		return tenant;
	}

	private static UUID eventId(String id) {
		try {
			return UUID.fromString(id.trim());
		}
		catch (IllegalArgumentException ex) {
			throw ApiException.badRequest("id", "must be an event id (a UUID), was '" + UsageEventValidator.abbreviate(id)
					+ "'");
		}
	}

	private static String actor(HttpServletRequest request, CorrectionRequest asked) {
		if (asked.actor() != null) {
			return asked.actor();
		}
		Principal principal = request.getUserPrincipal();
		return (principal != null) ? principal.getName() : "api";
	}

	private static String reason(CorrectionRequest asked) {
		return (asked.reason() != null) ? asked.reason() : "";
	}

	private static CorrectionBody answer(Call call) {
		try {
			return CorrectionBody.of(call.run());
		}
		catch (CorrectionException ex) {
			HttpStatus status = switch (ex.getReason()) {
				case INVALID -> HttpStatus.BAD_REQUEST;
				case NOT_FOUND -> HttpStatus.NOT_FOUND;
				case OTHER_TENANT -> HttpStatus.FORBIDDEN;
				case CONFLICT -> HttpStatus.CONFLICT;
			};
			throw new ApiException(status, ex.getField(), ex.getMessage());
		}
		catch (UnsupportedOperationException ex) {
			throw new ApiException(HttpStatus.NOT_IMPLEMENTED, "id", "this application's recorder does not correct "
					+ "events: " + ex.getMessage());
		}
	}

	/** A void or correction to answer. */
	private interface Call {

		Correction run();

	}

}
