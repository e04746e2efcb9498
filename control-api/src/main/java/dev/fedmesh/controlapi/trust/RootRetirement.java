package dev.fedmesh.controlapi.trust;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fedmesh.controlapi.http.ApiException;
import dev.fedmesh.controlapi.store.TenantChange;
import dev.fedmesh.controlapi.store.TenantStore;
import dev.fedmesh.db.jooq.tables.records.TrustRootsRecord;
import dev.fedmesh.policy.document.PolicyJson;
import jakarta.inject.Singleton;
import org.jooq.DSLContext;
import org.jooq.Record2;
import org.jooq.impl.DSL;

import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;

import static dev.fedmesh.db.jooq.Tables.AUDIT_LOG;
import static dev.fedmesh.db.jooq.Tables.CLUSTERS;
import static dev.fedmesh.db.jooq.Tables.CLUSTER_STATUS;
import static dev.fedmesh.db.jooq.Tables.INTERMEDIATES;
import static dev.fedmesh.db.jooq.Tables.ROOT_ROTATIONS;
import static dev.fedmesh.db.jooq.Tables.TENANTS;
import static dev.fedmesh.db.jooq.Tables.TRUST_ROOTS;

/**
 * Drops a root from a tenant's bundle by hand (e.g. one a rotation left behind): a tenant change
 * that sets the root's {@code retired_at}, so every cluster gets the smaller bundle. A root still
 * in use is refused, changing nothing, with one audit entry saying why.
 */
@Singleton
public final class RootRetirement {
    /** The audit log's kind for a root of the tenant's trust domain. */
    public static final String AUDIT_KIND = "TrustRoot";
    private static final List<String> OPEN = List.of("requested", "bundle", "reissue", "retire");

    private final DSLContext dsl;
    private final TenantStore tenants;

    public RootRetirement(DSLContext dsl, TenantStore tenants) {
        this.dsl = dsl;
        this.tenants = tenants;
    }

    /** The outcome of a retirement: retired now, or retired before (nothing changed). */
    public sealed interface Outcome permits Retired, AlreadyRetired {
    }

    public record Retired(OffsetDateTime retiredAt) implements Outcome {
    }

    public record AlreadyRetired(OffsetDateTime retiredAt) implements Outcome, TenantStore.Unchanged {
    }

    /** Retires the root, or refuses with 409 {@code root_in_use} after auditing the refusal. */
    public Outcome retire(String tenantName, String actor, byte[] sha256) {
        try {
            return tenants.change(tenantName, actor, change -> retire(change, sha256));
        } catch (InUse inUse) {
            auditRefusal(inUse, actor);
            throw ApiException.conflict("root_in_use", inUse.getMessage());
        }
    }

    private Outcome retire(TenantChange change, byte[] sha256) {
        DSLContext tx = change.tx();
        String hex = RootFingerprints.hex(sha256);
        String trustDomain = tx.select(TENANTS.TRUST_DOMAIN).from(TENANTS).where(TENANTS.ID.eq(change.tenantId()))
                .fetchSingle().value1();
        TrustRootsRecord root = tx.selectFrom(TRUST_ROOTS)
                .where(TRUST_ROOTS.TRUST_DOMAIN.eq(trustDomain).and(TRUST_ROOTS.SHA256.eq(sha256)))
                .forUpdate()
                .fetchOptional()
                .orElseThrow(() -> ApiException.notFound("Root " + hex + " of tenant '" + change.tenantName()
                        + "' (trust domain " + trustDomain + ")"));
        if (root.getRetiredAt() != null) {
            return new AlreadyRetired(root.getRetiredAt());
        }
        List<String> reasons = reasonsInUse(tx, change.tenantId(), trustDomain, sha256);
        if (!reasons.isEmpty()) {
            throw new InUse(change.tenantId(), hex, "Root " + hex + " of tenant '" + change.tenantName()
                    + "' is still in use, so it stays in the bundle and nothing was changed: " + String.join("; ", reasons));
        }
        String before = json(root);
        OffsetDateTime now = tx.select(DSL.currentOffsetDateTime()).fetchSingle().value1();
        root.setRetiredAt(now);
        root.store();
        change.audit("delete", AUDIT_KIND, hex, before, json(root));
        return new Retired(now);
    }

    /** Why the root cannot leave the bundle yet, each with its fix; empty when nothing holds it. */
    private static List<String> reasonsInUse(DSLContext tx, UUID tenantId, String trustDomain, byte[] sha256) {
        List<String> reasons = new ArrayList<>();
        List<TrustRootsRecord> inBundle = tx.selectFrom(TRUST_ROOTS)
                .where(TRUST_ROOTS.TRUST_DOMAIN.eq(trustDomain).and(TRUST_ROOTS.RETIRED_AT.isNull()))
                .orderBy(TRUST_ROOTS.SIGNING_SINCE.desc().nullsLast())
                .fetch();
        TrustRootsRecord signing = inBundle.isEmpty() || inBundle.get(0).getSigningSince() == null ? null : inBundle.get(0);
        if (signing != null && Arrays.equals(signing.getSha256(), sha256)) {
            reasons.add("it is the signing root, under which new intermediates are issued; to replace it, start a root"
                    + " rotation (POST .../trust/root-rotations), which retires it once every cluster has moved on");
        }
        if (inBundle.size() == 1) {
            reasons.add("it is the last root in the bundle, and clusters would trust nothing; start a root rotation instead");
        }
        tx.selectFrom(ROOT_ROTATIONS)
                .where(ROOT_ROTATIONS.TENANT_ID.eq(tenantId).and(ROOT_ROTATIONS.STAGE.in(OPEN))
                        .and(ROOT_ROTATIONS.OLD_ROOT_SHA256.eq(sha256).or(ROOT_ROTATIONS.NEW_ROOT_SHA256.eq(sha256))))
                .fetch()
                .forEach(rotation -> reasons.add("it is the " + (Arrays.equals(rotation.getOldRootSha256(), sha256) ? "old" : "new")
                        + " root of root rotation " + rotation.getId() + " (stage '" + rotation.getStage() + "'), which"
                        + " retires the old root itself; follow it at .../trust/root-rotations/" + rotation.getId()));
        List<String> issuedUnder = tx.selectDistinct(INTERMEDIATES.CLUSTER, INTERMEDIATES.ROOT_SHA256)
                .on(INTERMEDIATES.CLUSTER)
                .from(INTERMEDIATES)
                .join(CLUSTERS).on(CLUSTERS.TENANT_ID.eq(INTERMEDIATES.TENANT_ID).and(CLUSTERS.NAME.eq(INTERMEDIATES.CLUSTER)))
                .where(INTERMEDIATES.TENANT_ID.eq(tenantId).and(INTERMEDIATES.NOT_AFTER.gt(DSL.currentOffsetDateTime())))
                .orderBy(INTERMEDIATES.CLUSTER, INTERMEDIATES.NOT_AFTER.desc())
                .fetch()
                .stream()
                .filter(newest -> Arrays.equals(newest.value2(), sha256))
                .map(Record2::value1)
                .toList();
        if (!issuedUnder.isEmpty()) {
            reasons.add("the newest intermediate of cluster(s) " + String.join(", ", issuedUnder) + " chains to it; they"
                    + " must renew under the signing root first (a root rotation does that for every cluster)");
        }
        List<String> reportingIt = tx.select(CLUSTER_STATUS.CLUSTER)
                .from(CLUSTER_STATUS)
                .join(CLUSTERS).on(CLUSTERS.TENANT_ID.eq(CLUSTER_STATUS.TENANT_ID).and(CLUSTERS.NAME.eq(CLUSTER_STATUS.CLUSTER)))
                .where(CLUSTER_STATUS.TENANT_ID.eq(tenantId).and(CLUSTER_STATUS.SVID_ROOT_SHA256.eq(sha256)))
                .orderBy(CLUSTER_STATUS.CLUSTER)
                .fetch(CLUSTER_STATUS.CLUSTER);
        if (!reportingIt.isEmpty()) {
            reasons.add("cluster(s) " + String.join(", ", reportingIt) + " report SVIDs chaining to it, which their"
                    + " workloads would stop trusting; wait until they report the signing root (GET .../trust shows"
                    + " svidRootSha256 per cluster)");
        }
        return reasons;
    }

    /** The refusal's audit entry, in a transaction of its own since the change's was rolled back. */
    private void auditRefusal(InUse inUse, String actor) {
        dsl.insertInto(AUDIT_LOG)
                .set(AUDIT_LOG.TENANT_ID, inUse.tenantId)
                .set(AUDIT_LOG.REVISION, DSL.select(TENANTS.REVISION).from(TENANTS).where(TENANTS.ID.eq(inUse.tenantId)))
                .set(AUDIT_LOG.ACTOR, actor)
                .set(AUDIT_LOG.ACTION, "refuse")
                .set(AUDIT_LOG.RESOURCE_KIND, AUDIT_KIND)
                .set(AUDIT_LOG.RESOURCE_NAME, inUse.hex)
                .set(AUDIT_LOG.AFTER, DSL.jsonbObject(
                        DSL.key("code").value("root_in_use"),
                        DSL.key("reason").value(inUse.getMessage()),
                        DSL.key("sha256").value(inUse.hex)))
                .execute();
    }

    private static String json(TrustRootsRecord root) {
        ObjectNode json = JsonNodeFactory.instance.objectNode();
        json.put("sha256", RootFingerprints.hex(root.getSha256()));
        json.put("trustDomain", root.getTrustDomain());
        json.put("notBefore", text(root.getNotBefore()));
        json.put("notAfter", text(root.getNotAfter()));
        json.put("signingSince", text(root.getSigningSince()));
        json.put("retiredAt", text(root.getRetiredAt()));
        return PolicyJson.toText(json);
    }

    private static String text(OffsetDateTime time) {
        return time == null ? null : time.toInstant().toString();
    }

    /** Carries a refusal out of the rolled-back change. */
    private static final class InUse extends RuntimeException {
        private final UUID tenantId;
        private final String hex;

        InUse(UUID tenantId, String hex, String message) {
            super(message, null, false, false);
            this.tenantId = tenantId;
            this.hex = hex;
        }
    }
}
