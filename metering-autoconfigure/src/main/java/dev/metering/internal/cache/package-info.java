/**
 * The definition caches' common behaviour: what is held keeps serving while a reload fails.
 * Not API: public for the kit's own packages only; it may change in any release.
 */
@NullMarked
package dev.metering.internal.cache;

import org.jspecify.annotations.NullMarked;
