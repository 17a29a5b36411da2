/**
 * The admin REST API over {@link dev.metering.admin.MeteringAdmin}: off by default, protected by
 * an authority (Spring Security) or a static API key, RFC 9457 problem details for every error.
 */
@NullMarked
package dev.metering.admin.web;

import org.jspecify.annotations.NullMarked;
