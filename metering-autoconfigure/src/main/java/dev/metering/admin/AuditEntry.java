package dev.metering.admin;

import java.time.Instant;

import org.jspecify.annotations.Nullable;

/**
 * One change of a runtime definition.
 *
 * @param id the entry's id, increasing
 * @param changedAt when
 * @param actor who (the authenticated principal, or the API key's name)
 * @param action what, e.g. {@code put-plan-quota}
 * @param target which definition, e.g. {@code plan:pro/api.calls/day}
 * @param oldValue the value before, {@code null} when it was absent
 * @param newValue the value after, {@code null} when it was deleted
 */
public record AuditEntry(long id, Instant changedAt, String actor, String action, String target,
		@Nullable String oldValue, @Nullable String newValue) {
}
