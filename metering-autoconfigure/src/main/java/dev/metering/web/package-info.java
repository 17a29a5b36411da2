/**
 * The servlet filter that meters every request, the 429 problem responses and RateLimit fields,
 * and the MVC interceptor of {@code @Metered} controller methods.
 */
@NullMarked
package dev.metering.web;

import org.jspecify.annotations.NullMarked;
