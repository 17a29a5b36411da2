/**
 * Which tenant a request belongs to: the {@link dev.metering.tenant.TenantResolver} and the
 * tenant resolved once per request.
 */
@NullMarked
package dev.metering.tenant;

import org.jspecify.annotations.NullMarked;
