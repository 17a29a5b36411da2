package dev.metering.operation;

import java.lang.reflect.Method;
import java.math.BigDecimal;
import java.lang.reflect.Modifier;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import dev.metering.event.UsageEventValidator;
import org.jspecify.annotations.Nullable;

import org.springframework.aop.support.AopUtils;
import org.springframework.core.MethodClassKey;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.core.annotation.AnnotationUtils;
import org.springframework.expression.EvaluationException;
import org.springframework.expression.Expression;
import org.springframework.expression.ParseException;
import org.springframework.expression.spel.standard.SpelExpressionParser;
import org.springframework.util.ClassUtils;
import org.springframework.util.ReflectionUtils;
import org.springframework.util.StringUtils;

/**
 * Finds the {@code @Metered} declaration of a method (on the method, else on its class, meta-
 * annotations included) and parses its expressions once; results are cached per method and
 * target class.
 */
public class MeteredOperationSource {

	private final SpelExpressionParser parser = new SpelExpressionParser();

	private final Map<MethodClassKey, Optional<MeteredOperation>> cache = new ConcurrentHashMap<>(256);

	/**
	 * The metered operation of a method called on a target class.
	 * @param method the invoked method
	 * @param targetClass the target's class, or {@code null}
	 * @return the operation, or {@code null} when the method is not metered
	 * @throws MeteredOperationException when an expression does not parse or the meter is invalid
	 */
	public @Nullable MeteredOperation getOperation(Method method, @Nullable Class<?> targetClass) {
		MethodClassKey key = new MethodClassKey(method, targetClass);
		Optional<MeteredOperation> cached = this.cache.get(key);
		if (cached == null) {
			cached = Optional.ofNullable(find(method, targetClass));
			this.cache.put(key, cached);
		}
		return cached.orElse(null);
	}

	/**
	 * Parses every metered method of a class, so a bad declaration fails start-up.
	 * @param targetClass a bean class
	 * @return whether the class has metered methods
	 */
	public boolean validate(Class<?> targetClass) {
		// Spring's cheap pre-filter (java.* types, for instance, cannot carry the annotation).
		if (!AnnotationUtils.isCandidateClass(targetClass, Metered.class)) {
			return false;
		}
		boolean[] found = { false };
		ReflectionUtils.doWithMethods(targetClass, (method) -> {
			if (getOperation(method, targetClass) != null) {
				found[0] = true;
			}
		}, (method) -> !method.isBridge() && !method.isSynthetic() && method.getDeclaringClass() != Object.class);
		return found[0];
	}

	private @Nullable MeteredOperation find(Method method, @Nullable Class<?> targetClass) {
		if (method.getDeclaringClass() == Object.class) {
			return null;
		}
		Method specific = AopUtils.getMostSpecificMethod(method, targetClass);
		Metered metered = AnnotatedElementUtils.findMergedAnnotation(specific, Metered.class);
		if (metered == null && specific != method) {
			metered = AnnotatedElementUtils.findMergedAnnotation(method, Metered.class);
		}
		if (metered == null && Modifier.isPublic(specific.getModifiers())) {
			Class<?> type = (targetClass != null) ? targetClass : specific.getDeclaringClass();
			metered = AnnotatedElementUtils.findMergedAnnotation(ClassUtils.getUserClass(type), Metered.class);
		}
		return (metered != null) ? parse(specific, metered) : null;
	}

	private MeteredOperation parse(Method method, Metered metered) {
		String where = method.getDeclaringClass().getSimpleName() + "." + method.getName();
		if (!UsageEventValidator.isValidMeterName(metered.meter())) {
			throw new MeteredOperationException("@Metered on " + where + ": meter '" + metered.meter()
					+ "' must match [a-z0-9][a-z0-9._-]*");
		}
		String name = StringUtils.hasText(metered.name()) ? metered.name() : where;
		if (name.length() > UsageEventValidator.MAX_RESOURCE_LENGTH) {
			// Recorded as the event's resource: refused now rather than after every call's work.
			throw new MeteredOperationException("@Metered on " + where + ": name must be at most "
					+ UsageEventValidator.MAX_RESOURCE_LENGTH + " characters, was " + name.length());
		}
		Expression quantity = parse(where, "quantity", metered.quantity());
		return new MeteredOperation(method, metered.meter(), name, quantity, metered.quantity(),
				parseOptional(where, "tenant", metered.tenant()),
				parseOptional(where, "idempotencyKey", metered.idempotencyKey()), metered.enforce(), metered.record(),
				metered.quantity().contains("#result"), constant(quantity),
				parseOptional(where, "data", metered.data()));
	}

	/** The value of a quantity that needs no arguments ("1", "2.5"), so it can be checked early. */
	private static @Nullable BigDecimal constant(Expression quantity) {
		if (quantity.getExpressionString().contains("#") || quantity.getExpressionString().contains("@")) {
			return null;
		}
		try {
			Object value = quantity.getValue();
			if (value instanceof Integer || value instanceof Long || value instanceof Short) {
				return BigDecimal.valueOf(((Number) value).longValue());
			}
			if (value instanceof Double number && !number.isNaN() && !number.isInfinite()) {
				return BigDecimal.valueOf(number);
			}
			return (value instanceof BigDecimal decimal) ? decimal : null;
		}
		catch (EvaluationException ex) {
			return null;
		}
	}

	private @Nullable Expression parseOptional(String where, String attribute, String expression) {
		return StringUtils.hasText(expression) ? parse(where, attribute, expression) : null;
	}

	private Expression parse(String where, String attribute, String expression) {
		try {
			return this.parser.parseExpression(expression);
		}
		catch (ParseException ex) {
			throw new MeteredOperationException("@Metered on " + where + ": " + attribute + " expression '"
					+ expression + "' does not parse: " + ex.getMessage(), ex);
		}
	}

}
