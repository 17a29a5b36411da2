package dev.metering.admin.web;

import java.io.IOException;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

import dev.metering.admin.DefinitionConflictException;
import dev.metering.admin.DefinitionNotFoundException;
import dev.metering.admin.InvalidDefinitionException;
import dev.metering.admin.MeteringAdmin;
import dev.metering.admin.QuotaChange;
import dev.metering.admin.TenantChange;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.filter.OncePerRequestFilter;
import org.springframework.web.servlet.function.RouterFunction;
import org.springframework.web.servlet.function.RouterFunctions;
import org.springframework.web.servlet.function.ServerRequest;
import org.springframework.web.servlet.function.ServerResponse;

/**
 * The admin REST API: the operations of {@link MeteringAdmin} under a base path, JSON in and
 * out, every error an RFC 9457 problem (400 naming the field, 401, 403, 404, 409, 413).
 */
public final class MeteringAdminRoutes {

	private static final Log logger = LogFactory.getLog(MeteringAdminRoutes.class);

	static final MediaType PROBLEM = MediaType.APPLICATION_PROBLEM_JSON;

	private static final Set<String> QUOTA_FIELDS = Set.of("meter", "window", "limit", "enforcement", "soft_threshold");

	private static final Set<String> TENANT_FIELDS = Set.of("plan", "exempt", "parent", "billing_attribution",
			"exempt_descendants");

	private static final Set<String> PLAN_FIELDS = Set.of("name", "description");

	private final MeteringAdmin admin;

	private final AdminAccess access;

	private final AdminJson json;

	private final String basePath;

	/**
	 * Creates the routes.
	 * @param admin the admin API
	 * @param settings the base path, authority, API key and body limit
	 * @param useSecurity whether callers without the API key are checked with Spring Security
	 */
	public MeteringAdminRoutes(MeteringAdmin admin, AdminApiSettings settings, boolean useSecurity) {
		this.admin = admin;
		this.access = new AdminAccess(settings, useSecurity);
		this.json = new AdminJson(settings.maxBodyBytes());
		this.basePath = settings.basePath();
	}

	/**
	 * The router function to register as a bean.
	 * @return the routes
	 */
	public RouterFunction<ServerResponse> routes() {
		return RouterFunctions.route()
			.path(this.basePath, (base) -> base
				.GET("/tenants/{tenant}/quotas", (r) -> handle(r, (actor) -> ok(AdminJson.explained(
						this.admin.explain(r.pathVariable("tenant"))))))
				.PUT("/tenants/{tenant}", (r) -> handle(r, (actor) -> {
					Map<String, Object> body = this.json.readObject(r.servletRequest(), TENANT_FIELDS);
					String tenant = r.pathVariable("tenant");
					this.admin.putTenant(actor, tenant,
							new TenantChange(AdminJson.string(body, "plan"), AdminJson.bool(body, "exempt"),
									AdminJson.string(body, "parent"), AdminJson.string(body, "billing_attribution"),
									AdminJson.bool(body, "exempt_descendants")));
					return ok(AdminJson.explained(this.admin.explain(tenant)));
				}))
				.DELETE("/tenants/{tenant}", (r) -> handle(r, (actor) -> {
					this.admin.deleteTenant(actor, r.pathVariable("tenant"));
					return ServerResponse.noContent().build();
				}))
				.PUT("/tenants/{tenant}/quotas", (r) -> handle(r, (actor) -> {
					String tenant = r.pathVariable("tenant");
					this.admin.putTenantQuota(actor, tenant, quota(r));
					return ok(AdminJson.explained(this.admin.explain(tenant)));
				}))
				.DELETE("/tenants/{tenant}/quotas/{meter}/{window}", (r) -> handle(r, (actor) -> {
					this.admin.deleteTenantQuota(actor, r.pathVariable("tenant"), r.pathVariable("meter"),
							r.pathVariable("window"));
					return ServerResponse.noContent().build();
				}))
				.POST("/plans", (r) -> handle(r, (actor) -> {
					Map<String, Object> body = this.json.readObject(r.servletRequest(), PLAN_FIELDS);
					String name = AdminJson.string(body, "name");
					this.admin.createPlan(actor, name, AdminJson.string(body, "description"));
					return ServerResponse.created(URI.create(this.basePath + "/plans/" + name + "/quotas"))
						.contentType(MediaType.APPLICATION_JSON)
						.body(this.json.write(Map.of("name", name)));
				}))
				.DELETE("/plans/{plan}", (r) -> handle(r, (actor) -> {
					this.admin.deletePlan(actor, r.pathVariable("plan"));
					return ServerResponse.noContent().build();
				}))
				.GET("/plans/{plan}/quotas", (r) -> handle(r, (actor) -> ok(
						AdminJson.quotaRows(this.admin.planQuotas(r.pathVariable("plan"))))))
				.PUT("/plans/{plan}/quotas", (r) -> handle(r, (actor) -> {
					String plan = r.pathVariable("plan");
					this.admin.putPlanQuota(actor, plan, quota(r));
					return ok(AdminJson.quotaRows(this.admin.planQuotas(plan)));
				}))
				.DELETE("/plans/{plan}/quotas/{meter}/{window}", (r) -> handle(r, (actor) -> {
					this.admin.deletePlanQuota(actor, r.pathVariable("plan"), r.pathVariable("meter"),
							r.pathVariable("window"));
					return ServerResponse.noContent().build();
				}))
				.GET("/audit", (r) -> handle(r, (actor) -> {
					String limit = r.param("limit").orElse("100");
					int max;
					try {
						max = Integer.parseInt(limit);
					}
					catch (NumberFormatException ex) {
						throw new InvalidDefinitionException("limit", limit, "a whole number from 1 to 1000");
					}
					return ok(AdminJson.audit(this.admin.audit(r.param("target").orElse(""), max)));
				})))
			.build();
	}

	private QuotaChange quota(ServerRequest request) throws Exception {
		Map<String, Object> body = this.json.readObject(request.servletRequest(), QUOTA_FIELDS);
		return new QuotaChange(AdminJson.string(body, "meter"), AdminJson.string(body, "window"),
				AdminJson.decimal(body, "limit"), AdminJson.string(body, "enforcement"),
				AdminJson.fraction(body, "soft_threshold"));
	}

	private ServerResponse ok(Object body) {
		return ServerResponse.ok().contentType(MediaType.APPLICATION_JSON).body(this.json.write(body));
	}

	private ServerResponse handle(ServerRequest request, Action action) {
		try {
			String actor = this.access.authorize(request.servletRequest());
			return action.run(actor);
		}
		catch (AdminAccessDeniedException ex) {
			return problem(HttpStatus.valueOf(ex.status()), ex.getMessage(), null);
		}
		catch (InvalidDefinitionException ex) {
			return problem(HttpStatus.BAD_REQUEST, ex.getMessage(), ex.getField().replace('-', '_'));
		}
		catch (DefinitionNotFoundException ex) {
			return problem(HttpStatus.NOT_FOUND, ex.getMessage(), null);
		}
		catch (DefinitionConflictException ex) {
			return problem(HttpStatus.CONFLICT, ex.getMessage(), null);
		}
		catch (AdminJson.BodyTooLargeException ex) {
			return problem(HttpStatus.PAYLOAD_TOO_LARGE, ex.getMessage(), null);
		}
		catch (Exception ex) {
			logger.error("Admin API call failed: " + request.method() + " " + request.path(), ex);
			return problem(HttpStatus.INTERNAL_SERVER_ERROR, "The change could not be made; see the server log", null);
		}
	}

	/**
	 * A servlet filter that lets through only the callers this API accepts (its key, or with
	 * Spring Security the admin authority): the metering Actuator endpoint, which shows any
	 * tenant's usage, is guarded by the same rule.
	 * @return the filter
	 */
	public Filter accessFilter() {
		return new OncePerRequestFilter() {

			@Override
			protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response,
					FilterChain chain) throws ServletException, IOException {
				try {
					MeteringAdminRoutes.this.access.authorize(request);
				}
				catch (AdminAccessDeniedException ex) {
					HttpStatus status = HttpStatus.valueOf(ex.status());
					response.setStatus(status.value());
					response.setContentType(PROBLEM.toString());
					response.setCharacterEncoding("UTF-8");
					if (status == HttpStatus.UNAUTHORIZED) {
						response.setHeader("WWW-Authenticate", "ApiKey header=\"" + AdminApiSettings.API_KEY_HEADER + "\"");
					}
					response.getWriter().write(MeteringAdminRoutes.this.json.write(problemBody(status, ex.getMessage(), null)));
					return;
				}
				chain.doFilter(request, response);
			}

		};
	}

	private static Map<String, Object> problemBody(HttpStatus status, String detail, @Nullable String field) {
		Map<String, Object> body = new LinkedHashMap<>();
		body.put("type", "about:blank");
		body.put("title", status.getReasonPhrase());
		body.put("status", status.value());
		body.put("detail", detail);
		if (field != null) {
			body.put("field", field);
		}
		return body;
	}

	private ServerResponse problem(HttpStatus status, String detail, @Nullable String field) {
		Map<String, Object> body = problemBody(status, detail, field);
		ServerResponse.BodyBuilder builder = ServerResponse.status(status).contentType(PROBLEM);
		if (status == HttpStatus.UNAUTHORIZED) {
			builder.header("WWW-Authenticate", "ApiKey header=\"" + AdminApiSettings.API_KEY_HEADER + "\"");
		}
		return builder.body(this.json.write(body));
	}

	@FunctionalInterface
	private interface Action {

		ServerResponse run(String actor) throws Exception;

	}

}
