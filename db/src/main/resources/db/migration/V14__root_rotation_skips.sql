-- Clusters an owner told a root rotation not to wait for (a cluster that is down must not hold a
-- rotation forever). A skipped cluster is never waited for by that rotation; it still gets every
-- config the rotation's stages produce, and catches up when its agent returns.
CREATE TABLE root_rotation_skips (
    rotation_id uuid        NOT NULL REFERENCES root_rotations (id) ON DELETE CASCADE,
    tenant_id   uuid        NOT NULL,
    cluster     text        NOT NULL,
    skipped_by  text        NOT NULL,
    skipped_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (rotation_id, cluster),
    CONSTRAINT root_rotation_skips_cluster FOREIGN KEY (tenant_id, cluster)
        REFERENCES clusters (tenant_id, name) ON DELETE CASCADE
);

-- The same rule as V9, with one more: a cluster skipped by the rotation is never waited for.
CREATE OR REPLACE VIEW root_rotation_progress AS
SELECT r.id                                                     AS rotation_id,
       c.tenant_id,
       c.name                                                   AS cluster,
       s.cluster IS NOT NULL                                    AS reporting,
       s.applied_revision,
       s.svid_root_sha256,
       s.intermediate_not_after,
       s.received_at,
       COALESCE(k.cluster IS NULL
                AND r.stage IN ('bundle', 'reissue', 'retire') AND r.stage_revision IS NOT NULL
                AND (s.applied_revision < r.stage_revision
                     OR (r.stage = 'reissue' AND s.intermediate_not_after IS NOT NULL
                         AND s.svid_root_sha256 IS DISTINCT FROM r.new_root_sha256)),
                false)                                          AS waited_for,
       k.cluster IS NOT NULL                                    AS skipped
FROM root_rotations r
JOIN clusters c ON c.tenant_id = r.tenant_id
LEFT JOIN cluster_status s ON s.tenant_id = c.tenant_id AND s.cluster = c.name
LEFT JOIN root_rotation_skips k ON k.rotation_id = r.id AND k.cluster = c.name;
