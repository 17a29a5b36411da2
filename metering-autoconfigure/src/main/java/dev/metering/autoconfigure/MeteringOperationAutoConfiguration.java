package dev.metering.autoconfigure;

import dev.metering.event.UsageRecorder;
import dev.metering.operation.MeteredAdvisor;
import dev.metering.operation.MeteredBeanPostProcessor;
import dev.metering.operation.MeteredMethodInterceptor;
import dev.metering.operation.MeteredOperationSource;
import dev.metering.operation.OperationTenantResolver;
import dev.metering.tenant.TenantResolver;
import org.aopalliance.intercept.MethodInterceptor;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Role;

/**
 * {@code @Metered} operations: a Spring AOP advisor applied by the kit's own post-processor.
 */
@AutoConfiguration(after = { MeteringLedgerAutoConfiguration.class, MeteringWebAutoConfiguration.class })
@ConditionalOnClass(MethodInterceptor.class)
@ConditionalOnBean(UsageRecorder.class)
@ConditionalOnBooleanProperty(name = { "metering.enabled", "metering.operation.enabled" }, matchIfMissing = true)
public final class MeteringOperationAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	@Role(BeanDefinition.ROLE_INFRASTRUCTURE)
	static MeteredOperationSource meteredOperationSource() {
		return new MeteredOperationSource();
	}

	@Bean
	@ConditionalOnMissingBean
	@Role(BeanDefinition.ROLE_INFRASTRUCTURE)
	static MeteredBeanPostProcessor meteredBeanPostProcessor(ObjectProvider<MeteredOperationSource> operations,
			ObjectProvider<UsageRecorder> recorder, ObjectProvider<TenantResolver> tenantResolver) {
		MeteredOperationSource source = operations.getObject();
		return new MeteredBeanPostProcessor(source, () -> new MeteredAdvisor(new MeteredMethodInterceptor(source,
				recorder.getObject(), new OperationTenantResolver(tenantResolver.getIfUnique()))));
	}

}
