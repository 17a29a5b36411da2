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
    -- A void or correction is a row of its own linked to the event it corrects (docs/recording.md).
    corrects_event_id CHAR(36),
    UNIQUE KEY metering_usage_event_event_id_uk (event_id),
    UNIQUE KEY metering_usage_event_idempotency_uk (tenant_id, idempotency_key),
    KEY metering_usage_event_tenant_ix (tenant_id, meter, occurred_at),
    KEY metering_usage_event_corrects_ix (corrects_event_id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- Hourly rollups: a projection of the ledger, one row per tenant, meter, billing scope and UTC hour.
CREATE TABLE IF NOT EXISTS metering_usage_rollup (
    tenant_id        VARCHAR(128)   NOT NULL,
    meter            VARCHAR(128)   NOT NULL,
    billing_scope_id VARCHAR(128)   NOT NULL,
    period_start     DATETIME(6)    NOT NULL,
    quantity         DECIMAL(38, 9) NOT NULL,
    event_count      BIGINT         NOT NULL,
    updated_at       DATETIME(6)    NOT NULL,
    PRIMARY KEY (tenant_id, meter, billing_scope_id, period_start),
    KEY metering_usage_rollup_scope_ix (billing_scope_id, meter, period_start)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
-- Rollup progress: every ledger id up to the watermark is folded, except the open gaps.
CREATE TABLE IF NOT EXISTS metering_rollup_state (
    name       VARCHAR(64) NOT NULL PRIMARY KEY,
    watermark  BIGINT      NOT NULL,
    updated_at DATETIME(6) NOT NULL
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
-- Ledger ids at or below the watermark not seen yet (uncommitted, or never to commit): rechecked every run.
CREATE TABLE IF NOT EXISTS metering_rollup_gap (
    name          VARCHAR(64) NOT NULL,
    gap_start     BIGINT      NOT NULL,
    gap_end       BIGINT      NOT NULL,
    first_seen_at DATETIME(6) NOT NULL,
    PRIMARY KEY (name, gap_start)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- Runtime quota definitions (a row wins over application.yml for the same plan/tenant, meter and window).
CREATE TABLE IF NOT EXISTS metering_plan (
    name        VARCHAR(64)  NOT NULL,
    description VARCHAR(512),
    created_at  DATETIME(6)    NOT NULL,
    updated_at  DATETIME(6)    NOT NULL,
    CONSTRAINT metering_plan_pk PRIMARY KEY (name)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
CREATE TABLE IF NOT EXISTS metering_plan_quota (
    plan           VARCHAR(64)    NOT NULL,
    meter          VARCHAR(128)   NOT NULL,
    quota_window   VARCHAR(8)     NOT NULL,
    quota_limit    DECIMAL(38, 9) NOT NULL,
    enforcement    VARCHAR(8)     NOT NULL,
    soft_threshold DOUBLE,
    updated_at     DATETIME(6)    NOT NULL,
    filter_key     VARCHAR(255)   DEFAULT '' NOT NULL,
    thresholds     VARCHAR(255),
    CONSTRAINT metering_plan_quota_pk PRIMARY KEY (plan, meter, filter_key, quota_window)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
-- Tenants: plan, exempt, parent, billing attribution, exempt descendants, time zone and billing anchor
-- day; NULL = as configured,
-- '' in parent_id / billing_attribution = none (a root / pays for itself) whatever the configuration says.
CREATE TABLE IF NOT EXISTS metering_tenant (
    tenant_id           VARCHAR(128) NOT NULL,
    parent_id           VARCHAR(128),
    billing_attribution VARCHAR(128),
    plan                VARCHAR(64),
    exempt              BOOLEAN,
    exempt_descendants  BOOLEAN,
    time_zone           VARCHAR(64),
    anchor_day          INTEGER,
    created_at          DATETIME(6)    NOT NULL,
    updated_at          DATETIME(6)    NOT NULL,
    CONSTRAINT metering_tenant_pk PRIMARY KEY (tenant_id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
-- A tenant's plan assignments with the instant each takes effect (issue 28): a billing period with a
-- change bills each part at its own plan; the latest one in effect is the tenant's plan.
CREATE TABLE IF NOT EXISTS metering_tenant_plan (
    tenant_id      VARCHAR(128) NOT NULL,
    effective_from DATETIME(6)  NOT NULL,
    plan           VARCHAR(64)  NOT NULL,
    created_at     DATETIME(6)  NOT NULL,
    CONSTRAINT metering_tenant_plan_pk PRIMARY KEY (tenant_id, effective_from)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
-- One row: tenant hierarchy changes lock it, so two concurrent changes are validated one after the other.
CREATE TABLE IF NOT EXISTS metering_tenant_hierarchy (
    name       VARCHAR(32) NOT NULL,
    version    BIGINT      NOT NULL,
    updated_at DATETIME(6) NOT NULL,
    CONSTRAINT metering_tenant_hierarchy_pk PRIMARY KEY (name)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
CREATE TABLE IF NOT EXISTS metering_tenant_quota (
    tenant_id      VARCHAR(128)   NOT NULL,
    meter          VARCHAR(128)   NOT NULL,
    quota_window   VARCHAR(8)     NOT NULL,
    quota_limit    DECIMAL(38, 9) NOT NULL,
    enforcement    VARCHAR(8)     NOT NULL,
    soft_threshold DOUBLE,
    updated_at     DATETIME(6)    NOT NULL,
    filter_key     VARCHAR(255)   DEFAULT '' NOT NULL,
    thresholds     VARCHAR(255),
    CONSTRAINT metering_tenant_quota_pk PRIMARY KEY (tenant_id, meter, filter_key, quota_window)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
-- Who changed which runtime definition when, old value -> new value (NULL = absent).
CREATE TABLE IF NOT EXISTS metering_quota_audit (
    id          BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    changed_at  DATETIME(6)    NOT NULL,
    actor       VARCHAR(256)  NOT NULL,
    action      VARCHAR(32)   NOT NULL,
    target      VARCHAR(512)  NOT NULL,
    old_value   VARCHAR(2000),
    new_value   VARCHAR(2000)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
-- IF NOT EXISTS keeps the script safe to run again (MariaDB; MySQL 8 lacks it for indexes).
-- Hourly usage per user (top users, billing): folded with the tenant rollups in the same transaction,
-- so it equals the ledger's rows with a user up to the same watermark.
CREATE TABLE IF NOT EXISTS metering_usage_user_rollup (
    tenant_id    VARCHAR(128)   NOT NULL,
    meter        VARCHAR(128)   NOT NULL,
    period_start DATETIME(6) NOT NULL,
    user_id      VARCHAR(256)   NOT NULL,
    quantity     DECIMAL(38, 9) NOT NULL,
    event_count  BIGINT         NOT NULL,
    updated_at   DATETIME(6) NOT NULL,
    PRIMARY KEY (tenant_id, meter, period_start, user_id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
-- Daily usage per user (top users over whole UTC days): folded from the same rows, in the same
-- statement or transaction as the hourly per-user rollups, so both equal the ledger up to one watermark.
CREATE TABLE IF NOT EXISTS metering_usage_user_day (
    tenant_id    VARCHAR(128)   NOT NULL,
    meter        VARCHAR(128)   NOT NULL,
    day_start    DATETIME(6) NOT NULL,
    user_id      VARCHAR(256)   NOT NULL,
    quantity     DECIMAL(38, 9) NOT NULL,
    event_count  BIGINT         NOT NULL,
    updated_at   DATETIME(6) NOT NULL,
    PRIMARY KEY (tenant_id, meter, day_start, user_id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
-- Finalized invoices: a closed period's report, stored once as rendered (JSON and CSV) with the plan,
-- currency and subtotal it had; never updated. One per billing scope and period (the unique key), numbered
-- from metering_invoice_sequence in the transaction that inserts it, so numbers have no gaps per issuer.
CREATE TABLE IF NOT EXISTS metering_invoice (
    invoice_number   VARCHAR(64)    NOT NULL,
    issuer           VARCHAR(64)    NOT NULL,
    sequence_number  BIGINT         NOT NULL,
    billing_scope_id VARCHAR(128)   NOT NULL,
    period_start     DATETIME(6) NOT NULL,
    period_end       DATETIME(6) NOT NULL,
    plan             VARCHAR(128)   NOT NULL,
    currency         VARCHAR(3)     NOT NULL,
    subtotal         DECIMAL(38, 9) NOT NULL,
    finalized_at     DATETIME(6) NOT NULL,
    body_json        MEDIUMTEXT NOT NULL,
    body_csv         MEDIUMTEXT NOT NULL,
    PRIMARY KEY (invoice_number),
    UNIQUE KEY metering_invoice_period_uk (billing_scope_id, period_start, period_end)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
-- The last invoice number of each issuer (metering.billing.invoices.issuer): locked by the closing transaction.
CREATE TABLE IF NOT EXISTS metering_invoice_sequence (
    issuer       VARCHAR(64)    NOT NULL,
    last_number  BIGINT         NOT NULL,
    PRIMARY KEY (issuer)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
-- Hard-quota budgets: how much of a (scope, meter, window) limit has been handed out to instances.
-- Invariant: granted = ledger usage of the window + the unused part of every lease, as of the last
-- reconciliation; a grant only ever raises granted while granted + chunk <= limit.
CREATE TABLE IF NOT EXISTS metering_quota_allocation (
    scope_id     VARCHAR(128)   NOT NULL,
    meter        VARCHAR(128)   NOT NULL,
    window_kind  VARCHAR(8)     NOT NULL,
    window_start BIGINT         NOT NULL,
    granted      DECIMAL(38, 9) NOT NULL,
    version      BIGINT         NOT NULL,
    PRIMARY KEY (scope_id, meter, window_kind, window_start)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
-- One instance's share of an allocation: amount granted to it in total, the part of it the instance
-- reported as committed to the ledger, and when the lease lapses unless renewed (epoch millis).
CREATE TABLE IF NOT EXISTS metering_quota_lease (
    scope_id     VARCHAR(128)   NOT NULL,
    meter        VARCHAR(128)   NOT NULL,
    window_kind  VARCHAR(8)     NOT NULL,
    window_start BIGINT         NOT NULL,
    instance_id  VARCHAR(64)    NOT NULL,
    amount       DECIMAL(38, 9) NOT NULL,
    committed    DECIMAL(38, 9) NOT NULL,
    expires_at   BIGINT         NOT NULL,
    PRIMARY KEY (scope_id, meter, window_kind, window_start, instance_id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
-- Cold shares (metering.quota.lease.cold-shares): a fixed number of positions, each held by at most one
-- live instance (owner, epoch). A window's allocation row, once created, reserves every position's share
-- of the limit as a lease row named '#<position>'; the holder admits from it before the row exists.
-- fenced_before: epoch millis; no holder may admit from a share of a window that started before it (set
-- when a position is claimed from an instance that did not release it cleanly).
CREATE TABLE IF NOT EXISTS metering_quota_position (
    position_no      INT            NOT NULL,
    owner_id         VARCHAR(64),
    epoch            BIGINT         NOT NULL,
    claimed_at       BIGINT         NOT NULL,
    heartbeat_at     BIGINT         NOT NULL,
    released_cleanly SMALLINT       NOT NULL,
    fenced_before    BIGINT         NOT NULL,
    PRIMARY KEY (position_no)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
-- Meters with a definition (metering.meters), folded with the rollups in the same transaction from the
-- same ledger rows. Hourly rows per group: what every aggregation needs (sum, count, min, max, and the
-- latest value with its occurred_at and event id, the tie-break). group_key is '' for an ungrouped
-- meter, else a hash of group_values (the group's values as a JSON object).
CREATE TABLE IF NOT EXISTS metering_meter_rollup (
    tenant_id        VARCHAR(128)   NOT NULL,
    meter            VARCHAR(128)   NOT NULL,
    billing_scope_id VARCHAR(128)   NOT NULL,
    period_start     DATETIME(6) NOT NULL,
    group_key        VARCHAR(32)    NOT NULL,
    group_values     VARCHAR(4000),
    quantity         DECIMAL(38, 9) NOT NULL,
    event_count      BIGINT         NOT NULL,
    min_value        DECIMAL(38, 9) NOT NULL,
    max_value        DECIMAL(38, 9) NOT NULL,
    latest_value     DECIMAL(38, 9) NOT NULL,
    latest_at        DATETIME(6) NOT NULL,
    latest_event_id  VARCHAR(36)    NOT NULL,
    updated_at       DATETIME(6) NOT NULL,
    PRIMARY KEY (tenant_id, meter, billing_scope_id, period_start, group_key),
    KEY metering_meter_rollup_scope_ix (billing_scope_id, meter, period_start)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
-- The groups each tenant's meter has in each UTC month, at most its max-groups: the fold counts a
-- further group under the overflow group ('__other__').
CREATE TABLE IF NOT EXISTS metering_meter_group (
    tenant_id        VARCHAR(128)   NOT NULL,
    meter            VARCHAR(128)   NOT NULL,
    period_start     DATETIME(6) NOT NULL,
    group_key        VARCHAR(32)    NOT NULL,
    group_values     VARCHAR(4000),
    PRIMARY KEY (tenant_id, meter, period_start, group_key)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
-- The distinct values of each unique-count meter per tenant, billing scope, UTC month and group, with the
-- earliest occurred_at of each: a month's unique count (or one up to any instant of it) is a count here.
CREATE TABLE IF NOT EXISTS metering_meter_distinct (
    tenant_id        VARCHAR(128)   NOT NULL,
    meter            VARCHAR(128)   NOT NULL,
    billing_scope_id VARCHAR(128)   NOT NULL,
    period_start     DATETIME(6) NOT NULL,
    group_key        VARCHAR(32)    NOT NULL,
    distinct_value   VARCHAR(256)   NOT NULL,
    first_seen       DATETIME(6) NOT NULL,
    PRIMARY KEY (tenant_id, meter, billing_scope_id, period_start, group_key, distinct_value),
    KEY metering_meter_distinct_scope_ix (billing_scope_id, meter, period_start)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- Quotas admitted per event in the database (unique-count quotas, and quotas filtered on a dimension):
-- one row per (scope, meter, filter, window) whose 'used' a check raises under a row lock, in the
-- same transaction as it inserts a distinct value. Invariant: used = the number of distinct values
-- of the row (unique-count) or the sum of the quantities admitted (filtered sum/count), never
-- above the limit of a hard quota.
CREATE TABLE IF NOT EXISTS metering_quota_admission (
    id           BIGINT         NOT NULL AUTO_INCREMENT PRIMARY KEY,
    scope_id     VARCHAR(128)   NOT NULL,
    meter        VARCHAR(128)   NOT NULL,
    filter_key   VARCHAR(255)   NOT NULL,
    window_kind  VARCHAR(8)     NOT NULL,
    window_start BIGINT         NOT NULL,
    used         DECIMAL(38, 9) NOT NULL,
    UNIQUE KEY metering_quota_admission_uk (scope_id, meter, filter_key, window_kind, window_start)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
-- The distinct values a unique-count quota's window has admitted, under their admission row.
CREATE TABLE IF NOT EXISTS metering_quota_distinct (
    admission_id BIGINT         NOT NULL,
    distinct_value VARCHAR(256) NOT NULL,
    PRIMARY KEY (admission_id, distinct_value)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
-- Notifications and their webhook deliveries. Per event one row with endpoint_id '-' (state 'event'):
-- its unique key (type, scope, meter, window, threshold) lets one instance only emit a crossing; the
-- same transaction adds one 'pending' row per subscribed endpoint, which any instance's sender
-- claims (claimed_until, epoch millis), posts and marks 'delivered', or 'failed' after the retry span.
-- seq orders each endpoint's deliveries. Times are epoch millis.
CREATE TABLE IF NOT EXISTS metering_webhook_outbox (
    seq            BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    message_id     VARCHAR(64)   NOT NULL,
    event_key      VARCHAR(512)  NOT NULL,
    endpoint_id    VARCHAR(64)   NOT NULL,
    endpoint_url   VARCHAR(2000) NOT NULL,
    event_type     VARCHAR(64)   NOT NULL,
    body           TEXT        NOT NULL,
    state          VARCHAR(16)   NOT NULL,
    created_at     BIGINT        NOT NULL,
    next_attempt_at BIGINT       NOT NULL,
    attempts       INT           NOT NULL,
    claimed_until  BIGINT        NOT NULL,
    claimed_by     VARCHAR(64),
    done_at        BIGINT,
    last_status    INT,
    last_error     VARCHAR(500),
    CONSTRAINT metering_webhook_outbox_key UNIQUE (event_key, endpoint_id),
    KEY metering_webhook_outbox_due (state, endpoint_id, seq)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
-- Runtime feature values: a plan's (scope_kind 'plan') or a tenant's own ('tenant'); a row wins over
-- metering.plans.<plan>.features and metering.tenants.<tenant>.features. updated_at is epoch millis.
CREATE TABLE IF NOT EXISTS metering_feature (
    scope_kind    VARCHAR(8)    NOT NULL,
    scope_id      VARCHAR(128)  NOT NULL,
    feature       VARCHAR(64)   NOT NULL,
    feature_value VARCHAR(256)  NOT NULL,
    updated_at    BIGINT        NOT NULL,
    CONSTRAINT metering_feature_pk PRIMARY KEY (scope_kind, scope_id, feature)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- Meter definitions of the admin API: a row wins over metering.meters of the same meter name.
-- group_by is a JSON object (dimension name -> JSON Pointer), '' for none.
CREATE TABLE IF NOT EXISTS metering_meter_definition (
    meter        VARCHAR(128)  NOT NULL PRIMARY KEY,
    aggregation  VARCHAR(16)   NOT NULL,
    event_type   VARCHAR(256)  NOT NULL,
    value_pointer VARCHAR(512),
    group_by     VARCHAR(4000) NOT NULL,
    unit         VARCHAR(64),
    description  VARCHAR(512),
    max_groups   INTEGER       NOT NULL,
    updated_at   DATETIME(6) NOT NULL
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- Grants (prepaid credits): an amount of a meter's units a tenant may use from effective_at until
-- expires_at or voided_at (epoch millis; NULL: no end), burned down in priority (lowest first) then
-- expiry order. Rows are never deleted: a voided grant keeps its row. A money grant has a currency,
-- meter '*' and the meters whose charges it pays in meters (comma-separated, '' for every meter).
CREATE TABLE IF NOT EXISTS metering_grant (
    grant_id     VARCHAR(36)    NOT NULL PRIMARY KEY,
    tenant_id    VARCHAR(128)   NOT NULL,
    meter        VARCHAR(128)   NOT NULL,
    amount       DECIMAL(38, 9) NOT NULL,
    priority     INT            NOT NULL,
    effective_at BIGINT         NOT NULL,
    expires_at   BIGINT,
    voided_at    BIGINT,
    created_at   BIGINT         NOT NULL,
    created_by   VARCHAR(256)   NOT NULL,
    description  VARCHAR(512),
    recurrence     VARCHAR(8),
    rollover_max   DECIMAL(38, 9),
    carried        DECIMAL(38, 9) DEFAULT 0 NOT NULL,
    renewed_at     BIGINT,
    rolled_over_at BIGINT,
    currency       VARCHAR(3),
    meters         VARCHAR(2000),
    KEY metering_grant_tenant (tenant_id, meter)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- Webhook endpoints registered through the admin API (beside metering.webhooks.endpoints): endpoint_id is
-- the hash of the URL the outbox keys deliveries by; events is a comma-separated list, '' for all.
CREATE TABLE IF NOT EXISTS metering_webhook_endpoint (
    endpoint_id  VARCHAR(32)    NOT NULL PRIMARY KEY,
    url          VARCHAR(2000)  NOT NULL,
    secret       VARCHAR(256)   NOT NULL,
    events       VARCHAR(1000)  NOT NULL,
    updated_at   BIGINT         NOT NULL
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
