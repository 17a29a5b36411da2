/**
 * The quota invalidation bus: a runtime change on one instance evicts the affected quota
 * definitions and usage readings on every instance (in-process, PostgreSQL LISTEN/NOTIFY or
 * Redis pub/sub). Caches still expire by TTL when the bus is down.
 */
@NullMarked
package dev.metering.quota.bus;

import org.jspecify.annotations.NullMarked;
