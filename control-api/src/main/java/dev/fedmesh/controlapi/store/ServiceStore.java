package dev.fedmesh.controlapi.store;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fedmesh.controlapi.http.ApiException;
import dev.fedmesh.db.jooq.tables.records.ServicesRecord;
import dev.fedmesh.policy.document.PolicyJson;
import jakarta.inject.Singleton;
import org.jooq.DSLContext;
import org.jooq.JSONB;

import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import static dev.fedmesh.db.jooq.Tables.SERVICES;

/** A tenant's declared services. */
@Singleton
public final class ServiceStore {
    private final DSLContext dsl;

    public ServiceStore(DSLContext dsl) {
        this.dsl = dsl;
    }

    /** Declares or relabels a service within a tenant change; null when it was already exactly so. */
    public Applied apply(TenantChange change, String name, Map<String, String> labels, ResourceVersions.Expected expected) {
        DSLContext tx = change.tx();
        Optional<ServicesRecord> existing = tx.selectFrom(SERVICES)
                .where(SERVICES.TENANT_ID.eq(change.tenantId()).and(SERVICES.NAME.eq(name)))
                .forUpdate()
                .fetchOptional();
        if (expected != null) {
            expected.check("Service '" + name + "'", existing.map(ServicesRecord::getResourceVersion).orElse(null));
        }
        JSONB labelJson = JSONB.jsonb(PolicyJson.toText(PolicyJson.writeLabels(labels)));
        if (existing.isPresent()) {
            Service before = toService(existing.get());
            if (before.labels().equals(labels)) {
                return new Unchanged(before);
            }
            ServicesRecord row = tx.update(SERVICES)
                    .set(SERVICES.LABELS, labelJson)
                    .set(SERVICES.RESOURCE_VERSION, change.revision())
                    .set(SERVICES.UPDATED_AT, OffsetDateTime.now())
                    .where(SERVICES.TENANT_ID.eq(change.tenantId()).and(SERVICES.NAME.eq(name)))
                    .returning()
                    .fetchSingle();
            Service after = toService(row);
            change.audit("update", "Service", name, toText(before), toText(after));
            return new Applied(after, false);
        }
        ServicesRecord row = tx.insertInto(SERVICES)
                .set(SERVICES.TENANT_ID, change.tenantId())
                .set(SERVICES.NAME, name)
                .set(SERVICES.LABELS, labelJson)
                .set(SERVICES.RESOURCE_VERSION, change.revision())
                .returning()
                .fetchSingle();
        Service created = toService(row);
        change.audit("create", "Service", name, null, toText(created));
        return new Applied(created, true);
    }

    /** The outcome of an apply. */
    public static sealed class Applied permits Unchanged {
        private final Service service;
        private final boolean created;

        Applied(Service service, boolean created) {
            this.service = service;
            this.created = created;
        }

        public Service service() {
            return service;
        }

        public boolean created() {
            return created;
        }
    }

    /** An apply that found the service already exactly so. */
    public static final class Unchanged extends Applied implements TenantStore.Unchanged {
        Unchanged(Service service) {
            super(service, false);
        }
    }

    public void delete(TenantChange change, String name, ResourceVersions.Expected expected) {
        Optional<ServicesRecord> existing = change.tx().selectFrom(SERVICES)
                .where(SERVICES.TENANT_ID.eq(change.tenantId()).and(SERVICES.NAME.eq(name)))
                .forUpdate()
                .fetchOptional();
        if (existing.isEmpty()) {
            throw ApiException.notFound("Service '" + name + "'");
        }
        if (expected != null) {
            expected.check("Service '" + name + "'", existing.get().getResourceVersion());
        }
        change.tx().deleteFrom(SERVICES).where(SERVICES.TENANT_ID.eq(change.tenantId()).and(SERVICES.NAME.eq(name))).execute();
        change.audit("delete", "Service", name, toText(toService(existing.get())), null);
    }

    public Optional<Service> find(UUID tenantId, String name) {
        return dsl.selectFrom(SERVICES)
                .where(SERVICES.TENANT_ID.eq(tenantId).and(SERVICES.NAME.eq(name)))
                .fetchOptional(ServiceStore::toService);
    }

    public Page.Result<Service> list(UUID tenantId, Page page) {
        var condition = SERVICES.TENANT_ID.eq(tenantId);
        if (page.after() != null) {
            condition = condition.and(SERVICES.NAME.gt(page.after()));
        }
        List<Service> fetched = dsl.selectFrom(SERVICES).where(condition).orderBy(SERVICES.NAME)
                .limit(page.limit() + 1).fetch(ServiceStore::toService);
        return page.toResult(fetched, Service::name);
    }

    /** Every declared service name of a tenant, read within a transaction. */
    static List<String> names(DSLContext tx, UUID tenantId) {
        return tx.select(SERVICES.NAME).from(SERVICES).where(SERVICES.TENANT_ID.eq(tenantId)).fetch(SERVICES.NAME);
    }

    public static ObjectNode write(Service service) {
        ObjectNode json = JsonNodeFactory.instance.objectNode();
        json.put("name", service.name());
        json.set("labels", PolicyJson.writeLabels(service.labels()));
        json.put("resourceVersion", String.valueOf(service.resourceVersion()));
        json.put("createdAt", service.createdAt().toString());
        json.put("updatedAt", service.updatedAt().toString());
        return json;
    }

    private static String toText(Service service) {
        return PolicyJson.toText(write(service));
    }

    static Service toService(ServicesRecord row) {
        return new Service(row.getName(), ClusterStore.labels(row.getLabels()), row.getResourceVersion(),
                row.getCreatedAt(), row.getUpdatedAt());
    }
}
