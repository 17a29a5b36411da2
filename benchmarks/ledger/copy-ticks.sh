# Sourced by copy-cost.sh and index-each-cost.sh (needs their P, the psql command): prints the CPU
# ticks one PostgreSQL backend spends COPYing a file of ledger rows into a table it first creates,
# after a CHECKPOINT, read from /proc/<backend pid>/stat.
copy_ticks() { # create-table-sql table rows-file
  "${P[@]}" <<SQL
$1
CHECKPOINT;
\o /tmp/pid.txt
SELECT pg_backend_pid();
\o
\! sed 's/.*) //' /proc/\$(cat /tmp/pid.txt)/stat | awk '{print \$12+\$13}' > /tmp/t0.txt
COPY $2 (event_id, idempotency_key, tenant_id, billing_scope_id, meter, quantity, occurred_at, recorded_at, user_id, resource, source, dimensions) FROM '$3';
\! echo \$(( \$(sed 's/.*) //' /proc/\$(cat /tmp/pid.txt)/stat | awk '{print \$12+\$13}') - \$(cat /tmp/t0.txt) ))
SQL
}
