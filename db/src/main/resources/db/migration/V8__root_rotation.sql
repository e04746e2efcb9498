-- Root rotation: which roots are in a trust domain's bundle, which one signs new intermediates,
-- what each cluster reports it holds, and the rotations started through the API.

-- A root is in the bundle every cluster receives until retired_at is set. The root that signs new
-- intermediates is the unretired one with the latest signing_since.
ALTER TABLE trust_roots
    ADD COLUMN signing_since timestamptz,
    ADD COLUMN retired_at    timestamptz;

-- The roots recorded before this migration: the first one recorded of each trust domain signs.
UPDATE trust_roots r SET signing_since = r.first_seen
WHERE r.first_seen = (SELECT min(o.first_seen) FROM trust_roots o WHERE o.trust_domain = r.trust_domain);

-- The root an intermediate chains to; NULL for intermediates issued before this migration.
ALTER TABLE intermediates
    ADD COLUMN root_sha256 bytea CONSTRAINT intermediates_root_sha256_length CHECK (length(root_sha256) = 32);

-- What the agent reports of its identity (ClusterStatus fields 12 and 13); NULL while it holds none.
ALTER TABLE cluster_status
    ADD COLUMN intermediate_not_after timestamptz,
    ADD COLUMN svid_root_sha256       bytea CONSTRAINT cluster_status_svid_root_length CHECK (length(svid_root_sha256) = 32);

-- A root rotation of one tenant's trust domain, moved through its stages by the distributor:
--   requested -> bundle   (the new root made by the CA and added to every cluster's bundle)
--             -> reissue  (new intermediates signed under the new root; agents re-issue their SVIDs)
--             -> retire   (the old root dropped from every bundle)
--             -> done
-- Each stage's change is carried by stage_revision; the next stage starts once every cluster that
-- reports has applied it (and, for reissue, reports the new root as its SVIDs' root), and the
-- settle time has passed since. failed: the CA could not make the new root; error says why.
CREATE TABLE root_rotations (
    id              uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id       uuid        NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    stage           text        NOT NULL DEFAULT 'requested'
                                CONSTRAINT root_rotations_stage CHECK (stage IN ('requested', 'bundle', 'reissue', 'retire', 'done', 'failed')),
    old_root_sha256 bytea       CONSTRAINT root_rotations_old_length CHECK (length(old_root_sha256) = 32),
    new_root_sha256 bytea       CONSTRAINT root_rotations_new_length CHECK (length(new_root_sha256) = 32),
    -- The tenant revision that carries the current stage's change; NULL while requested.
    stage_revision  bigint,
    stage_since     timestamptz NOT NULL DEFAULT now(),
    -- When every reporting cluster was first seen to have the current stage applied.
    stage_reported  timestamptz,
    requested_by    text        NOT NULL,
    requested_at    timestamptz NOT NULL DEFAULT now(),
    finished_at     timestamptz,
    error           text
);

-- At most one unfinished rotation per tenant.
CREATE UNIQUE INDEX root_rotations_one_open ON root_rotations (tenant_id) WHERE stage NOT IN ('done', 'failed');
