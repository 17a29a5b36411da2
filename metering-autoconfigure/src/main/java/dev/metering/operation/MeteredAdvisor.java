package dev.metering.operation;

import org.aopalliance.aop.Advice;

import org.springframework.aop.ClassFilter;
import org.springframework.aop.Pointcut;
import org.springframework.aop.support.AbstractPointcutAdvisor;
import org.springframework.aop.support.ComposablePointcut;
import org.springframework.aop.support.annotation.AnnotationMatchingPointcut;

/**
 * The Spring AOP advisor of {@code @Metered}: methods annotated (directly or through a
 * meta-annotation), and every method of annotated types.
 */
public class MeteredAdvisor extends AbstractPointcutAdvisor {

	private final Advice advice;

	private final Pointcut pointcut;

	public MeteredAdvisor(MeteredMethodInterceptor interceptor) {
		this.advice = interceptor;
		this.pointcut = new ComposablePointcut(new AnnotationMatchingPointcut(Metered.class, true))
			.union(new ComposablePointcut(ClassFilter.TRUE,
					new org.springframework.aop.support.annotation.AnnotationMethodMatcher(Metered.class, true)));
	}

	@Override
	public Pointcut getPointcut() {
		return this.pointcut;
	}

	@Override
	public Advice getAdvice() {
		return this.advice;
	}

}
