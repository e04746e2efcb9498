-- A cluster speaks only for itself, and what it said goes with it.
--
-- Every agent report is authenticated by its cluster's bootstrap credential (an HMAC in the
-- record's header), so a report exists only for a registered cluster: deleting the cluster deletes
-- its status, its published configs and its intermediates (no renewal, no re-issue under a new
-- root). Re-issuing the credential deletes its status and intermediates in the same transaction.
DELETE FROM cluster_status s
WHERE NOT EXISTS (SELECT 1 FROM clusters c WHERE c.tenant_id = s.tenant_id AND c.name = s.cluster);
DELETE FROM published_configs p
WHERE NOT EXISTS (SELECT 1 FROM clusters c WHERE c.tenant_id = p.tenant_id AND c.name = p.cluster);
DELETE FROM intermediates i
WHERE NOT EXISTS (SELECT 1 FROM clusters c WHERE c.tenant_id = i.tenant_id AND c.name = i.cluster);

ALTER TABLE cluster_status
    ADD CONSTRAINT cluster_status_cluster FOREIGN KEY (tenant_id, cluster)
        REFERENCES clusters (tenant_id, name) ON DELETE CASCADE;
ALTER TABLE published_configs
    ADD CONSTRAINT published_configs_cluster FOREIGN KEY (tenant_id, cluster)
        REFERENCES clusters (tenant_id, name) ON DELETE CASCADE;
ALTER TABLE intermediates
    ADD CONSTRAINT intermediates_cluster FOREIGN KEY (tenant_id, cluster)
        REFERENCES clusters (tenant_id, name) ON DELETE CASCADE;

-- Reports are ordered by the broker, never by the agent's clock: the time the broker appended the
-- record (LogAppendTime on the status topic; the distributor's clock on reading it where the topic
-- still keeps the producer's time), then its offset. reported_at stays, for display only.
ALTER TABLE cluster_status
    ADD COLUMN broker_time   timestamptz NOT NULL DEFAULT now(),
    ADD COLUMN status_offset bigint      NOT NULL DEFAULT -1;

-- The agent lists at most a bounded number of proxies per report (the ones needing attention
-- first) and counts them all.
ALTER TABLE cluster_status
    ADD COLUMN proxies_total  integer NOT NULL DEFAULT 0 CONSTRAINT cluster_status_proxies_total CHECK (proxies_total >= 0),
    ADD COLUMN proxies_synced integer NOT NULL DEFAULT 0 CONSTRAINT cluster_status_proxies_synced CHECK (proxies_synced >= 0),
    ADD COLUMN proxies_stale  integer NOT NULL DEFAULT 0 CONSTRAINT cluster_status_proxies_stale CHECK (proxies_stale >= 0),
    ADD COLUMN proxies_nacked integer NOT NULL DEFAULT 0 CONSTRAINT cluster_status_proxies_nacked CHECK (proxies_nacked >= 0);
UPDATE cluster_status s SET
    proxies_total  = (SELECT count(*) FROM proxy_status p WHERE p.tenant_id = s.tenant_id AND p.cluster = s.cluster),
    proxies_synced = (SELECT count(*) FROM proxy_status p WHERE p.tenant_id = s.tenant_id AND p.cluster = s.cluster AND p.state = 'SYNCED'),
    proxies_stale  = (SELECT count(*) FROM proxy_status p WHERE p.tenant_id = s.tenant_id AND p.cluster = s.cluster AND p.state = 'STALE'),
    proxies_nacked = (SELECT count(*) FROM proxy_status p WHERE p.tenant_id = s.tenant_id AND p.cluster = s.cluster AND p.state = 'NACKED');

-- The newest verified config the agent could not apply, and why (ClusterStatus.apply_failure);
-- NULL while the agent applies what it receives.
ALTER TABLE cluster_status
    ADD COLUMN apply_failure_revision bigint,
    ADD COLUMN apply_failure_error    text,
    ADD COLUMN apply_failure_at       timestamptz,
    ADD COLUMN apply_failure_attempts integer;

-- Status records the distributor could not take, per cluster and reason, for the operator: one row
-- each, counting occurrences, so an agent repeating the same bad record every heartbeat cannot
-- grow the table. Only records keyed by a registered cluster of the topic's tenant are kept; the
-- rest are dropped (logged).
--   unauthenticated: the record's HMAC is missing or is not the cluster's (an agent writing as
--                    another cluster, or one still using a credential that was re-issued);
--   unparseable:     authenticated, but not a ClusterStatus this distributor can read;
--   unstorable:      authenticated and read, but the database refused it.
CREATE TABLE status_dead_letters (
    tenant_id     uuid        NOT NULL,
    cluster       text        NOT NULL,
    reason        text        NOT NULL
                              CONSTRAINT status_dead_letters_reason CHECK (reason IN ('unauthenticated', 'unparseable', 'unstorable')),
    occurrences   bigint      NOT NULL DEFAULT 1 CONSTRAINT status_dead_letters_occurrences CHECK (occurrences >= 1),
    -- Where the newest such record is: enough to read it again from Kafka.
    topic         text        NOT NULL,
    partition     integer     NOT NULL,
    record_offset bigint      NOT NULL,
    record_bytes  integer     NOT NULL,
    detail        text        NOT NULL,
    first_at      timestamptz NOT NULL DEFAULT now(),
    last_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, cluster, reason),
    FOREIGN KEY (tenant_id, cluster) REFERENCES clusters (tenant_id, name) ON DELETE CASCADE
);

-- A tenant deleted takes its trust domain's roots out of every bundle: a tenant created later with
-- that trust domain (by name or by choice) gets a new root, so nothing the old tenant's clusters
-- were issued chains to anything the new one trusts.
CREATE FUNCTION tenants_retire_roots() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE trust_roots SET retired_at = now() WHERE trust_domain = OLD.trust_domain AND retired_at IS NULL;
    RETURN OLD;
END;
$$;

CREATE TRIGGER tenants_retire_roots AFTER DELETE ON tenants
    FOR EACH ROW EXECUTE FUNCTION tenants_retire_roots();
