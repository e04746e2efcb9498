-- A cluster's agent proves who it is with a one-time bootstrap credential, shown once when the
-- cluster is registered (or the credential re-issued). Only its SHA-256 is kept.
ALTER TABLE clusters
    ADD COLUMN bootstrap_secret_sha256 bytea,
    ADD COLUMN bootstrap_issued_at     timestamptz,
    ADD COLUMN bootstrap_used_at       timestamptz;

CREATE UNIQUE INDEX clusters_bootstrap_secret ON clusters (bootstrap_secret_sha256)
    WHERE bootstrap_secret_sha256 IS NOT NULL;
