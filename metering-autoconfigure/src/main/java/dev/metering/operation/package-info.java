/**
 * {@code @Metered}: metering and quota enforcement of Spring bean methods through a Spring AOP
 * advisor.
 */
@NullMarked
package dev.metering.operation;

import org.jspecify.annotations.NullMarked;
