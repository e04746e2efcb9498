-- A tenant whose configs cannot be published (a config too large for Kafka, its CA failing, a
-- state that does not compile, its topic refusing) is parked by the outbox relay with its own
-- back-off, so that every other tenant is still published on time. One row per parked tenant,
-- written by the relay under the tenant's publishing lock and deleted by the next publish of the
-- tenant that succeeds; control-api shows it in the tenant's status, so the tenant sees that its
-- clusters are not getting its changes, and why.
CREATE TABLE tenant_publish_failures (
    tenant_id          uuid        PRIMARY KEY REFERENCES tenants (id) ON DELETE CASCADE,
    -- The first failed attempt since the tenant was last published.
    failing_since      timestamptz NOT NULL,
    attempts           integer     NOT NULL CONSTRAINT tenant_publish_failures_attempts CHECK (attempts >= 1),
    -- config_too_large, ca_failed and compile_failed are the tenant's own; kafka_failed is Kafka
    -- refusing or not answering for this tenant, retried soon (see docs/resilience.md).
    error_code         text        NOT NULL
                                   CONSTRAINT tenant_publish_failures_code
                                   CHECK (error_code IN ('config_too_large', 'ca_failed', 'compile_failed', 'kafka_failed')),
    -- The last attempt's reason, as the tenant may read it: bounded, and never holding a secret.
    last_error         text        NOT NULL CONSTRAINT tenant_publish_failures_error_length CHECK (length(last_error) <= 1000),
    last_attempt_at    timestamptz NOT NULL,
    -- When the relay tries again, whatever happens meanwhile.
    next_attempt_at    timestamptz NOT NULL,
    -- A change of the tenant committed after the last attempt (an outbox row with an id above
    -- last_outbox_id) is tried from this time on, which may be before next_attempt_at.
    retry_on_change_at timestamptz NOT NULL,
    last_outbox_id     bigint      NOT NULL
);
