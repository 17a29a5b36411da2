-- Upgrades a metering ledger made by a version before meter definitions (issue 27): adds the
-- meter rollup tables. Safe to run again. Tables keep the 'metering_' prefix: replace it with your
-- metering.jdbc.table-prefix if you set one. Nothing else changes; existing rows stay as they are.
-- Meters with a definition (metering.meters), folded with the rollups in the same transaction from the
-- same ledger rows. Hourly rows per group: what every aggregation needs (sum, count, min, max, and the
-- latest value with its occurred_at and event id, the tie-break). group_key is '' for an ungrouped
-- meter, else a hash of group_values (the group's values as a JSON object).
CREATE TABLE IF NOT EXISTS metering_meter_rollup (
    tenant_id        VARCHAR(128)   NOT NULL,
    meter            VARCHAR(128)   NOT NULL,
    billing_scope_id VARCHAR(128)   NOT NULL,
    period_start     TIMESTAMP WITH TIME ZONE NOT NULL,
    group_key        VARCHAR(32)    NOT NULL,
    group_values     VARCHAR(4000),
    quantity         NUMERIC(38, 9) NOT NULL,
    event_count      BIGINT         NOT NULL,
    min_value        NUMERIC(38, 9) NOT NULL,
    max_value        NUMERIC(38, 9) NOT NULL,
    latest_value     NUMERIC(38, 9) NOT NULL,
    latest_at        TIMESTAMP WITH TIME ZONE NOT NULL,
    latest_event_id  VARCHAR(36)    NOT NULL,
    updated_at       TIMESTAMP WITH TIME ZONE NOT NULL,
    CONSTRAINT metering_meter_rollup_pk PRIMARY KEY (tenant_id, meter, billing_scope_id, period_start, group_key)
);
CREATE INDEX IF NOT EXISTS metering_meter_rollup_scope_ix ON metering_meter_rollup (billing_scope_id, meter, period_start);
-- The groups each tenant's meter has in each UTC month, at most its max-groups: the fold counts a
-- further group under the overflow group ('__other__').
CREATE TABLE IF NOT EXISTS metering_meter_group (
    tenant_id        VARCHAR(128)   NOT NULL,
    meter            VARCHAR(128)   NOT NULL,
    period_start     TIMESTAMP WITH TIME ZONE NOT NULL,
    group_key        VARCHAR(32)    NOT NULL,
    group_values     VARCHAR(4000),
    CONSTRAINT metering_meter_group_pk PRIMARY KEY (tenant_id, meter, period_start, group_key)
);
-- The distinct values of each unique-count meter per tenant, billing scope, UTC month and group, with the
-- earliest occurred_at of each: a month's unique count (or one up to any instant of it) is a count here.
CREATE TABLE IF NOT EXISTS metering_meter_distinct (
    tenant_id        VARCHAR(128)   NOT NULL,
    meter            VARCHAR(128)   NOT NULL,
    billing_scope_id VARCHAR(128)   NOT NULL,
    period_start     TIMESTAMP WITH TIME ZONE NOT NULL,
    group_key        VARCHAR(32)    NOT NULL,
    distinct_value   VARCHAR(256)   NOT NULL,
    first_seen       TIMESTAMP WITH TIME ZONE NOT NULL,
    CONSTRAINT metering_meter_distinct_pk PRIMARY KEY (tenant_id, meter, billing_scope_id, period_start, group_key, distinct_value)
);
CREATE INDEX IF NOT EXISTS metering_meter_distinct_scope_ix ON metering_meter_distinct (billing_scope_id, meter, period_start);
