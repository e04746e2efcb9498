-- The first schema: tenants with their revision counter, and everything a tenant owns.
-- Every tenant-owned row carries tenant_id and every query is scoped by it.

CREATE TABLE tenants (
    id          uuid        PRIMARY KEY,
    name        text        NOT NULL UNIQUE
                            CONSTRAINT tenants_name_format CHECK (name ~ '^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$'),
    -- Bumped by one in the same transaction as every write to the tenant's resources.
    revision    bigint      NOT NULL DEFAULT 0 CONSTRAINT tenants_revision_non_negative CHECK (revision >= 0),
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE clusters (
    tenant_id        uuid        NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    name             text        NOT NULL
                                 CONSTRAINT clusters_name_format CHECK (name ~ '^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$'),
    region           text,
    zone             text,
    network          text,
    labels           jsonb       NOT NULL DEFAULT '{}'::jsonb,
    -- The tenant revision of the write that last changed this row.
    resource_version bigint      NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, name)
);

CREATE TABLE services (
    tenant_id        uuid        NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    name             text        NOT NULL
                                 CONSTRAINT services_name_format CHECK (name ~ '^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$'),
    labels           jsonb       NOT NULL DEFAULT '{}'::jsonb,
    resource_version bigint      NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, name)
);

CREATE TABLE policies (
    tenant_id        uuid        NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    name             text        NOT NULL
                                 CONSTRAINT policies_name_format CHECK (name ~ '^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$'),
    kind             text        NOT NULL,
    labels           jsonb       NOT NULL DEFAULT '{}'::jsonb,
    target           jsonb       NOT NULL,
    from_sources     jsonb       NOT NULL DEFAULT '[]'::jsonb,
    spec             jsonb       NOT NULL,
    resource_version bigint      NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, name)
);

CREATE INDEX policies_tenant_kind ON policies (tenant_id, kind);

-- One row per committed tenant change; the distributor publishes it and marks it published.
CREATE TABLE outbox (
    id           bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id    uuid        NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    revision     bigint      NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    published_at timestamptz
);

CREATE INDEX outbox_unpublished ON outbox (id) WHERE published_at IS NULL;

-- Wakes the distributor at commit time; polling covers a missed notification.
CREATE FUNCTION outbox_notify() RETURNS trigger
    LANGUAGE plpgsql AS
$$
BEGIN
    PERFORM pg_notify('fedmesh_outbox', NEW.tenant_id::text);
    RETURN NEW;
END;
$$;

CREATE TRIGGER outbox_notify_on_insert
    AFTER INSERT ON outbox
    FOR EACH ROW EXECUTE FUNCTION outbox_notify();

CREATE TABLE audit_log (
    id            bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id     uuid        NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    revision      bigint      NOT NULL,
    actor         text        NOT NULL,
    action        text        NOT NULL CONSTRAINT audit_log_action CHECK (action IN ('create', 'update', 'delete')),
    resource_kind text        NOT NULL,
    resource_name text        NOT NULL,
    before        jsonb,
    after         jsonb,
    at            timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX audit_log_tenant_at ON audit_log (tenant_id, at);
