package dev.metering.operation;

import java.lang.reflect.Method;

import org.jspecify.annotations.Nullable;

import org.springframework.expression.Expression;

/**
 * One {@code @Metered} method with its expressions parsed.
 *
 * @param method the annotated method
 * @param meter the meter
 * @param name the operation name recorded as resource
 * @param quantity the quantity expression
 * @param quantitySource the quantity expression's text, for messages
 * @param tenant the tenant expression, or {@code null} for the request's tenant
 * @param idempotencyKey the idempotency key expression, or {@code null}
 * @param enforce whether the quota is checked before the call
 * @param recordPolicy when the call is recorded
 * @param resultDependent whether the quantity needs the return value ({@code #result})
 * @param constantQuantity the quantity when the expression is a constant ({@code "1"}), known
 * before the arguments are; {@code null} otherwise
 * @param data the data expression (a map the meter definitions read), or {@code null} to record a
 * plain event of the meter
 */
public record MeteredOperation(Method method, String meter, String name, Expression quantity, String quantitySource,
		@Nullable Expression tenant, @Nullable Expression idempotencyKey, boolean enforce,
		Metered.RecordPolicy recordPolicy, boolean resultDependent, java.math.@Nullable BigDecimal constantQuantity,
		@Nullable Expression data) {

	/** An operation without data, as before {@code data} existed. */
	public MeteredOperation(Method method, String meter, String name, Expression quantity, String quantitySource,
			@Nullable Expression tenant, @Nullable Expression idempotencyKey, boolean enforce,
			Metered.RecordPolicy recordPolicy, boolean resultDependent,
			java.math.@Nullable BigDecimal constantQuantity) {
		this(method, meter, name, quantity, quantitySource, tenant, idempotencyKey, enforce, recordPolicy,
				resultDependent, constantQuantity, null);
	}

	/** Describes the method for error messages: {@code ReportService.generate(ReportRequest)}. */
	public String describe() {
		StringBuilder description = new StringBuilder(this.method.getDeclaringClass().getSimpleName()).append('.')
			.append(this.method.getName())
			.append('(');
		Class<?>[] types = this.method.getParameterTypes();
		for (int i = 0; i < types.length; i++) {
			description.append((i > 0) ? ", " : "").append(types[i].getSimpleName());
		}
		return description.append(')').toString();
	}

}
