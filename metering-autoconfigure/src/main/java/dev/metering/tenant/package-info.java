/**
 * Which tenant a request belongs to (the {@link dev.metering.tenant.TenantResolver}, the tenant
 * resolved once per request) and the tenant hierarchy: the {@link dev.metering.tenant.TenantDirectory}
 * of lineages and billing attribution, its definitions and the editor that changes them.
 */
@NullMarked
package dev.metering.tenant;

import org.jspecify.annotations.NullMarked;
