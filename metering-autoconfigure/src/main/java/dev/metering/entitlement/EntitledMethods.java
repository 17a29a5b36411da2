package dev.metering.entitlement;

import java.lang.reflect.Method;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import org.jspecify.annotations.Nullable;

import org.springframework.context.expression.MethodBasedEvaluationContext;
import org.springframework.core.DefaultParameterNameDiscoverer;
import org.springframework.core.ParameterNameDiscoverer;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.expression.Expression;
import org.springframework.expression.ParseException;
import org.springframework.expression.spel.standard.SpelExpressionParser;
import org.springframework.util.ClassUtils;
import org.springframework.util.ReflectionUtils;

/**
 * Finds {@code @Entitled} on a method or its type and parses its tenant expression once per
 * method, so a bad expression fails when the bean is created, naming the method.
 */
public class EntitledMethods {

	private static final ParameterNameDiscoverer PARAMETER_NAMES = new DefaultParameterNameDiscoverer();

	private final SpelExpressionParser parser = new SpelExpressionParser();

	private final Map<Method, Optional<EntitledMethod>> methods = new ConcurrentHashMap<>();

	/**
	 * The check of a method.
	 * @param method the method called
	 * @param targetClass the class of the bean
	 * @return the feature and tenant expression, or {@code null} when the method is not checked
	 */
	public @Nullable EntitledMethod find(Method method, Class<?> targetClass) {
		Method specific = ClassUtils.getMostSpecificMethod(method, targetClass);
		// Asked on every request: a plain read first, as computeIfAbsent costs a lambda per call.
		Optional<EntitledMethod> known = this.methods.get(specific);
		if (known == null) {
			known = this.methods.computeIfAbsent(specific, (key) -> Optional.ofNullable(parse(key, targetClass)));
		}
		return known.orElse(null);
	}

	/**
	 * Whether a class has any checked method; parses each, so a bad declaration fails here.
	 * @param targetClass the class of a bean
	 * @return {@code true} when a method is checked
	 * @throws IllegalStateException naming the method of a bad declaration
	 */
	public boolean validate(Class<?> targetClass) {
		boolean[] found = { false };
		ReflectionUtils.doWithMethods(targetClass, (method) -> found[0] |= find(method, targetClass) != null,
				ReflectionUtils.USER_DECLARED_METHODS);
		return found[0];
	}

	private @Nullable EntitledMethod parse(Method method, Class<?> targetClass) {
		Entitled entitled = AnnotatedElementUtils.findMergedAnnotation(method, Entitled.class);
		if (entitled == null) {
			entitled = AnnotatedElementUtils.findMergedAnnotation(targetClass, Entitled.class);
		}
		if (entitled == null) {
			return null;
		}
		String where = targetClass.getName() + "." + method.getName();
		if (entitled.value().isBlank()) {
			throw new IllegalStateException("@Entitled on " + where + " names no feature");
		}
		try {
			Expression tenant = entitled.tenant().isBlank() ? null : this.parser.parseExpression(entitled.tenant());
			return new EntitledMethod(entitled.value(), tenant);
		}
		catch (ParseException ex) {
			throw new IllegalStateException(
					"@Entitled on " + where + " has a bad tenant expression '" + entitled.tenant() + "'", ex);
		}
	}

	/**
	 * One checked method.
	 *
	 * @param feature the feature
	 * @param tenant the tenant expression, {@code null} for the current request's tenant
	 */
	public record EntitledMethod(String feature, @Nullable Expression tenant) {

		/**
		 * Evaluates the tenant expression over a call's arguments.
		 * @param method the method
		 * @param arguments the arguments
		 * @return the tenant, {@code null} when it evaluates to nothing
		 */
		@Nullable String tenantOf(Method method, @Nullable Object[] arguments) {
			if (this.tenant == null) {
				return null;
			}
			Object value = this.tenant.getValue(new MethodBasedEvaluationContext(null, method, arguments, PARAMETER_NAMES));
			return (value != null) ? value.toString() : null;
		}

	}

}
