package dev.metering.admin.web;

import java.io.IOException;
import java.net.URI;
import java.util.List;
import java.util.Map;

import dev.metering.admin.DefinitionNotFoundException;
import dev.metering.admin.InvalidDefinitionException;
import dev.metering.admin.MeteringAdmin;
import dev.metering.billing.Invoice;
import dev.metering.billing.InvoiceCloser;
import dev.metering.admin.QuotaChange;
import dev.metering.admin.TenantChange;
import dev.metering.api.BoundedJson;
import dev.metering.api.MeteringApiExceptionHandler;
import dev.metering.notification.ThresholdSource;
import dev.metering.notification.WebhookOutbox;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.jspecify.annotations.Nullable;

import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.json.JacksonJsonHttpMessageConverter;
import org.springframework.http.server.ServletServerHttpResponse;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * The admin REST API: the operations of {@link MeteringAdmin} under
 * {@code metering.admin.web.base-path}, JSON in and out. Each call is authorized before its body
 * is read; bodies are read with {@link BoundedJson}; every refusal is an RFC 9457 problem (400
 * naming the field, 401, 403, 404, 409, 413, see {@link MeteringApiExceptionHandler}).
 */
@RestController
@RequestMapping("${metering.admin.web.base-path:/metering/admin}")
public class MeteringAdminController {

	private final MeteringAdmin admin;

	private final AdminAccess access;

	private final long maxBodyBytes;

	private final @Nullable WebhookOutbox webhooks;

	private final @Nullable InvoiceCloser invoices;

	private final @Nullable ThresholdSource thresholds;

	/**
	 * Creates the API.
	 * @param admin the admin operations
	 * @param settings the authority, API key and body limit (the base path is the property's)
	 * @param useSecurity whether callers without the API key are checked with Spring Security
	 */
	public MeteringAdminController(MeteringAdmin admin, AdminApiSettings settings, boolean useSecurity) {
		this(admin, settings, useSecurity, null);
	}

	/**
	 * Creates the API with the webhook deliveries' route.
	 * @param admin the admin operations
	 * @param settings the authority, API key and body limit (the base path is the property's)
	 * @param useSecurity whether callers without the API key are checked with Spring Security
	 * @param webhooks the notification outbox, {@code null} without notifications
	 */
	public MeteringAdminController(MeteringAdmin admin, AdminApiSettings settings, boolean useSecurity,
			@Nullable WebhookOutbox webhooks) {
		this(admin, settings, useSecurity, webhooks, null);
	}

	/**
	 * Creates the API with the webhook deliveries' and the invoice closing routes.
	 * @param admin the admin operations
	 * @param settings the authority, API key and body limit (the base path is the property's)
	 * @param useSecurity whether callers without the API key are checked with Spring Security
	 * @param webhooks the notification outbox, {@code null} without notifications
	 * @param invoices closes due periods into invoices, {@code null} without invoicing
	 */
	public MeteringAdminController(MeteringAdmin admin, AdminApiSettings settings, boolean useSecurity,
			@Nullable WebhookOutbox webhooks, @Nullable InvoiceCloser invoices) {
		this(admin, settings, useSecurity, webhooks, invoices, null);
	}

	/**
	 * Creates the API with the webhook deliveries' and the invoice closing routes, a tenant's
	 * quotas answered with their thresholds.
	 * @param admin the admin operations
	 * @param settings the authority, API key and body limit (the base path is the property's)
	 * @param useSecurity whether callers without the API key are checked with Spring Security
	 * @param webhooks the notification outbox, {@code null} without notifications
	 * @param invoices closes due periods into invoices, {@code null} without invoicing
	 * @param thresholds each quota's notification thresholds, {@code null} without notifications
	 */
	public MeteringAdminController(MeteringAdmin admin, AdminApiSettings settings, boolean useSecurity,
			@Nullable WebhookOutbox webhooks, @Nullable InvoiceCloser invoices, @Nullable ThresholdSource thresholds) {
		this.thresholds = thresholds;
		this.invoices = invoices;
		this.webhooks = webhooks;
		this.admin = admin;
		this.access = new AdminAccess(settings, useSecurity);
		this.maxBodyBytes = settings.maxBodyBytes();
	}

	@GetMapping("/tenants/{tenant}/quotas")
	ResponseEntity<AdminBodies.Explained> explain(HttpServletRequest request, @PathVariable String tenant) {
		this.access.authorize(request);
		return json(AdminBodies.Explained.of(this.admin.explain(tenant), this.thresholds));
	}

	@PutMapping("/tenants/{tenant}")
	ResponseEntity<AdminBodies.Explained> putTenant(HttpServletRequest request, @PathVariable String tenant) {
		String actor = this.access.authorize(request);
		this.admin.putTenant(actor, tenant, read(request, TenantChange.class));
		return json(AdminBodies.Explained.of(this.admin.explain(tenant), this.thresholds));
	}

	@DeleteMapping("/tenants/{tenant}")
	ResponseEntity<Void> deleteTenant(HttpServletRequest request, @PathVariable String tenant) {
		this.admin.deleteTenant(this.access.authorize(request), tenant);
		return ResponseEntity.noContent().build();
	}

	@PutMapping("/tenants/{tenant}/quotas")
	ResponseEntity<AdminBodies.Explained> putTenantQuota(HttpServletRequest request, @PathVariable String tenant) {
		String actor = this.access.authorize(request);
		this.admin.putTenantQuota(actor, tenant, read(request, QuotaChange.class));
		return json(AdminBodies.Explained.of(this.admin.explain(tenant), this.thresholds));
	}

	@DeleteMapping("/tenants/{tenant}/quotas/{meter}/{window}")
	ResponseEntity<Void> deleteTenantQuota(HttpServletRequest request, @PathVariable String tenant,
			@PathVariable String meter, @PathVariable String window) {
		this.admin.deleteTenantQuota(this.access.authorize(request), tenant, meter, filterOf(request), window);
		return ResponseEntity.noContent().build();
	}

	@PostMapping("/plans")
	ResponseEntity<AdminBodies.PlanCreated> createPlan(HttpServletRequest request) {
		String actor = this.access.authorize(request);
		AdminBodies.PlanRequest plan = read(request, AdminBodies.PlanRequest.class);
		this.admin.createPlan(actor, plan.name(), plan.description());
		// The name is valid now (createPlan checked it): a path segment of [a-z0-9._-].
		return ResponseEntity.created(URI.create(request.getRequestURI() + "/" + plan.name() + "/quotas"))
			.contentType(MediaType.APPLICATION_JSON)
			.body(new AdminBodies.PlanCreated(String.valueOf(plan.name())));
	}

	@DeleteMapping("/plans/{plan}")
	ResponseEntity<Void> deletePlan(HttpServletRequest request, @PathVariable String plan) {
		this.admin.deletePlan(this.access.authorize(request), plan);
		return ResponseEntity.noContent().build();
	}

	@GetMapping("/plans/{plan}/quotas")
	ResponseEntity<List<AdminBodies.Quota>> planQuotas(HttpServletRequest request, @PathVariable String plan) {
		this.access.authorize(request);
		return json(AdminBodies.Quota.of(this.admin.planQuotas(plan)));
	}

	@PutMapping("/plans/{plan}/quotas")
	ResponseEntity<List<AdminBodies.Quota>> putPlanQuota(HttpServletRequest request, @PathVariable String plan) {
		String actor = this.access.authorize(request);
		this.admin.putPlanQuota(actor, plan, read(request, QuotaChange.class));
		return json(AdminBodies.Quota.of(this.admin.planQuotas(plan)));
	}

	@DeleteMapping("/plans/{plan}/quotas/{meter}/{window}")
	ResponseEntity<Void> deletePlanQuota(HttpServletRequest request, @PathVariable String plan,
			@PathVariable String meter, @PathVariable String window) {
		this.admin.deletePlanQuota(this.access.authorize(request), plan, meter, filterOf(request), window);
		return ResponseEntity.noContent().build();
	}

	@GetMapping("/meters")
	ResponseEntity<List<AdminBodies.Meter>> meters(HttpServletRequest request) {
		this.access.authorize(request);
		return json(this.admin.meterDefinitions().stream().map(AdminBodies.Meter::of).toList());
	}

	@PutMapping("/meters")
	ResponseEntity<AdminBodies.Meter> putMeter(HttpServletRequest request) {
		String actor = this.access.authorize(request);
		return json(AdminBodies.Meter.of(this.admin.putMeter(actor, read(request, AdminBodies.Meter.class).change())));
	}

	@DeleteMapping("/meters/{meter}")
	ResponseEntity<Void> deleteMeter(HttpServletRequest request, @PathVariable String meter) {
		this.admin.deleteMeter(this.access.authorize(request), meter);
		return ResponseEntity.noContent().build();
	}

	/** The filter of a quota row to delete: its query parameters {@code filter[dimension]=value}. */
	private static Map<String, String> filterOf(HttpServletRequest request) {
		Map<String, String> filter = new java.util.TreeMap<>();
		request.getParameterMap().forEach((name, values) -> {
			if (name.startsWith("filter[") && name.endsWith("]") && values.length > 0) {
				filter.put(name.substring("filter[".length(), name.length() - 1), values[0]);
			}
		});
		return filter;
	}

	@PutMapping("/plans/{plan}/features/{feature}")
	ResponseEntity<AdminBodies.Feature> putPlanFeature(HttpServletRequest request, @PathVariable String plan,
			@PathVariable String feature) {
		return putFeature(request, "plan", plan, feature);
	}

	@DeleteMapping("/plans/{plan}/features/{feature}")
	ResponseEntity<Void> deletePlanFeature(HttpServletRequest request, @PathVariable String plan,
			@PathVariable String feature) {
		this.admin.deleteFeature(this.access.authorize(request), "plan", plan, feature);
		return ResponseEntity.noContent().build();
	}

	@PutMapping("/tenants/{tenant}/features/{feature}")
	ResponseEntity<AdminBodies.Feature> putTenantFeature(HttpServletRequest request, @PathVariable String tenant,
			@PathVariable String feature) {
		return putFeature(request, "tenant", tenant, feature);
	}

	@DeleteMapping("/tenants/{tenant}/features/{feature}")
	ResponseEntity<Void> deleteTenantFeature(HttpServletRequest request, @PathVariable String tenant,
			@PathVariable String feature) {
		this.admin.deleteFeature(this.access.authorize(request), "tenant", tenant, feature);
		return ResponseEntity.noContent().build();
	}

	private ResponseEntity<AdminBodies.Feature> putFeature(HttpServletRequest request, String scope, String id,
			String feature) {
		String actor = this.access.authorize(request);
		String value = read(request, AdminBodies.FeatureRequest.class).value();
		this.admin.putFeature(actor, scope, id, feature, value);
		return json(new AdminBodies.Feature(scope, id, feature, String.valueOf(value).trim()));
	}

	/** The latest webhook deliveries, newest first: pending, delivered and failed (given up). */
	@GetMapping("/webhooks/deliveries")
	ResponseEntity<List<AdminBodies.Delivery>> deliveries(HttpServletRequest request,
			@RequestParam(defaultValue = "100") String limit) {
		this.access.authorize(request);
		int max = limit(limit);
		if (this.webhooks == null) {
			throw new DefinitionNotFoundException("webhook deliveries (notifications are off)");
		}
		return json(AdminBodies.Delivery.of(this.webhooks.recent(max)));
	}

	/**
	 * Closes every due period without an invoice now, as the rollup's scheduler does, and audits
	 * the invoice numbers it finalized.
	 */
	@PostMapping("/invoices/close")
	ResponseEntity<AdminBodies.InvoicesClosed> closeInvoices(HttpServletRequest request) {
		String actor = this.access.authorize(request);
		if (this.invoices == null) {
			throw new DefinitionNotFoundException("invoicing (metering.billing.invoices.enabled is false)");
		}
		List<String> numbers = this.invoices.closeDue().stream().map(Invoice::number).toList();
		this.admin.audit(actor, "close-invoices", "invoices",
				numbers.isEmpty() ? "none" : numbers.size() + ": " + numbers.get(0) + ".." + numbers.get(numbers.size() - 1));
		return json(new AdminBodies.InvoicesClosed(numbers.size(), numbers));
	}

	@GetMapping("/audit")
	ResponseEntity<List<AdminBodies.Audit>> audit(HttpServletRequest request, @RequestParam(defaultValue = "") String target,
			@RequestParam(defaultValue = "100") String limit) {
		this.access.authorize(request);
		int max;
		try {
			max = Integer.parseInt(limit);
		}
		catch (NumberFormatException ex) {
			throw new InvalidDefinitionException("limit", limit, "a whole number from 1 to 1000");
		}
		return json(AdminBodies.Audit.of(this.admin.audit(target, max)));
	}

	private static int limit(String limit) {
		try {
			int max = Integer.parseInt(limit);
			if (max >= 1 && max <= 1000) {
				return max;
			}
		}
		catch (NumberFormatException ex) {
			// answered below
		}
		throw new InvalidDefinitionException("limit", limit, "a whole number from 1 to 1000");
	}

	/** JSON whatever the caller accepts, as the admin API always answered: a change is never undone by a 406. */
	private static <T> ResponseEntity<T> json(T body) {
		return ResponseEntity.ok().contentType(MediaType.APPLICATION_JSON).body(body);
	}

	/** The body, read only after the caller is authorized: no one else makes the kit parse. */
	private <T> T read(HttpServletRequest request, Class<T> type) {
		return BoundedJson.read(BoundedJson.body(request, this.maxBodyBytes, "metering.admin.web.max-body-size"), type);
	}

	/**
	 * A servlet filter that lets through only the callers this API accepts (its key, or with
	 * Spring Security the admin authority): the metering Actuator endpoint, which shows any
	 * tenant's usage, is guarded by the same rule.
	 * @return the filter
	 */
	public Filter accessFilter() {
		AdminAccess access = this.access;
		// Outside Spring MVC: the problem is written with Spring's converter, as MVC would write it.
		JacksonJsonHttpMessageConverter converter = new JacksonJsonHttpMessageConverter();
		return new OncePerRequestFilter() {

			@Override
			protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response,
					FilterChain chain) throws ServletException, IOException {
				try {
					access.authorize(request);
				}
				catch (AdminAccessDeniedException ex) {
					response.setStatus(ex.getStatusCode().value());
					ex.getHeaders().forEach((name, values) -> values.forEach((value) -> response.addHeader(name, value)));
					ProblemDetail problem = ex.getBody();
					problem.setInstance(null);
					converter.write(problem, MediaType.APPLICATION_PROBLEM_JSON, new ServletServerHttpResponse(response));
					return;
				}
				chain.doFilter(request, response);
			}

		};
	}

}
