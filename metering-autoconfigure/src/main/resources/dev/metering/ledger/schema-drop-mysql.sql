-- Drops the metering kit's tables.
DROP TABLE IF EXISTS metering_usage_event;
