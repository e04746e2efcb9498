-- The roots each trust domain's CA presented, recorded by the distributor when it first loads a
-- trust domain's roots, so that control-api (which never talks to the CA) can show their expiry.
-- A root stays recorded after a rotation retires it; first_seen says when it was first presented.
CREATE TABLE trust_roots (
    trust_domain text        NOT NULL,
    -- SHA-256 of the root certificate's DER: its fingerprint.
    sha256       bytea       NOT NULL CONSTRAINT trust_roots_sha256_length CHECK (length(sha256) = 32),
    pem          text        NOT NULL,
    not_before   timestamptz NOT NULL,
    not_after    timestamptz NOT NULL,
    first_seen   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (trust_domain, sha256)
);
