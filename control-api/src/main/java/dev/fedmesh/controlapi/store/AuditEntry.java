package dev.fedmesh.controlapi.store;

import java.time.OffsetDateTime;

/** One audited write: who did what to which resource, with the resource before and after (JSON). */
public record AuditEntry(long id, long revision, String actor, String action, String resourceKind, String resourceName,
                         String before, String after, OffsetDateTime at) {
}
