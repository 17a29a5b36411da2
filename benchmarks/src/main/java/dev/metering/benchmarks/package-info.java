/**
 * Benchmarks of the metering kit; they print ratios against a baseline measured in the same run.
 */
@NullMarked
package dev.metering.benchmarks;

import org.jspecify.annotations.NullMarked;
