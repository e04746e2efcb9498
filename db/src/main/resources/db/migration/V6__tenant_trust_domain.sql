-- Each tenant's SPIFFE trust domain: the name in every workload identity of the tenant and the
-- name its intermediates are constrained to. Chosen when the tenant is created, never changed
-- (every SVID, intermediate and peer check depends on it).
ALTER TABLE tenants ADD COLUMN trust_domain text;

-- The default for a tenant created without one: '<name>.fedmesh.local'. A tenant name is a DNS
-- label, so this is always a valid trust domain, unique because names are, and under '.local',
-- which no public domain uses. Set by the database, so every writer of tenants gets the same.
UPDATE tenants SET trust_domain = name || '.fedmesh.local';

ALTER TABLE tenants
    ALTER COLUMN trust_domain SET NOT NULL,
    ADD CONSTRAINT tenants_trust_domain_unique UNIQUE (trust_domain),
    -- As the SPIFFE standard defines a trust domain name (dev.fedmesh.trust.spiffe.TrustDomain).
    ADD CONSTRAINT tenants_trust_domain_format CHECK (trust_domain ~ '^[a-z0-9._-]{1,255}$');

CREATE FUNCTION tenants_trust_domain_default() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.trust_domain IS NULL THEN
        NEW.trust_domain := NEW.name || '.fedmesh.local';
    END IF;
    RETURN NEW;
END;
$$;

CREATE TRIGGER tenants_trust_domain_default BEFORE INSERT ON tenants
    FOR EACH ROW EXECUTE FUNCTION tenants_trust_domain_default();

CREATE FUNCTION tenants_trust_domain_fixed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the trust domain of tenant % is % and cannot be changed to %: every identity and'
        ' intermediate of the tenant is in it', OLD.name, OLD.trust_domain, NEW.trust_domain
        USING ERRCODE = 'check_violation';
END;
$$;

CREATE TRIGGER tenants_trust_domain_fixed BEFORE UPDATE OF trust_domain ON tenants
    FOR EACH ROW WHEN (NEW.trust_domain IS DISTINCT FROM OLD.trust_domain)
    EXECUTE FUNCTION tenants_trust_domain_fixed();
