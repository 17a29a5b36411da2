-- Moves an unpartitioned PostgreSQL ledger to monthly partitions, step 3 of 3 (docs/scaling.md),
-- after step 1 and schema-postgresql-partitioned.sql: copies every row with its id (the rollups'
-- progress is by id), the event ids and idempotency keys claimed as they go, moves the id sequence
-- past them, and drops the set-aside table. The rows wait in the default partition until the kit's
-- first start with metering.ledger.partitioning: monthly moves each month into its own partition.
INSERT INTO metering_usage_event SELECT * FROM metering_usage_event_unpartitioned ORDER BY id;
SELECT setval(pg_get_serial_sequence('metering_usage_event', 'id'),
    (SELECT COALESCE(MAX(id), 0) + 1 FROM metering_usage_event_unpartitioned), false);
DROP TABLE metering_usage_event_unpartitioned;
