-- A tenant can be deleted and a tenant of the same name created again. The deleted tenant's
-- records stay on its Kafka topics (same names), and an agent applies only revisions newer than
-- the newest it has seen, so a re-created tenant would be handed the deleted one's configs and
-- its own would be ignored as older. The last revision of each deleted name is kept here, and a
-- tenant created under that name starts there: its first change is newer than anything left.
CREATE TABLE deleted_tenant_revisions (
    name          text   PRIMARY KEY,
    last_revision bigint NOT NULL
);

CREATE FUNCTION tenants_remember_revision() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO deleted_tenant_revisions (name, last_revision) VALUES (OLD.name, OLD.revision)
    ON CONFLICT (name) DO UPDATE
        SET last_revision = greatest(deleted_tenant_revisions.last_revision, EXCLUDED.last_revision);
    RETURN OLD;
END;
$$;

CREATE TRIGGER tenants_remember_revision AFTER DELETE ON tenants
    FOR EACH ROW EXECUTE FUNCTION tenants_remember_revision();

CREATE FUNCTION tenants_continue_revision() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.revision := greatest(NEW.revision,
        coalesce((SELECT last_revision FROM deleted_tenant_revisions WHERE name = NEW.name), 0));
    RETURN NEW;
END;
$$;

CREATE TRIGGER tenants_continue_revision BEFORE INSERT ON tenants
    FOR EACH ROW EXECUTE FUNCTION tenants_continue_revision();
