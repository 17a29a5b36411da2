-- Upgrades a metering ledger made by a version before billing calendars and plan history (issue 28):
-- adds the tenant table's time zone and anchor day and the table of plan assignments. Safe to run
-- again. Tables keep the 'metering_' prefix: replace it with your metering.jdbc.table-prefix if you
-- set one. Nothing else changes; existing rows stay as they are.
ALTER TABLE metering_tenant ADD COLUMN IF NOT EXISTS time_zone VARCHAR(64);
ALTER TABLE metering_tenant ADD COLUMN IF NOT EXISTS anchor_day INTEGER;
CREATE TABLE IF NOT EXISTS metering_tenant_plan (
    tenant_id      VARCHAR(128) NOT NULL,
    effective_from TIMESTAMPTZ  NOT NULL,
    plan           VARCHAR(64)  NOT NULL,
    created_at     TIMESTAMPTZ  NOT NULL,
    CONSTRAINT metering_tenant_plan_pk PRIMARY KEY (tenant_id, effective_from)
);
