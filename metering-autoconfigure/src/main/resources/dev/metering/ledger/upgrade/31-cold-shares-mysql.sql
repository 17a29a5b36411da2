-- Adds the positions of cold shares (issue 31, metering.quota.lease.cold-shares). Safe to run again.
-- Tables keep the 'metering_' prefix: replace it with your metering.jdbc.table-prefix if you set one.
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
