/**
 * Every statement the kit runs, in one place: the SQL the databases share once
 * ({@link dev.metering.internal.sql.DatabaseSql} and the statements it holds by concern), and per
 * database ({@link dev.metering.internal.sql.H2Sql}, {@link dev.metering.internal.sql.PostgresSql},
 * {@link dev.metering.internal.sql.MySqlSql}) only what differs, selected by
 * {@link dev.metering.internal.sql.LedgerDatabase}. Statements are built from the validated table
 * prefix ({@link dev.metering.internal.sql.TableNames}) and counts of placeholders, never from input.
 * Not API: public for the kit's own packages only; it may change in any release.
 */
@NullMarked
package dev.metering.internal.sql;

import org.jspecify.annotations.NullMarked;
