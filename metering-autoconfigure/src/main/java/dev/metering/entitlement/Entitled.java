package dev.metering.entitlement;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Refuses a call, before the method runs, when the tenant's plan (or the tenant's own
 * override) does not include a feature: {@link FeatureNotEntitledException}, a 403 problem in
 * Spring MVC. On a controller method the kit's {@code HandlerInterceptor} checks before the
 * arguments are bound; on any other bean the kit's advisor checks. On a type, every method of
 * it is checked.
 */
@Target({ ElementType.METHOD, ElementType.TYPE })
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface Entitled {

	/**
	 * The feature the caller's tenant must be entitled to.
	 * @return the feature name
	 */
	String value();

	/**
	 * A SpEL expression over the arguments ({@code #name}) giving the tenant; empty: the
	 * current request's tenant. A call with no tenant is refused.
	 * @return the tenant expression
	 */
	String tenant() default "";

}
