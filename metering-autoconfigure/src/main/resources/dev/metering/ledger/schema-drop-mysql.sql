-- Drops the metering kit's tables.
DROP TABLE IF EXISTS metering_usage_event;
DROP TABLE IF EXISTS metering_rollup_gap;
DROP TABLE IF EXISTS metering_rollup_state;
DROP TABLE IF EXISTS metering_usage_rollup;
DROP TABLE IF EXISTS metering_usage_user_rollup;
DROP TABLE IF EXISTS metering_plan;
DROP TABLE IF EXISTS metering_plan_quota;
DROP TABLE IF EXISTS metering_tenant;
DROP TABLE IF EXISTS metering_tenant_quota;
DROP TABLE IF EXISTS metering_tenant_hierarchy;
DROP TABLE IF EXISTS metering_quota_audit;
DROP TABLE IF EXISTS metering_quota_lease;
DROP TABLE IF EXISTS metering_quota_allocation;
DROP TABLE IF EXISTS metering_webhook_outbox;
DROP TABLE IF EXISTS metering_feature;
