package dev.fedmesh.controlapi.store;

import dev.fedmesh.controlapi.http.ApiException;
import dev.fedmesh.db.jooq.tables.records.PoliciesRecord;
import dev.fedmesh.policy.document.PolicyDocument;
import dev.fedmesh.policy.document.PolicyJson;
import dev.fedmesh.policy.document.PolicyKind;
import dev.fedmesh.policy.document.PolicyKinds;
import dev.fedmesh.policy.document.References;
import dev.fedmesh.policy.document.Violation;
import jakarta.inject.Singleton;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.JSONB;
import org.jooq.impl.DSL;

import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

import static dev.fedmesh.db.jooq.Tables.CLUSTERS;
import static dev.fedmesh.db.jooq.Tables.POLICIES;
import static dev.fedmesh.db.jooq.Tables.SERVICES;

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
     * changes nothing the second time. Refuses what a new write may no longer hold, a stale
     * {@code expected} version, references to clusters or services the tenant does not have, and a
     * claim another policy already holds.
     */
    public ApplyResult apply(TenantChange change, PolicyDocument document, ResourceVersions.Expected expected) {
        checkNewWrite(document);
        DSLContext tx = change.tx();
        Optional<PoliciesRecord> existing = tx.selectFrom(POLICIES)
                .where(POLICIES.TENANT_ID.eq(change.tenantId()).and(POLICIES.NAME.eq(document.name())))
                .forUpdate()
                .fetchOptional();
        if (expected != null) {
            expected.check("Policy '" + document.name() + "'", existing.map(PoliciesRecord::getResourceVersion).orElse(null));
        }
        StoredPolicy before = existing.map(PolicyStore::toPolicy).orElse(null);
        if (before != null && !before.document().kind().equals(document.kind())) {
            throw ApiException.conflict("kind_mismatch", "Policy '" + document.name() + "' exists with kind "
                    + before.document().kind() + "; delete it before creating a " + document.kind() + " of that name");
        }
        if (before != null && before.document().equals(document)) {
            return new AlreadyApplied(before);
        }
        checkReferences(tx, change.tenantId(), document);
        checkClaims(tx, change.tenantId(), document);
        String after = PolicyJson.toText(PolicyJson.write(document));
        if (before != null) {
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
            change.audit("update", document.kind(), document.name(), PolicyJson.toText(PolicyJson.write(before.document())), after);
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
    public StoredPolicy delete(TenantChange change, String name, ResourceVersions.Expected expected) {
        DSLContext tx = change.tx();
        Optional<PoliciesRecord> existing = tx.selectFrom(POLICIES)
                .where(POLICIES.TENANT_ID.eq(change.tenantId()).and(POLICIES.NAME.eq(name)))
                .forUpdate()
                .fetchOptional();
        if (existing.isEmpty()) {
            throw ApiException.notFound("Policy '" + name + "'");
        }
        if (expected != null) {
            expected.check("Policy '" + name + "'", existing.get().getResourceVersion());
        }
        tx.deleteFrom(POLICIES).where(POLICIES.TENANT_ID.eq(change.tenantId()).and(POLICIES.NAME.eq(name))).execute();
        StoredPolicy before = toPolicy(existing.get());
        change.audit("delete", before.document().kind(), name, PolicyJson.toText(PolicyJson.write(before.document())), null);
        return before;
    }

    public Optional<StoredPolicy> find(UUID tenantId, String name) {
        return dsl.selectFrom(POLICIES)
                .where(POLICIES.TENANT_ID.eq(tenantId).and(POLICIES.NAME.eq(name)))
                .fetchOptional(PolicyStore::toPolicy);
    }

    /** One page of a tenant's policies ordered by name, filtered by kind, target service and labels. */
    public Page.Result<StoredPolicy> list(UUID tenantId, PolicyQuery query) {
        Condition condition = POLICIES.TENANT_ID.eq(tenantId);
        if (query.kind() != null) {
            condition = condition.and(POLICIES.KIND.eq(query.kind()));
        }
        if (query.targetService() != null) {
            condition = condition.and(DSL.jsonbGetAttributeAsText(POLICIES.TARGET, "service").eq(query.targetService()));
        }
        for (Map.Entry<String, String> label : query.labels().entrySet()) {
            condition = condition.and(DSL.jsonbGetAttributeAsText(POLICIES.LABELS, label.getKey()).eq(label.getValue()));
        }
        if (query.page().after() != null) {
            condition = condition.and(POLICIES.NAME.gt(query.page().after()));
        }
        List<StoredPolicy> fetched = dsl.selectFrom(POLICIES)
                .where(condition)
                .orderBy(POLICIES.NAME)
                .limit(query.page().limit() + 1)
                .fetch(PolicyStore::toPolicy);
        return query.page().toResult(fetched, policy -> policy.document().name());
    }

    /** Every policy of a tenant, read within a transaction (for compiling its state). */
    static List<PolicyDocument> all(DSLContext tx, UUID tenantId) {
        return tx.selectFrom(POLICIES)
                .where(POLICIES.TENANT_ID.eq(tenantId))
                .fetch(row -> toPolicy(row).document());
    }

    /** Refuses what policies may no longer hold although stored ones keep it (see {@link PolicyKind#refusedInNewWrites}). */
    @SuppressWarnings({"unchecked", "rawtypes"})
    private static void checkNewWrite(PolicyDocument document) {
        PolicyKind kind = PolicyKinds.find(document.kind()).orElseThrow();
        List<Violation> refused = kind.refusedInNewWrites(document.spec());
        if (!refused.isEmpty()) {
            throw ApiException.invalid(refused);
        }
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static void checkReferences(DSLContext tx, UUID tenantId, PolicyDocument document) {
        PolicyKind kind = PolicyKinds.find(document.kind()).orElseThrow();
        References references = kind.references(document.spec());
        List<Violation> violations = new ArrayList<>();
        if (!references.clustersByField().isEmpty()) {
            Set<String> known = new HashSet<>(tx.select(CLUSTERS.NAME).from(CLUSTERS)
                    .where(CLUSTERS.TENANT_ID.eq(tenantId).and(CLUSTERS.NAME.in(references.clustersByField().values())))
                    .fetch(CLUSTERS.NAME));
            references.clustersByField().forEach((field, cluster) -> {
                if (!known.contains(cluster)) {
                    violations.add(new Violation(field, "names cluster '" + cluster + "', which this tenant does not have: "
                            + "register it first (POST /clusters) or fix the name"));
                }
            });
        }
        if (!references.servicesByField().isEmpty()) {
            Set<String> known = new HashSet<>(tx.select(SERVICES.NAME).from(SERVICES)
                    .where(SERVICES.TENANT_ID.eq(tenantId).and(SERVICES.NAME.in(references.servicesByField().values())))
                    .fetch(SERVICES.NAME));
            references.servicesByField().forEach((field, service) -> {
                if (!known.contains(service)) {
                    violations.add(new Violation(field, "names service '" + service + "', which this tenant does not have: "
                            + "register it first (PUT /services/" + service + ") or fix the name"));
                }
            });
        }
        if (!violations.isEmpty()) {
            throw ApiException.invalid(violations.stream().sorted(java.util.Comparator.comparing(Violation::field)).toList());
        }
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static void checkClaims(DSLContext tx, UUID tenantId, PolicyDocument document) {
        PolicyKind kind = PolicyKinds.find(document.kind()).orElseThrow();
        Set<String> claims = kind.claims(document.target(), document.from(), document.spec());
        if (claims.isEmpty()) {
            return;
        }
        List<PoliciesRecord> others = tx.selectFrom(POLICIES)
                .where(POLICIES.TENANT_ID.eq(tenantId)
                        .and(POLICIES.KIND.eq(document.kind()))
                        .and(POLICIES.NAME.ne(document.name())))
                .orderBy(POLICIES.NAME)
                .fetch();
        for (PoliciesRecord row : others) {
            PolicyDocument other = toPolicy(row).document();
            Set<String> overlap = new java.util.TreeSet<>((Set<String>) kind.claims(other.target(), other.from(), other.spec()));
            overlap.retainAll(claims);
            if (!overlap.isEmpty()) {
                throw ApiException.conflict("contradicts_policy", document.kind() + " '" + document.name()
                        + "' contradicts '" + other.name() + "', which already claims " + overlap.iterator().next()
                        + ": change one of them, or merge them into one policy");
            }
        }
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
