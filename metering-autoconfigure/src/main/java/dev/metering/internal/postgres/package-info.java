/**
 * PostgreSQL's binary COPY: the row encoding ({@link dev.metering.internal.postgres.PostgresCopyBinary})
 * and pgjdbc's COPY API ({@link dev.metering.internal.postgres.PgCopy}), used by the ledger's
 * PostgreSQL dialect and by the benchmarks module's baseline. Not API: public for the kit's own
 * packages only; it may change in any release.
 */
@NullMarked
package dev.metering.internal.postgres;

import org.jspecify.annotations.NullMarked;
