/**
 * A small SaaS API that uses the metering starter as an application would.
 */
@NullMarked
package dev.metering.sample;

import org.jspecify.annotations.NullMarked;
