-- Intermediate CA certificates issued to clusters' agents, one per public key. Issuing holds a
-- transaction-scoped advisory lock on the key and the primary key forbids a second row, so a
-- retry, a restart or a second control-plane instance gets the first certificate back and the CA
-- is never asked to sign the same key twice.
CREATE TABLE intermediates (
    -- SHA-256 of the DER SubjectPublicKeyInfo of the agent's intermediate key.
    public_key_sha256 bytea       PRIMARY KEY
                                  CONSTRAINT intermediates_sha256_length CHECK (length(public_key_sha256) = 32),
    tenant_id         uuid        NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    cluster           text        NOT NULL,
    trust_domain      text        NOT NULL,
    -- The intermediate's certificate first, then its issuers as the CA returned them (PEM).
    chain_pem         text        NOT NULL,
    not_after         timestamptz NOT NULL,
    issued_at         timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX intermediates_tenant_cluster ON intermediates (tenant_id, cluster, not_after);

-- A refused intermediate request is audited too: who asked, and why nothing was issued.
ALTER TABLE audit_log DROP CONSTRAINT audit_log_action;
ALTER TABLE audit_log ADD CONSTRAINT audit_log_action CHECK (action IN ('create', 'update', 'delete', 'refuse'));
