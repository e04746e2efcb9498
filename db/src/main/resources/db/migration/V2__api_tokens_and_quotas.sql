-- Tenant-scoped API tokens, and per-tenant quota overrides.

-- A token's secret is shown once, when it is minted; only its SHA-256 is kept. A token is valid
-- while it is neither revoked nor past expires_at, checked on every request.
CREATE TABLE api_tokens (
    id            uuid        PRIMARY KEY,
    tenant_id     uuid        NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    name          text        NOT NULL
                              CONSTRAINT api_tokens_name_format CHECK (name ~ '^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$'),
    role          text        NOT NULL CONSTRAINT api_tokens_role CHECK (role IN ('owner', 'admin', 'editor', 'viewer')),
    secret_sha256 bytea       NOT NULL UNIQUE CONSTRAINT api_tokens_secret_sha256_length CHECK (length(secret_sha256) = 32),
    created_by    text        NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    -- NULL: the token never expires.
    expires_at    timestamptz,
    revoked_at    timestamptz,
    -- Refreshed at most about once a minute, so that authenticating is not a write per request.
    last_used_at  timestamptz
);

CREATE INDEX api_tokens_tenant ON api_tokens (tenant_id, created_at);

-- NULL: the configured default (fedmesh.api.quotas.max-policies / max-clusters) applies.
ALTER TABLE tenants
    ADD COLUMN max_policies integer CONSTRAINT tenants_max_policies_non_negative CHECK (max_policies >= 0),
    ADD COLUMN max_clusters integer CONSTRAINT tenants_max_clusters_non_negative CHECK (max_clusters >= 0);
