package dev.fedmesh.controlapi.store;

import dev.fedmesh.controlapi.http.ApiException;
import dev.fedmesh.db.jooq.tables.records.PoliciesRecord;
import dev.fedmesh.policy.document.PolicyDocument;
import dev.fedmesh.policy.document.PolicyJson;
import jakarta.inject.Singleton;
import org.jooq.DSLContext;
import org.jooq.JSONB;

import java.time.OffsetDateTime;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import static dev.fedmesh.db.jooq.Tables.POLICIES;

/** A tenant's policies, of every kind, in one table. */
@Singleton
public final class PolicyStore {
    private final DSLContext dsl;

    public PolicyStore(DSLContext dsl) {
        this.dsl = dsl;
    }

    /** The outcome of an apply: created or replaced, or already exactly so. */
    public sealed interface ApplyResult permits Applied, AlreadyApplied {
        StoredPolicy policy();
    }

    public record Applied(StoredPolicy policy, boolean created) implements ApplyResult {
    }

    public record AlreadyApplied(StoredPolicy policy) implements ApplyResult, TenantStore.Unchanged {
    }

    /**
     * Creates or replaces a policy within a tenant change. Applying the same document twice
     * changes nothing the second time.
     */
    public ApplyResult apply(TenantChange change, PolicyDocument document) {
        DSLContext tx = change.tx();
        Optional<PoliciesRecord> existing = tx.selectFrom(POLICIES)
                .where(POLICIES.TENANT_ID.eq(change.tenantId()).and(POLICIES.NAME.eq(document.name())))
                .forUpdate()
                .fetchOptional();
        String after = PolicyJson.toText(PolicyJson.write(document));
        if (existing.isPresent()) {
            StoredPolicy before = toPolicy(existing.get());
            if (!before.document().kind().equals(document.kind())) {
                throw ApiException.conflict("kind_mismatch", "Policy '" + document.name() + "' exists with kind "
                        + before.document().kind() + "; delete it before creating a " + document.kind() + " of that name");
            }
            if (before.document().equals(document)) {
                return new AlreadyApplied(before);
            }
            PoliciesRecord row = tx.update(POLICIES)
                    .set(POLICIES.LABELS, jsonb(PolicyJson.toText(PolicyJson.writeLabels(document.labels()))))
                    .set(POLICIES.TARGET, jsonb(PolicyJson.toText(PolicyJson.writeTarget(document.target()))))
                    .set(POLICIES.FROM_SOURCES, jsonb(PolicyJson.toText(PolicyJson.writeFrom(document.from()))))
                    .set(POLICIES.SPEC, jsonb(PolicyJson.toText(PolicyJson.writeSpec(document))))
                    .set(POLICIES.RESOURCE_VERSION, change.revision())
                    .set(POLICIES.UPDATED_AT, OffsetDateTime.now())
                    .where(POLICIES.TENANT_ID.eq(change.tenantId()).and(POLICIES.NAME.eq(document.name())))
                    .returning()
                    .fetchSingle();
            change.audit("update", document.kind(), document.name(),
                    PolicyJson.toText(PolicyJson.write(before.document())), after);
            return new Applied(toPolicy(row), false);
        }
        PoliciesRecord row = tx.insertInto(POLICIES)
                .set(POLICIES.TENANT_ID, change.tenantId())
                .set(POLICIES.NAME, document.name())
                .set(POLICIES.KIND, document.kind())
                .set(POLICIES.LABELS, jsonb(PolicyJson.toText(PolicyJson.writeLabels(document.labels()))))
                .set(POLICIES.TARGET, jsonb(PolicyJson.toText(PolicyJson.writeTarget(document.target()))))
                .set(POLICIES.FROM_SOURCES, jsonb(PolicyJson.toText(PolicyJson.writeFrom(document.from()))))
                .set(POLICIES.SPEC, jsonb(PolicyJson.toText(PolicyJson.writeSpec(document))))
                .set(POLICIES.RESOURCE_VERSION, change.revision())
                .returning()
                .fetchSingle();
        change.audit("create", document.kind(), document.name(), null, after);
        return new Applied(toPolicy(row), true);
    }

    /** Deletes a policy within a tenant change; a 404 answer when there is none. */
    public void delete(TenantChange change, String name) {
        PoliciesRecord row = change.tx().deleteFrom(POLICIES)
                .where(POLICIES.TENANT_ID.eq(change.tenantId()).and(POLICIES.NAME.eq(name)))
                .returning()
                .fetchOptional()
                .orElseThrow(() -> ApiException.notFound("Policy '" + name + "'"));
        StoredPolicy before = toPolicy(row);
        change.audit("delete", before.document().kind(), name, PolicyJson.toText(PolicyJson.write(before.document())), null);
    }

    public Optional<StoredPolicy> find(UUID tenantId, String name) {
        return dsl.selectFrom(POLICIES)
                .where(POLICIES.TENANT_ID.eq(tenantId).and(POLICIES.NAME.eq(name)))
                .fetchOptional(PolicyStore::toPolicy);
    }

    /** A tenant's policies ordered by name, optionally of one kind. */
    public List<StoredPolicy> list(UUID tenantId, String kind) {
        var condition = POLICIES.TENANT_ID.eq(tenantId);
        if (kind != null) {
            condition = condition.and(POLICIES.KIND.eq(kind));
        }
        return dsl.selectFrom(POLICIES).where(condition).orderBy(POLICIES.NAME).fetch(PolicyStore::toPolicy);
    }

    static StoredPolicy toPolicy(PoliciesRecord row) {
        PolicyDocument document = PolicyJson.fromStored(row.getKind(), row.getName(), row.getLabels().data(),
                row.getTarget().data(), row.getFromSources().data(), row.getSpec().data());
        return new StoredPolicy(document, row.getResourceVersion(), row.getCreatedAt(), row.getUpdatedAt());
    }

    private static JSONB jsonb(String json) {
        return JSONB.jsonb(json);
    }
}
