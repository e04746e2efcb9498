package dev.fedmesh.controlapi.store;

import dev.fedmesh.controlapi.http.ApiException;
import dev.fedmesh.db.jooq.tables.records.TenantsRecord;
import jakarta.inject.Singleton;
import org.jooq.DSLContext;
import org.jooq.exception.IntegrityConstraintViolationException;

import java.time.OffsetDateTime;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Function;

import static dev.fedmesh.db.jooq.Tables.OUTBOX;
import static dev.fedmesh.db.jooq.Tables.TENANTS;

/** Tenants, and the one way to change what a tenant owns: {@link #change}. */
@Singleton
public final class TenantStore {
    private final DSLContext dsl;

    public TenantStore(DSLContext dsl) {
        this.dsl = dsl;
    }

    public Tenant create(String name) {
        try {
            return toTenant(dsl.insertInto(TENANTS)
                    .set(TENANTS.ID, UUID.randomUUID())
                    .set(TENANTS.NAME, name)
                    .returning()
                    .fetchSingle());
        } catch (IntegrityConstraintViolationException e) {
            throw ApiException.conflict("already_exists", "Tenant '" + name + "' already exists");
        }
    }

    public Optional<Tenant> find(String name) {
        return dsl.selectFrom(TENANTS).where(TENANTS.NAME.eq(name)).fetchOptional().map(TenantStore::toTenant);
    }

    /** The tenant, or a 404 answer. */
    public Tenant require(String name) {
        return find(name).orElseThrow(() -> ApiException.notFound("Tenant '" + name + "'"));
    }

    /**
     * Runs {@code work} in one transaction that locks the tenant, gives the change the next
     * revision, and queues an outbox row; if {@code work} returns without writing (an unchanged
     * apply), it returns {@link Unchanged} and nothing is bumped or queued.
     */
    public <T> T change(String tenantName, String actor, Function<TenantChange, T> work) {
        return dsl.transactionResult(configuration -> {
            DSLContext tx = configuration.dsl();
            TenantsRecord row = tx.selectFrom(TENANTS)
                    .where(TENANTS.NAME.eq(tenantName))
                    .forUpdate()
                    .fetchOptional()
                    .orElseThrow(() -> ApiException.notFound("Tenant '" + tenantName + "'"));
            Tenant tenant = toTenant(row);
            long revision = tenant.revision() + 1;
            T result = work.apply(new TenantChange(tx, tenant, revision, actor));
            if (result instanceof Unchanged) {
                return result;
            }
            QuotaCheck.enforce(tx, tenant.id(), revision);
            tx.update(TENANTS)
                    .set(TENANTS.REVISION, revision)
                    .set(TENANTS.UPDATED_AT, OffsetDateTime.now())
                    .where(TENANTS.ID.eq(tenant.id()))
                    .execute();
            tx.insertInto(OUTBOX)
                    .set(OUTBOX.TENANT_ID, tenant.id())
                    .set(OUTBOX.REVISION, revision)
                    .execute();
            return result;
        });
    }

    /** Marks a change that turned out to change nothing. */
    public interface Unchanged {
    }

    static Tenant toTenant(TenantsRecord row) {
        return new Tenant(row.getId(), row.getName(), row.getRevision(), row.getCreatedAt(), row.getUpdatedAt());
    }
}
