package dev.metering.operation;

import java.lang.reflect.Method;

import dev.metering.event.UsageEventValidator;
import org.jspecify.annotations.Nullable;

import org.springframework.context.expression.MethodBasedEvaluationContext;
import org.springframework.core.DefaultParameterNameDiscoverer;
import org.springframework.core.ParameterNameDiscoverer;
import org.springframework.expression.EvaluationException;
import org.springframework.expression.Expression;

/**
 * One invocation of a metered method: evaluates the operation's expressions against its
 * arguments (and, once known, its result).
 */
final class MeteredCall {

	private static final ParameterNameDiscoverer parameterNames = new DefaultParameterNameDiscoverer();

	private final MeteredOperation operation;

	private final MethodBasedEvaluationContext context;

	MeteredCall(MeteredOperation operation, @Nullable Object target, Method method, @Nullable Object[] arguments) {
		this.operation = operation;
		this.context = new MethodBasedEvaluationContext(target, method, arguments, parameterNames);
	}

	MeteredOperation operation() {
		return this.operation;
	}

	void result(@Nullable Object result) {
		this.context.setVariable("result", result);
	}

	@Nullable String evaluateString(@Nullable Expression expression, String attribute) {
		if (expression == null) {
			return null;
		}
		Object value = evaluate(expression, attribute);
		return (value != null) ? value.toString() : null;
	}

	java.math.BigDecimal evaluateQuantity() {
		Object value = evaluate(this.operation.quantity(), "quantity");
		java.math.BigDecimal quantity = toDecimal(value);
		if (quantity == null) {
			throw failure("quantity", this.operation.quantitySource(),
					"gave " + ((value != null) ? value.getClass().getSimpleName() + " " + UsageEventValidator.abbreviate(String.valueOf(value)) : "null")
							+ ", not a number");
		}
		// Bounded before anything compares or adds it: the application's number may be 1e999999999.
		String problem = UsageEventValidator.quantityProblem(quantity);
		if (problem != null) {
			throw failure("quantity", this.operation.quantitySource(), "gave an invalid quantity: " + problem);
		}
		return quantity;
	}

	/** The call's data: a map with string keys, as the meter definitions read it. */
	@SuppressWarnings("unchecked")
	java.util.Map<String, @Nullable Object> evaluateData() {
		Expression expression = java.util.Objects.requireNonNull(this.operation.data(), "data");
		Object value = evaluate(expression, "data");
		if (!(value instanceof java.util.Map<?, ?> map)
				|| map.keySet().stream().anyMatch((key) -> !(key instanceof String))) {
			throw failure("data", expression.getExpressionString(), "gave "
					+ ((value != null) ? value.getClass().getSimpleName() : "null") + ", not a map with string keys");
		}
		return (java.util.Map<String, @Nullable Object>) map;
	}

	private @Nullable Object evaluate(Expression expression, String attribute) {
		try {
			return expression.getValue(this.context);
		}
		catch (EvaluationException ex) {
			throw new MeteredOperationException("@Metered on " + this.operation.describe() + ": " + attribute
					+ " expression '" + expression.getExpressionString() + "' failed: " + ex.getMessage(), ex);
		}
		catch (RuntimeException ex) {
			// SpEL rethrows what a method it calls throws (e.g. NumberFormatException) unwrapped.
			throw new MeteredOperationException("@Metered on " + this.operation.describe() + ": " + attribute
					+ " expression '" + expression.getExpressionString() + "' threw " + ex, ex);
		}
	}

	MeteredOperationException failure(String attribute, String expression, String problem) {
		return new MeteredOperationException("@Metered on " + this.operation.describe() + ": " + attribute
				+ " expression '" + expression + "' " + problem + "; nothing recorded");
	}

	private static java.math.@Nullable BigDecimal toDecimal(@Nullable Object value) {
		if (value instanceof java.math.BigDecimal decimal) {
			return decimal;
		}
		if (value instanceof java.math.BigInteger integer) {
			return new java.math.BigDecimal(integer);
		}
		if (value instanceof Double || value instanceof Float) {
			double number = ((Number) value).doubleValue();
			return (Double.isNaN(number) || Double.isInfinite(number)) ? null : java.math.BigDecimal.valueOf(number);
		}
		if (value instanceof Number number) {
			return java.math.BigDecimal.valueOf(number.longValue());
		}
		return null;
	}

}
