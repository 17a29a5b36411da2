package dev.metering.admin.web;

import java.net.URI;
import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.metering.api.BoundedJson;
import dev.metering.notification.StoredWebhookEndpoints;
import dev.metering.notification.WebhookEndpoint;
import dev.metering.notification.WebhookRegistry;
import jakarta.servlet.http.HttpServletRequest;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.PropertyNamingStrategies;
import tools.jackson.databind.annotation.JsonNaming;

import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * The admin REST API's webhook endpoints under {@code metering.admin.web.base-path}: register
 * one (every instance sends to it within {@code metering.webhooks.endpoints-refresh}), list them,
 * remove one. A secret goes in and never comes out: not in an answer, not in the audit trail.
 */
@RestController
@RequestMapping("${metering.admin.web.base-path:/metering/admin}")
public class WebhookAdminController {

	private final StoredWebhookEndpoints stored;

	private final WebhookRegistry registry;

	private final AdminAccess access;

	private final long maxBodyBytes;

	/**
	 * Creates the routes.
	 * @param stored the endpoints of the admin API
	 * @param registry every endpoint this instance sends to
	 * @param settings the authority, API key and body limit
	 * @param useSecurity whether callers without the API key are checked with Spring Security
	 */
	public WebhookAdminController(StoredWebhookEndpoints stored, WebhookRegistry registry, AdminApiSettings settings,
			boolean useSecurity) {
		this.stored = stored;
		this.registry = registry;
		this.access = new AdminAccess(settings, useSecurity);
		this.maxBodyBytes = settings.maxBodyBytes();
	}

	@GetMapping("/webhooks/endpoints")
	ResponseEntity<List<EndpointBody>> endpoints(HttpServletRequest request) {
		this.access.authorize(request);
		return ResponseEntity.ok()
			.contentType(MediaType.APPLICATION_JSON)
			.body(this.registry.endpoints()
				.stream()
				.map((endpoint) -> EndpointBody.of(endpoint, this.registry.isStored(endpoint.id()) ? "admin" : "configured"))
				.toList());
	}

	@PostMapping("/webhooks/endpoints")
	ResponseEntity<EndpointBody> register(HttpServletRequest request) {
		String actor = this.access.authorize(request);
		EndpointRequest body = BoundedJson.read(
				BoundedJson.body(request, this.maxBodyBytes, "metering.admin.web.max-body-size"), EndpointRequest.class);
		WebhookEndpoint endpoint = this.stored.register(actor, body.url(), body.secret(), body.events());
		this.registry.refresh();
		return ResponseEntity.created(URI.create(request.getRequestURI() + "/" + endpoint.id()))
			.contentType(MediaType.APPLICATION_JSON)
			.body(EndpointBody.of(endpoint, "admin"));
	}

	@DeleteMapping("/webhooks/endpoints/{id}")
	ResponseEntity<Void> remove(HttpServletRequest request, @PathVariable String id) {
		this.stored.remove(this.access.authorize(request), id);
		this.registry.refresh();
		return ResponseEntity.noContent().build();
	}

	/** A new endpoint. */
	@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
	record EndpointRequest(@Nullable String url, @Nullable String secret, @Nullable List<String> events) {

		@Override
		public String toString() {
			// Never the secret.
			return "EndpointRequest[url=" + this.url + ", events=" + this.events + "]";
		}

	}

	/** An endpoint, without its secret. */
	@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
	@JsonInclude(JsonInclude.Include.ALWAYS)
	record EndpointBody(String id, String url, List<String> events, String origin) {

		static EndpointBody of(WebhookEndpoint endpoint, String origin) {
			return new EndpointBody(endpoint.id(), endpoint.url().toString(),
					endpoint.events().stream().sorted().toList(), origin);
		}

	}

}
