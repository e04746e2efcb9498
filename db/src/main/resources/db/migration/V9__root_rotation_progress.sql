-- Where each root rotation stands with each registered cluster of its tenant. The rule for which
-- clusters a stage waits for lives here once, read by the distributor (which moves a rotation on
-- when none is waited for) and by control-api (which shows them):
--   a cluster whose agent never reported holds no identity and is never waited for;
--   in stages bundle, reissue and retire, a reporting cluster is waited for until it has applied
--   the stage's revision;
--   in stage reissue, a reporting cluster whose agent holds an intermediate is also waited for
--   until it reports every SVID it wrote under the new root.
CREATE VIEW root_rotation_progress AS
SELECT r.id                                                     AS rotation_id,
       c.tenant_id,
       c.name                                                   AS cluster,
       s.cluster IS NOT NULL                                    AS reporting,
       s.applied_revision,
       s.svid_root_sha256,
       s.intermediate_not_after,
       s.received_at,
       COALESCE(r.stage IN ('bundle', 'reissue', 'retire') AND r.stage_revision IS NOT NULL
                AND (s.applied_revision < r.stage_revision
                     OR (r.stage = 'reissue' AND s.intermediate_not_after IS NOT NULL
                         AND s.svid_root_sha256 IS DISTINCT FROM r.new_root_sha256)),
                false)                                          AS waited_for
FROM root_rotations r
JOIN clusters c ON c.tenant_id = r.tenant_id
LEFT JOIN cluster_status s ON s.tenant_id = c.tenant_id AND s.cluster = c.name;
