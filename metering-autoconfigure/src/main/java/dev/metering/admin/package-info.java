/**
 * Runtime quota definitions: plans, plan quotas, tenants and tenant overrides in the database
 * (a row wins over {@code application.yml}), the {@link dev.metering.admin.MeteringAdmin} API that
 * changes them with validation and an audit trail, and the explanation of effective quotas.
 */
@NullMarked
package dev.metering.admin;

import org.jspecify.annotations.NullMarked;
