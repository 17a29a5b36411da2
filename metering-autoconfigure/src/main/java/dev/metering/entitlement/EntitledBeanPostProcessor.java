package dev.metering.entitlement;

import java.util.function.Supplier;

import org.aopalliance.aop.Advice;

import org.springframework.aop.ClassFilter;
import org.springframework.aop.Pointcut;
import org.springframework.aop.framework.AopInfrastructureBean;
import org.springframework.aop.framework.autoproxy.AbstractBeanFactoryAwareAdvisingPostProcessor;
import org.springframework.aop.support.AbstractPointcutAdvisor;
import org.springframework.aop.support.AopUtils;
import org.springframework.aop.support.ComposablePointcut;
import org.springframework.aop.support.annotation.AnnotationMatchingPointcut;
import org.springframework.aop.support.annotation.AnnotationMethodMatcher;
import org.springframework.beans.factory.BeanCreationException;

/**
 * Proxies beans with {@code @Entitled} methods, independently of any auto-proxy creator, as the
 * kit does for {@code @Metered}; the check runs before the application's own advice
 * (transactions, retries), so a refused call starts none of them.
 */
public class EntitledBeanPostProcessor extends AbstractBeanFactoryAwareAdvisingPostProcessor {

	private final EntitledMethods methods;

	private final Supplier<EntitledMethodInterceptor> interceptor;

	/**
	 * A post-processor whose interceptor is created on first use, so what it needs is not
	 * created while post-processors are being registered.
	 * @param methods finds and parses {@code @Entitled}
	 * @param interceptor supplies the interceptor
	 */
	public EntitledBeanPostProcessor(EntitledMethods methods, Supplier<EntitledMethodInterceptor> interceptor) {
		this.methods = methods;
		this.interceptor = interceptor;
		setBeforeExistingAdvisors(true);
		setProxyTargetClass(true);
	}

	@Override
	public Object postProcessAfterInitialization(Object bean, String beanName) {
		if (bean instanceof AopInfrastructureBean) {
			return bean;
		}
		try {
			if (!this.methods.validate(AopUtils.getTargetClass(bean))) {
				return bean;
			}
		}
		catch (IllegalStateException ex) {
			throw new BeanCreationException(beanName, ex.getMessage(), ex);
		}
		if (this.advisor == null) {
			this.advisor = new EntitledAdvisor(this.interceptor.get());
		}
		return super.postProcessAfterInitialization(bean, beanName);
	}

	/** Methods annotated (directly or through a meta-annotation), and every method of annotated types. */
	static final class EntitledAdvisor extends AbstractPointcutAdvisor {

		private final Advice advice;

		private final Pointcut pointcut;

		EntitledAdvisor(EntitledMethodInterceptor interceptor) {
			this.advice = interceptor;
			this.pointcut = new ComposablePointcut(new AnnotationMatchingPointcut(Entitled.class, true))
				.union(new ComposablePointcut(ClassFilter.TRUE, new AnnotationMethodMatcher(Entitled.class, true)));
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

}
