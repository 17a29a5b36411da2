/**
 * The definition caches' common behaviour: what is held keeps serving while a reload fails.
 * Not API: public only for the kit's own packages.
 */
@NullMarked
package dev.metering.cache;

import org.jspecify.annotations.NullMarked;
