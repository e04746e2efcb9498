-- Federation: where a cluster on another network is reached, and what every cluster runs.

-- host:port of the cluster's east-west gateway: callers on other networks reach its services there
-- (the service named in the TLS SNI). NULL when it has none.
ALTER TABLE clusters
    ADD COLUMN east_west_gateway text
        CONSTRAINT clusters_east_west_gateway_length CHECK (length(east_west_gateway) <= 261);

-- The newest inventory each cluster's agent reported and the distributor authenticated: the
-- services it runs and their endpoints with health. Replaced whole with every report, ordered by
-- the broker's append time then offset, like cluster_status. The failover preview reads it; the
-- agents get it from the tenant's inventory topic, never from here.
CREATE TABLE cluster_inventories (
    tenant_id        uuid        NOT NULL,
    cluster          text        NOT NULL,
    -- A serialized fedmesh.v1.ClusterInventory, exactly as the agent sent it.
    inventory        bytea       NOT NULL,
    -- The agent's own count of its changes (informative: it starts again when the agent restarts).
    generation       bigint      NOT NULL,
    services         integer     NOT NULL CONSTRAINT cluster_inventories_services CHECK (services >= 0),
    endpoints        integer     NOT NULL CONSTRAINT cluster_inventories_endpoints CHECK (endpoints >= 0),
    healthy          integer     NOT NULL CONSTRAINT cluster_inventories_healthy CHECK (healthy >= 0 AND healthy <= endpoints),
    -- The broker's append time and offset of the record: what orders a cluster's inventories.
    broker_time      timestamptz NOT NULL,
    status_offset    bigint      NOT NULL,
    received_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, cluster),
    CONSTRAINT cluster_inventories_cluster FOREIGN KEY (tenant_id, cluster)
        REFERENCES clusters (tenant_id, name) ON DELETE CASCADE
);
