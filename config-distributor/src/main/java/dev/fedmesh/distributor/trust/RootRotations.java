package dev.fedmesh.distributor.trust;

import com.google.protobuf.ByteString;
import dev.fedmesh.db.jooq.tables.records.RootRotationsRecord;
import dev.fedmesh.distributor.state.TenantRevisions;
import dev.fedmesh.trust.spiffe.TrustDomain;
import dev.fedmesh.trust.x509.CertificateFingerprint;
import org.jooq.DSLContext;
import org.jooq.impl.DSL;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;

import static dev.fedmesh.db.jooq.Tables.AUDIT_LOG;
import static dev.fedmesh.db.jooq.Tables.ROOT_ROTATION_PROGRESS;
import static dev.fedmesh.db.jooq.Tables.ROOT_ROTATIONS;
import static dev.fedmesh.db.jooq.Tables.TENANTS;
import static dev.fedmesh.db.jooq.Tables.TRUST_ROOTS;

/**
 * Moves each tenant's root rotation (table {@code root_rotations}, started through the API) through
 * its stages, one step per call of {@link #advance()} for each open rotation:
 * <ol>
 *   <li>{@code requested}: the CA makes the new root; it joins the bundle (stage {@code bundle});</li>
 *   <li>{@code bundle}: once every cluster has that bundle applied, the new root signs new
 *       intermediates and the configs say so, so agents renew under it (stage {@code reissue});</li>
 *   <li>{@code reissue}: once every cluster reports its SVIDs chain to the new root, every other root
 *       leaves the bundle (stage {@code retire});</li>
 *   <li>{@code retire}: once every cluster has the smaller bundle applied, the rotation is {@code done}.</li>
 * </ol>
 * "Every cluster" means every cluster of the tenant whose agent has ever reported (one that never
 * did holds no identity, and gets the current bundle when it first connects) and that no owner told
 * the rotation to skip (table {@code root_rotation_skips}: a cluster that is down must not hold a
 * rotation forever). A skipped cluster still gets every config the stages produce; when its agent
 * returns it applies the newest, and renews its intermediate under the root that signs by then. Between two stages
 * the driver waits {@code settle} after every cluster reported, for workloads to load the files
 * their agent wrote. Each stage's change is a tenant revision of its own with an audit entry. A
 * rotation is held by one distributor at a time ({@code FOR UPDATE SKIP LOCKED}).
 *
 * <p><b>The CA makes one root per rotation.</b> A step runs at READ COMMITTED whatever the pool says,
 * so nothing after the CA's {@code createRoot} can fail because of a concurrent write (an API write
 * bumping the tenant's revision), as it would at REPEATABLE READ, leaving the new root an orphan in
 * the CA and the rotation to make another. If recording the root fails all the same (PostgreSQL going
 * away), the root is kept in memory ({@link UnstoredCaResults}) and this distributor's next step of
 * the rotation records it instead of having the CA make another.
 */
public final class RootRotations {

    /** The audit log's kind for rotations, as control-api writes it when one is started. */
    static final String RESOURCE_KIND = "RootRotation";
    private static final Logger LOG = LoggerFactory.getLogger(RootRotations.class);
    private static final List<String> OPEN = List.of("requested", "bundle", "reissue", "retire");

    private final DSLContext dsl;
    private final TrustRoots roots;
    private final Duration settle;
    private final UnstoredCaResults<UUID, X509Certificate> createdRoots = new UnstoredCaResults<>();

    public RootRotations(DSLContext dsl, TrustRoots roots, Duration settle) {
        this.dsl = Objects.requireNonNull(dsl, "dsl");
        this.roots = Objects.requireNonNull(roots, "roots");
        this.settle = Objects.requireNonNull(settle, "settle");
    }

    /** Takes one step for every open rotation that can take one; returns how many changed stage. */
    public int advance() {
        List<UUID> open = dsl.select(ROOT_ROTATIONS.ID).from(ROOT_ROTATIONS)
                .where(ROOT_ROTATIONS.STAGE.in(OPEN))
                .orderBy(ROOT_ROTATIONS.REQUESTED_AT)
                .fetch(ROOT_ROTATIONS.ID);
        int moved = 0;
        for (UUID id : open) {
            try {
                boolean stepped = dsl.transactionResult(configuration -> {
                    DSLContext tx = configuration.dsl();
                    tx.execute("SET TRANSACTION ISOLATION LEVEL READ COMMITTED");
                    return step(tx, id);
                });
                createdRoots.stored(id);
                if (stepped) {
                    moved++;
                }
            } catch (RuntimeException e) {
                LOG.warn("root rotation {}: could not take its next step ({}); trying again at the next pass", id,
                        e.toString());
            }
        }
        return moved;
    }

    private boolean step(DSLContext tx, UUID id) {
        RootRotationsRecord rotation = tx.selectFrom(ROOT_ROTATIONS)
                .where(ROOT_ROTATIONS.ID.eq(id))
                .and(ROOT_ROTATIONS.STAGE.in(OPEN))
                .forUpdate().skipLocked()
                .fetchOne();
        if (rotation == null) {
            return false;
        }
        var tenant = tx.select(TENANTS.NAME, TENANTS.TRUST_DOMAIN).from(TENANTS)
                .where(TENANTS.ID.eq(rotation.getTenantId())).fetchSingle();
        TrustDomain trustDomain = TrustDomain.of(tenant.value2());
        OffsetDateTime now = tx.select(DSL.currentOffsetDateTime()).fetchSingle().value1();
        return switch (rotation.getStage()) {
            case "requested" -> addNewRoot(tx, rotation, tenant.value1(), trustDomain, now);
            case "bundle" -> settled(tx, rotation, now)
                    && moveOn(tx, rotation, tenant.value1(), "reissue", now, () -> tx.update(TRUST_ROOTS)
                            .set(TRUST_ROOTS.SIGNING_SINCE, now)
                            .where(TRUST_ROOTS.TRUST_DOMAIN.eq(trustDomain.name()))
                            .and(TRUST_ROOTS.SHA256.eq(rotation.getNewRootSha256()))
                            .execute());
            case "reissue" -> settled(tx, rotation, now)
                    && moveOn(tx, rotation, tenant.value1(), "retire", now, () -> tx.update(TRUST_ROOTS)
                            .set(TRUST_ROOTS.RETIRED_AT, now)
                            .where(TRUST_ROOTS.TRUST_DOMAIN.eq(trustDomain.name()))
                            .and(TRUST_ROOTS.RETIRED_AT.isNull())
                            .and(TRUST_ROOTS.SHA256.ne(rotation.getNewRootSha256()))
                            .execute());
            case "retire" -> settled(tx, rotation, now) && finish(tx, rotation, tenant.value1(), now);
            default -> false;
        };
    }

    /** Stage requested: the CA makes the new root, and every cluster's bundle gets it beside the old ones. */
    private boolean addNewRoot(DSLContext tx, RootRotationsRecord rotation, String tenant, TrustDomain trustDomain,
                               OffsetDateTime now) {
        ByteString old = roots.bundle(tx, trustDomain).signingRootSha256();
        X509Certificate created;
        try {
            Optional<X509Certificate> madeBefore = createdRoots.find(rotation.getId());
            created = madeBefore.isPresent() ? madeBefore.get()
                    : createdRoots.keep(rotation.getId(), roots.ca().createRoot(trustDomain));
        } catch (RuntimeException e) {
            rotation.setStage("failed");
            rotation.setError("the CA " + roots.ca() + " could not make a new root for " + trustDomain + ": "
                    + e.getMessage() + "; fix the CA and start a new rotation");
            rotation.setFinishedAt(now);
            rotation.store();
            audit(tx, rotation, tenant);
            LOG.error("tenant={} root rotation {} failed: {}", tenant, rotation.getId(), rotation.getError());
            return true;
        }
        TrustRootRecords.recordCreated(tx, trustDomain, created);
        rotation.setOldRootSha256(old.toByteArray());
        rotation.setNewRootSha256(CertificateFingerprint.sha256(created));
        enter(tx, rotation, tenant, "bundle", now);
        LOG.info("tenant={} root rotation {}: new root sha256 {} (valid until {}) added to every bundle at revision {}",
                tenant, rotation.getId(), hex(rotation.getNewRootSha256()), created.getNotAfter().toInstant(),
                rotation.getStageRevision());
        return true;
    }

    private boolean moveOn(DSLContext tx, RootRotationsRecord rotation, String tenant, String stage, OffsetDateTime now,
                           Runnable change) {
        change.run();
        enter(tx, rotation, tenant, stage, now);
        LOG.info("tenant={} root rotation {}: every cluster reported its stage applied; now {} at revision {}", tenant,
                rotation.getId(), stage, rotation.getStageRevision());
        return true;
    }

    private boolean finish(DSLContext tx, RootRotationsRecord rotation, String tenant, OffsetDateTime now) {
        rotation.setStage("done");
        rotation.setStageSince(now);
        rotation.setStageReported(null);
        rotation.setFinishedAt(now);
        rotation.store();
        audit(tx, rotation, tenant);
        LOG.info("tenant={} root rotation {} done: every cluster trusts only root sha256 {}", tenant, rotation.getId(),
                hex(rotation.getNewRootSha256()));
        return true;
    }

    /** Enters {@code stage} with a revision of its own carrying the stage's change to every cluster. */
    private static void enter(DSLContext tx, RootRotationsRecord rotation, String tenant, String stage,
                              OffsetDateTime now) {
        rotation.setStage(stage);
        rotation.setStageRevision(TenantRevisions.bump(tx, rotation.getTenantId()));
        rotation.setStageSince(now);
        rotation.setStageReported(null);
        rotation.store();
        audit(tx, rotation, tenant);
    }

    /**
     * True once no cluster is waited for at the current stage (every reporting cluster has its
     * revision applied, and in {@code reissue} reports its SVIDs under the new root) and
     * {@code settle} has passed since that was first seen.
     */
    private boolean settled(DSLContext tx, RootRotationsRecord rotation, OffsetDateTime now) {
        boolean applied = waitingFor(tx, rotation).isEmpty();
        if (!applied) {
            if (rotation.getStageReported() != null) {
                rotation.setStageReported(null);
                rotation.store();
            }
            return false;
        }
        if (rotation.getStageReported() == null) {
            rotation.setStageReported(now);
            rotation.store();
        }
        return !now.isBefore(rotation.getStageReported().plus(settle));
    }

    /** The clusters the rotation's current stage waits for, by the rule of view {@code root_rotation_progress}. */
    static List<String> waitingFor(DSLContext tx, RootRotationsRecord rotation) {
        return tx.select(ROOT_ROTATION_PROGRESS.CLUSTER).from(ROOT_ROTATION_PROGRESS)
                .where(ROOT_ROTATION_PROGRESS.ROTATION_ID.eq(rotation.getId()))
                .and(ROOT_ROTATION_PROGRESS.WAITED_FOR)
                .orderBy(ROOT_ROTATION_PROGRESS.CLUSTER)
                .fetch(ROOT_ROTATION_PROGRESS.CLUSTER);
    }

    private static void audit(DSLContext tx, RootRotationsRecord rotation, String tenant) {
        tx.insertInto(AUDIT_LOG)
                .set(AUDIT_LOG.TENANT_ID, rotation.getTenantId())
                .set(AUDIT_LOG.REVISION, DSL.select(TENANTS.REVISION).from(TENANTS).where(TENANTS.ID.eq(rotation.getTenantId())))
                .set(AUDIT_LOG.ACTOR, "control-plane")
                .set(AUDIT_LOG.ACTION, "update")
                .set(AUDIT_LOG.RESOURCE_KIND, RESOURCE_KIND)
                .set(AUDIT_LOG.RESOURCE_NAME, rotation.getId().toString())
                .set(AUDIT_LOG.AFTER, DSL.jsonbObject(
                        DSL.key("tenant").value(tenant),
                        DSL.key("stage").value(rotation.getStage()),
                        DSL.key("oldRootSha256").value(hex(rotation.getOldRootSha256())),
                        DSL.key("newRootSha256").value(hex(rotation.getNewRootSha256())),
                        DSL.key("stageRevision").value(rotation.getStageRevision()),
                        DSL.key("error").value(rotation.getError())))
                .execute();
    }

    private static String hex(byte[] sha256) {
        return sha256 == null ? null : HexFormat.of().formatHex(sha256);
    }
}
