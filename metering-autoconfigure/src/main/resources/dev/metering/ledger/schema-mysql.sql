-- Metering kit schema for MySQL and MariaDB. Every name starts with 'metering_'; a configured
-- metering.jdbc.table-prefix replaces it when the kit runs this script. Indexes are declared
-- inline so that CREATE TABLE IF NOT EXISTS makes the script safe to run again.
CREATE TABLE IF NOT EXISTS metering_usage_event (
    id               BIGINT         NOT NULL AUTO_INCREMENT PRIMARY KEY,
    event_id         CHAR(36)       NOT NULL,
    idempotency_key  VARCHAR(200),
    tenant_id        VARCHAR(128)   NOT NULL,
    billing_scope_id VARCHAR(128)   NOT NULL,
    meter            VARCHAR(128)   NOT NULL,
    quantity         DECIMAL(38, 9) NOT NULL,
    occurred_at      DATETIME(6)    NOT NULL,
    recorded_at      DATETIME(6)    NOT NULL,
    user_id          VARCHAR(256),
    resource         VARCHAR(512),
    source           VARCHAR(16)    NOT NULL,
    dimensions       TEXT,
    UNIQUE KEY metering_usage_event_event_id_uk (event_id),
    UNIQUE KEY metering_usage_event_idempotency_uk (tenant_id, idempotency_key),
    KEY metering_usage_event_tenant_ix (tenant_id, meter, occurred_at)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
