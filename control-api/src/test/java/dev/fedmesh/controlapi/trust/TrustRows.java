package dev.fedmesh.controlapi.trust;

import dev.fedmesh.controlapi.RunningApi;
import org.jooq.DSLContext;
import org.jooq.impl.DSL;

import java.time.OffsetDateTime;
import java.util.Map;
import java.util.UUID;

import static dev.fedmesh.db.jooq.Tables.AUDIT_LOG;
import static dev.fedmesh.db.jooq.Tables.CLUSTER_STATUS;
import static dev.fedmesh.db.jooq.Tables.INTERMEDIATES;
import static dev.fedmesh.db.jooq.Tables.OUTBOX;
import static dev.fedmesh.db.jooq.Tables.ROOT_ROTATIONS;
import static dev.fedmesh.db.jooq.Tables.TENANTS;
import static dev.fedmesh.db.jooq.Tables.TRUST_ROOTS;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Writes the rows the distributor writes while it rotates a tenant's root (roots, intermediates,
 * agents' reports, a rotation's stages) and reads back what a test checks; one tenant per instance.
 */
public final class TrustRows {
    private static final String PEM = "-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n";
    private final DSLContext db;
    public final String tenant;
    public final UUID tenantId;
    private int next;

    /** A new tenant of {@code api} with these clusters registered through the REST API. */
    public TrustRows(RunningApi api, String... clusters) {
        this.db = api.db;
        this.tenant = api.newTenant();
        for (String cluster : clusters) {
            var created = api.send(api.adminToken, "POST", "/api/v1/tenants/" + tenant + "/clusters",
                    "{\"name\": \"" + cluster + "\"}");
            assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        }
        this.tenantId = db.select(TENANTS.ID).from(TENANTS).where(TENANTS.NAME.eq(tenant)).fetchSingle().value1();
    }

    /** A root of the tenant's trust domain, signing since {@code signingSince} (null: never signed); its fingerprint. */
    public byte[] root(OffsetDateTime signingSince) {
        byte[] sha256 = fingerprint();
        db.insertInto(TRUST_ROOTS)
                .set(TRUST_ROOTS.TRUST_DOMAIN, tenant + ".fedmesh.local")
                .set(TRUST_ROOTS.SHA256, sha256)
                .set(TRUST_ROOTS.PEM, PEM)
                .set(TRUST_ROOTS.NOT_BEFORE, OffsetDateTime.now().minusDays(1))
                .set(TRUST_ROOTS.NOT_AFTER, OffsetDateTime.now().plusDays(3650))
                .set(TRUST_ROOTS.SIGNING_SINCE, signingSince)
                .execute();
        return sha256;
    }

    /** An intermediate issued to {@code cluster} under {@code root}, living {@code days} more days. */
    public void intermediate(String cluster, byte[] root, int days) {
        db.insertInto(INTERMEDIATES)
                .set(INTERMEDIATES.PUBLIC_KEY_SHA256, fingerprint())
                .set(INTERMEDIATES.TENANT_ID, tenantId)
                .set(INTERMEDIATES.CLUSTER, cluster)
                .set(INTERMEDIATES.TRUST_DOMAIN, tenant + ".fedmesh.local")
                .set(INTERMEDIATES.CHAIN_PEM, PEM)
                .set(INTERMEDIATES.NOT_AFTER, OffsetDateTime.now().plusDays(days))
                .set(INTERMEDIATES.ROOT_SHA256, root)
                .execute();
    }

    /** The newest report of {@code cluster}'s agent as the distributor stores it: received now. */
    public void reported(String cluster, long appliedRevision, byte[] svidRoot, OffsetDateTime intermediateNotAfter) {
        OffsetDateTime at = OffsetDateTime.now();
        db.insertInto(CLUSTER_STATUS)
                .set(CLUSTER_STATUS.TENANT_ID, tenantId).set(CLUSTER_STATUS.CLUSTER, cluster)
                .set(CLUSTER_STATUS.APPLIED_REVISION, appliedRevision).set(CLUSTER_STATUS.CONFIG_SHA256, new byte[32])
                .set(CLUSTER_STATUS.APPLIED_AT, at).set(CLUSTER_STATUS.HEARTBEAT_SEQUENCE, 1L)
                .set(CLUSTER_STATUS.REPORTED_AT, at).set(CLUSTER_STATUS.RECEIVED_AT, DSL.currentOffsetDateTime())
                .set(CLUSTER_STATUS.SVID_ROOT_SHA256, svidRoot)
                .set(CLUSTER_STATUS.INTERMEDIATE_NOT_AFTER, intermediateNotAfter)
                .onConflict(CLUSTER_STATUS.TENANT_ID, CLUSTER_STATUS.CLUSTER).doUpdate()
                .set(CLUSTER_STATUS.APPLIED_REVISION, appliedRevision)
                .set(CLUSTER_STATUS.SVID_ROOT_SHA256, svidRoot)
                .set(CLUSTER_STATUS.INTERMEDIATE_NOT_AFTER, intermediateNotAfter)
                .set(CLUSTER_STATUS.RECEIVED_AT, DSL.currentOffsetDateTime())
                .execute();
    }

    /** What the distributor writes when the rotation enters {@code stage}, carried by {@code revision}. */
    public void stage(String id, String stage, long revision, byte[] oldRoot, byte[] newRoot) {
        db.update(ROOT_ROTATIONS)
                .set(ROOT_ROTATIONS.STAGE, stage)
                .set(ROOT_ROTATIONS.STAGE_REVISION, revision)
                .set(ROOT_ROTATIONS.STAGE_SINCE, DSL.currentOffsetDateTime())
                .set(ROOT_ROTATIONS.OLD_ROOT_SHA256, oldRoot)
                .set(ROOT_ROTATIONS.NEW_ROOT_SHA256, newRoot)
                .set(ROOT_ROTATIONS.FINISHED_AT, "done".equals(stage) || "failed".equals(stage) ? OffsetDateTime.now() : null)
                .where(ROOT_ROTATIONS.ID.eq(UUID.fromString(id)))
                .execute();
    }

    /** The tenant's revision, outbox rows, rotations and retired roots, and its audit entries by action. */
    public Map<String, Object> state() {
        return Map.of(
                "revision", db.select(TENANTS.REVISION).from(TENANTS).where(TENANTS.ID.eq(tenantId)).fetchSingle().value1(),
                "outbox", db.fetchCount(OUTBOX, OUTBOX.TENANT_ID.eq(tenantId)),
                "rotations", db.fetchCount(ROOT_ROTATIONS, ROOT_ROTATIONS.TENANT_ID.eq(tenantId)),
                "retired", db.fetchCount(TRUST_ROOTS, TRUST_ROOTS.TRUST_DOMAIN.eq(tenant + ".fedmesh.local")
                        .and(TRUST_ROOTS.RETIRED_AT.isNotNull())),
                "audit", db.fetchCount(AUDIT_LOG, AUDIT_LOG.TENANT_ID.eq(tenantId)));
    }

    /** How many audit entries of the tenant have this action and kind. */
    public int audited(String action, String kind) {
        return db.fetchCount(AUDIT_LOG, AUDIT_LOG.TENANT_ID.eq(tenantId).and(AUDIT_LOG.ACTION.eq(action))
                .and(AUDIT_LOG.RESOURCE_KIND.eq(kind)));
    }

    /** When {@code root} was retired; null while it is in the bundle. */
    public OffsetDateTime retiredAt(byte[] root) {
        return db.select(TRUST_ROOTS.RETIRED_AT).from(TRUST_ROOTS)
                .where(TRUST_ROOTS.TRUST_DOMAIN.eq(tenant + ".fedmesh.local").and(TRUST_ROOTS.SHA256.eq(root)))
                .fetchSingle().value1();
    }

    private byte[] fingerprint() {
        byte[] sha256 = new byte[32];
        UUID random = UUID.randomUUID();
        for (int i = 0; i < 8; i++) {
            sha256[i] = (byte) (random.getMostSignificantBits() >>> (8 * i));
            sha256[8 + i] = (byte) (random.getLeastSignificantBits() >>> (8 * i));
        }
        sha256[31] = (byte) ++next;
        return sha256;
    }
}
