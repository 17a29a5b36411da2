package dev.metering.operation;

import java.util.function.Supplier;

import org.springframework.aop.framework.AopInfrastructureBean;
import org.springframework.aop.framework.autoproxy.AbstractBeanFactoryAwareAdvisingPostProcessor;
import org.springframework.aop.support.AopUtils;
import org.springframework.beans.factory.BeanCreationException;

/**
 * Proxies beans with {@code @Metered} methods, independently of any auto-proxy creator, and
 * parses their expressions as each bean is created, so a bad declaration fails start-up naming
 * the method. The metering advice runs outside other advice (transactions, retries): a call is
 * recorded once, after its transaction has committed.
 */
public class MeteredBeanPostProcessor extends AbstractBeanFactoryAwareAdvisingPostProcessor {

	private final MeteredOperationSource operations;

	private final Supplier<MeteredAdvisor> advisorSupplier;

	/**
	 * A post-processor whose advisor is created on first use, so that the recorder it needs is
	 * not created while post-processors are still being registered.
	 * @param operations finds and parses {@code @Metered}
	 * @param advisorSupplier supplies the advisor
	 */
	public MeteredBeanPostProcessor(MeteredOperationSource operations, Supplier<MeteredAdvisor> advisorSupplier) {
		this.operations = operations;
		this.advisorSupplier = advisorSupplier;
		setBeforeExistingAdvisors(true);
		setProxyTargetClass(true);
	}

	@Override
	public Object postProcessAfterInitialization(Object bean, String beanName) {
		if (bean instanceof AopInfrastructureBean) {
			return bean;
		}
		try {
			if (!this.operations.validate(AopUtils.getTargetClass(bean))) {
				return bean;
			}
		}
		catch (MeteredOperationException ex) {
			throw new BeanCreationException(beanName, ex.getMessage(), ex);
		}
		if (this.advisor == null) {
			this.advisor = this.advisorSupplier.get();
		}
		return super.postProcessAfterInitialization(bean, beanName);
	}

}
