-- Where every cluster stands: what the distributor last published for it (desired) beside what
-- its agent last reported (applied), and each proxy the agent serves. A cluster that goes quiet
-- keeps its rows: it is shown stale with its last-seen time, never deleted for being quiet.

-- Written by the outbox relay in the transaction that marks the outbox rows published.
CREATE TABLE published_configs (
    tenant_id     uuid        NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    cluster       text        NOT NULL,
    revision      bigint      NOT NULL,
    -- SHA-256 of the config's deterministic bytes, as in its envelope.
    config_sha256 bytea       NOT NULL CONSTRAINT published_configs_sha256_length CHECK (length(config_sha256) = 32),
    -- When this revision was first published; a repeated publish of it keeps the first time.
    published_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, cluster)
);

-- The newest report of each cluster's agent, by (reported_at, heartbeat_sequence).
CREATE TABLE cluster_status (
    tenant_id          uuid        NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    cluster            text        NOT NULL,
    -- -1 before the agent applied any config.
    applied_revision   bigint      NOT NULL,
    -- NULL before the agent applied any config.
    config_sha256      bytea,
    applied_at         timestamptz,
    xds_version        text        NOT NULL DEFAULT '',
    last_refusal       text,
    heartbeat_sequence bigint      NOT NULL,
    -- The agent's clock: orders its reports.
    reported_at        timestamptz NOT NULL,
    -- The database's clock when the report was stored: what staleness is judged by.
    received_at        timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, cluster)
);

-- The proxies of a cluster's newest report; replaced whole with every report.
CREATE TABLE proxy_status (
    tenant_id     uuid        NOT NULL,
    cluster       text        NOT NULL,
    node_id       text        NOT NULL,
    state         text        NOT NULL CONSTRAINT proxy_status_state CHECK (state IN ('SYNCED', 'STALE', 'NACKED')),
    -- The first NACK's error; NULL unless NACKED.
    error         text,
    -- Per resource type: [{"typeUrl", "ackedVersion", "sentVersion", "nackedVersion", "error"}].
    types         jsonb       NOT NULL DEFAULT '[]'::jsonb,
    connected_at  timestamptz,
    PRIMARY KEY (tenant_id, cluster, node_id),
    FOREIGN KEY (tenant_id, cluster) REFERENCES cluster_status (tenant_id, cluster) ON DELETE CASCADE
);
