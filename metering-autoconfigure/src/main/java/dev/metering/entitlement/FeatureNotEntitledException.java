package dev.metering.entitlement;

import java.net.URI;

import org.jspecify.annotations.Nullable;

import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.web.ErrorResponseException;

/**
 * A call to a feature the tenant is not entitled to: a 403 with a problem body (RFC 9457:
 * type, title, status, detail, tenant, feature, plan). The kit's exception handler turns it
 * into that response in Spring MVC.
 */
public class FeatureNotEntitledException extends ErrorResponseException {

	/** The default problem type. */
	public static final URI DEFAULT_TYPE = URI.create("https://metering.dev/problems/feature-not-entitled");

	private final @Nullable String tenant;

	private final String feature;

	private final @Nullable String plan;

	/**
	 * Creates the exception.
	 * @param tenant the tenant, {@code null} when the call had none
	 * @param feature the feature
	 * @param plan the tenant's plan, {@code null} when it has none
	 * @param type the problem type
	 */
	public FeatureNotEntitledException(@Nullable String tenant, String feature, @Nullable String plan, URI type) {
		super(HttpStatus.FORBIDDEN, problem(tenant, feature, plan, type), null);
		this.tenant = tenant;
		this.feature = feature;
		this.plan = plan;
	}

	private static ProblemDetail problem(@Nullable String tenant, String feature, @Nullable String plan, URI type) {
		String detail = (tenant == null) ? "No tenant to check feature '" + feature + "' for"
				: "Tenant '" + tenant + "' is not entitled to feature '" + feature + "'"
						+ ((plan != null) ? " on plan '" + plan + "'" : " (no plan)");
		ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.FORBIDDEN, detail);
		problem.setType(type);
		problem.setTitle("Feature not entitled");
		problem.setProperty("tenant", tenant);
		problem.setProperty("feature", feature);
		problem.setProperty("plan", plan);
		return problem;
	}

	/**
	 * The tenant refused.
	 * @return the tenant, {@code null} when the call had none
	 */
	public @Nullable String getTenant() {
		return this.tenant;
	}

	/**
	 * The feature asked for.
	 * @return the feature
	 */
	public String getFeature() {
		return this.feature;
	}

	/**
	 * The tenant's plan.
	 * @return the plan, {@code null} when none
	 */
	public @Nullable String getPlan() {
		return this.plan;
	}

}
