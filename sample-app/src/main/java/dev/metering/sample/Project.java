package dev.metering.sample;

/**
 * A tenant's project.
 *
 * @param id the id
 * @param tenantId the owning tenant
 * @param name the name
 */
public record Project(long id, String tenantId, String name) {

}
