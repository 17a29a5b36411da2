-- Moves an unpartitioned PostgreSQL ledger to monthly partitions (metering.ledger.partitioning:
-- monthly), step 1 of 3 (docs/scaling.md): sets the ledger aside under another name, with its
-- indexes, so the partitioned script can create the new ledger. Run with every instance stopped.
-- Tables keep the 'metering_' prefix: replace it with your metering.jdbc.table-prefix if you set one.
ALTER TABLE metering_usage_event RENAME TO metering_usage_event_unpartitioned;
ALTER INDEX IF EXISTS metering_usage_event_tenant_ix RENAME TO metering_usage_event_unpartitioned_tenant_ix;
ALTER INDEX IF EXISTS metering_usage_event_idempotency_uk RENAME TO metering_usage_event_unpartitioned_idempotency_uk;
ALTER INDEX IF EXISTS metering_usage_event_event_id_uk RENAME TO metering_usage_event_unpartitioned_event_id_uk;
