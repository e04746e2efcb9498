package dev.fedmesh.controlapi.store;

import jakarta.inject.Singleton;
import org.jooq.DSLContext;

import java.util.List;
import java.util.UUID;

import static dev.fedmesh.db.jooq.Tables.AUDIT_LOG;

/** Reads a tenant's audit log, oldest first; writes happen through {@link TenantChange#audit}. */
@Singleton
public final class AuditStore {
    private final DSLContext dsl;

    public AuditStore(DSLContext dsl) {
        this.dsl = dsl;
    }

    /** One page of entries, optionally only those about one resource kind and name. */
    public Page.Result<AuditEntry> list(UUID tenantId, String resourceKind, String resourceName, Page page) {
        var condition = AUDIT_LOG.TENANT_ID.eq(tenantId);
        if (resourceKind != null) {
            condition = condition.and(AUDIT_LOG.RESOURCE_KIND.eq(resourceKind));
        }
        if (resourceName != null) {
            condition = condition.and(AUDIT_LOG.RESOURCE_NAME.eq(resourceName));
        }
        if (page.after() != null) {
            condition = condition.and(AUDIT_LOG.ID.gt(afterId(page.after())));
        }
        List<AuditEntry> fetched = dsl.selectFrom(AUDIT_LOG)
                .where(condition)
                .orderBy(AUDIT_LOG.ID)
                .limit(page.limit() + 1)
                .fetch(row -> new AuditEntry(row.getId(), row.getRevision(), row.getActor(), row.getAction(),
                        row.getResourceKind(), row.getResourceName(),
                        row.getBefore() == null ? null : row.getBefore().data(),
                        row.getAfter() == null ? null : row.getAfter().data(), row.getAt()));
        return page.toResult(fetched, entry -> String.valueOf(entry.id()));
    }

    private static long afterId(String token) {
        try {
            return Long.parseLong(token);
        } catch (NumberFormatException e) {
            throw dev.fedmesh.controlapi.http.ApiException.invalid(List.of(new dev.fedmesh.policy.document.Violation(
                    "pageToken", "is not a token this API issued: pass back nextPageToken unchanged")));
        }
    }
}
