package dev.fedmesh.distributor.trust;

import dev.fedmesh.api.v1.ClusterStatus;
import dev.fedmesh.api.v1.IntermediateRequest;
import dev.fedmesh.db.jooq.tables.records.ClustersRecord;
import dev.fedmesh.db.jooq.tables.records.IntermediatesRecord;
import dev.fedmesh.distributor.FirstSightings;
import dev.fedmesh.distributor.state.TenantRevisions;
import dev.fedmesh.trust.issuance.IntermediateIssuer;
import dev.fedmesh.trust.issuance.IntermediateOwner;
import dev.fedmesh.trust.issuance.IntermediateRefusedException;
import dev.fedmesh.trust.issuance.IntermediateRequestCheck;
import dev.fedmesh.trust.issuance.IntermediateTerms;
import dev.fedmesh.trust.issuance.IssuedIntermediate;
import dev.fedmesh.trust.issuance.Refusal;
import dev.fedmesh.trust.spiffe.TrustDomain;
import dev.fedmesh.trust.x509.CertificateRequest;
import dev.fedmesh.trust.x509.Pem;
import org.jooq.DSLContext;
import org.jooq.impl.DSL;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.HexFormat;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;

import static dev.fedmesh.db.jooq.Tables.AUDIT_LOG;
import static dev.fedmesh.db.jooq.Tables.CLUSTERS;
import static dev.fedmesh.db.jooq.Tables.INTERMEDIATES;
import static dev.fedmesh.db.jooq.Tables.TENANTS;

/**
 * Answers the intermediate request an agent puts in its status reports: checks its proof (the
 * cluster's bootstrap credential, or a current intermediate of the cluster for a renewal) and its
 * CSR, then has {@link IntermediateIssuer} issue once per key. A new intermediate bumps the
 * tenant's revision, queues an outbox row and writes an audit entry in the transaction that stores
 * it, so the cluster's next desired config carries it. A request for a key already issued changes
 * nothing (the config carries it already); a refusal is audited and logged once per key and reason.
 */
public final class IntermediateRequests implements IntermediateRequestHandler {

    private static final Logger LOG = LoggerFactory.getLogger(IntermediateRequests.class);

    private final DSLContext dsl;
    private final TrustRoots roots;
    private final IntermediateTerms terms;
    private final Duration bootstrapLifetime;
    private final Clock clock;
    private final AuditLogRefusals audit;
    // An agent repeats its request in every heartbeat: one refusal is audited once, not every few seconds.
    private final FirstSightings refused = new FirstSightings(10_000);
    private final UnstoredCaResults<String, IssuedIntermediate> signedNotStored = new UnstoredCaResults<>();

    /** @param roots the trust domains' roots: the one that signs, and the CA that signs under it */
    public IntermediateRequests(DSLContext dsl, TrustRoots roots, IntermediateTerms terms, Duration bootstrapLifetime,
                                Clock clock) {
        this.dsl = Objects.requireNonNull(dsl, "dsl");
        this.roots = Objects.requireNonNull(roots, "roots");
        this.terms = Objects.requireNonNull(terms, "terms");
        this.bootstrapLifetime = Objects.requireNonNull(bootstrapLifetime, "bootstrapLifetime");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.audit = new AuditLogRefusals(dsl);
    }

    /** What became of one request. */
    public enum Outcome { NONE, ISSUED, ALREADY_ISSUED, REFUSED }

    @Override
    public void answer(String tenant, ClusterStatus report) {
        if (!report.hasIntermediateRequest()) {
            return;
        }
        try {
            handle(tenant, report);
        } catch (RuntimeException e) {
            LOG.warn("tenant={} cluster={} answering the intermediate request failed ({}); it is answered when the agent"
                    + " repeats it in its next report", tenant, report.getCluster(), e.toString());
        }
    }

    /** Handles the report's intermediate request, if it carries one; {@code tenant} is the topic's tenant. */
    public Outcome handle(String tenant, ClusterStatus report) {
        if (!report.hasIntermediateRequest()) {
            return Outcome.NONE;
        }
        IntermediateRequest request = report.getIntermediateRequest();
        String cluster = report.getCluster();
        var tenantRow = dsl.select(TENANTS.ID, TENANTS.TRUST_DOMAIN).from(TENANTS).where(TENANTS.NAME.eq(tenant)).fetchOne();
        if (tenantRow == null) {
            return Outcome.NONE;
        }
        IntermediateOwner owner = new IntermediateOwner(tenantRow.value1(), cluster, TrustDomain.of(tenantRow.value2()));
        CertificateRequest csr;
        try {
            csr = CertificateRequest.fromDer(request.getCsrDer().toByteArray());
        } catch (RuntimeException e) {
            return refuse(tenant, owner, "", new ProofRefusal(ProofRefusal.Code.REQUEST_MALFORMED,
                    "csr_der is not a PKCS#10 certificate request in DER (" + e.getMessage() + "): send the CSR's DER bytes"));
        }
        byte[] keySha256 = csr.publicKeySha256();
        String keyHex = HexFormat.of().formatHex(keySha256);
        IntermediatesRecord existing = dsl.selectFrom(INTERMEDIATES)
                .where(INTERMEDIATES.PUBLIC_KEY_SHA256.eq(keySha256)).fetchOne();
        if (existing != null && existing.getTenantId().equals(owner.tenantId()) && existing.getCluster().equals(cluster)
                && clock.instant().isBefore(existing.getNotAfter().toInstant())) {
            return Outcome.ALREADY_ISSUED;
        }
        byte[] proofBytes = RequestProof.bytes(tenant, cluster, request.getRequestedAt().getSeconds(),
                request.getCsrDer().toByteArray());
        Optional<ProofRefusal> proofProblem = proofProblem(tenant, owner, request, proofBytes);
        if (proofProblem.isPresent()) {
            return refuse(tenant, owner, keyHex, proofProblem.get());
        }
        // The issuer checks the CSR again and audits what it refuses; checking first here lets a
        // repeated bad request be audited once rather than at every heartbeat.
        Optional<Refusal> csrProblem = IntermediateRequestCheck.problem(owner.trustDomain(), csr)
                .or(() -> existing == null ? Optional.empty() : Optional.of(existingKeyRefusal(existing, owner)));
        if (csrProblem.isPresent()) {
            if (refused.firstTime(tenant, cluster, keyHex, csrProblem.get().code().name())) {
                audit.refused(owner, keyHex, csrProblem.get());
                LOG.warn("tenant={} cluster={} intermediate refused ({}), key sha256 {}: {}", tenant, cluster,
                        csrProblem.get().code(), keyHex, csrProblem.get().reason());
            }
            return Outcome.REFUSED;
        }
        boolean byCredential = request.hasCredentialProof();
        IntermediateIssuer issuer = new IntermediateIssuer(roots.ca(),
                new PostgresIssuedIntermediates(dsl, signedNotStored,
                        (tx, issued) -> recordIssued(tx, tenant, issued, byCredential)),
                audit, terms, clock);
        // Under the root that signs now: during a root rotation, the new one once clusters have it in their bundles.
        String signingRoot = HexFormat.of().formatHex(roots.bundle(dsl, owner.trustDomain()).signingRootSha256().toByteArray());
        try {
            issuer.issue(owner, csr, Optional.of(signingRoot));
            return Outcome.ISSUED;
        } catch (IntermediateRefusedException e) {
            refused.firstTime(tenant, cluster, keyHex, e.refusal().code().name());
            return Outcome.REFUSED;
        }
    }

    private Optional<ProofRefusal> proofProblem(String tenant, IntermediateOwner owner, IntermediateRequest request,
                                                byte[] proofBytes) {
        ClustersRecord cluster = dsl.selectFrom(CLUSTERS)
                .where(CLUSTERS.TENANT_ID.eq(owner.tenantId()))
                .and(CLUSTERS.NAME.eq(owner.cluster()))
                .fetchOne();
        if (cluster == null) {
            return refusal(ProofRefusal.Code.CLUSTER_UNKNOWN, "the tenant has no cluster '" + owner.cluster()
                    + "' (deleted or never registered): register it and give its agent the new bootstrap credential");
        }
        return switch (request.getProofCase()) {
            case CREDENTIAL_PROOF -> credentialProblem(tenant, cluster, request.getCredentialProof().toByteArray(), proofBytes);
            case RENEWAL_PROOF -> renewalProblem(owner, request, proofBytes);
            case PROOF_NOT_SET -> refusal(ProofRefusal.Code.REQUEST_MALFORMED, "the request carries no proof: sign it"
                    + " with the bootstrap credential (credential_proof) or the current intermediate key (renewal_proof)");
        };
    }

    private Optional<ProofRefusal> credentialProblem(String tenant, ClustersRecord cluster, byte[] hmac, byte[] proofBytes) {
        byte[] stored = cluster.getBootstrapSecretSha256();
        if (stored == null || !RequestProof.credentialMatches(stored, proofBytes, hmac)) {
            return refusal(ProofRefusal.Code.CREDENTIAL_INVALID, "the proof does not match the cluster's bootstrap"
                    + " credential (wrong, re-issued or revoked): re-issue it with POST /api/v1/tenants/" + tenant
                    + "/clusters/" + cluster.getName() + "/bootstrap-credential and give the agent the new one");
        }
        OffsetDateTime issuedAt = cluster.getBootstrapIssuedAt();
        if (cluster.getBootstrapUsedAt() == null && issuedAt != null
                && !clock.instant().isBefore(issuedAt.toInstant().plus(bootstrapLifetime))) {
            return refusal(ProofRefusal.Code.CREDENTIAL_EXPIRED, "the bootstrap credential was issued at "
                    + issuedAt.toInstant() + " and not used within " + bootstrapLifetime
                    + " (fedmesh.trust.bootstrap-credential-lifetime): re-issue it with POST /api/v1/tenants/"
                    + tenant + "/clusters/" + cluster.getName() + "/bootstrap-credential");
        }
        return Optional.empty();
    }

    private Optional<ProofRefusal> renewalProblem(IntermediateOwner owner, IntermediateRequest request, byte[] proofBytes) {
        byte[] signer = request.getRenewalProof().getPublicKeySha256().toByteArray();
        IntermediatesRecord current = dsl.selectFrom(INTERMEDIATES)
                .where(INTERMEDIATES.PUBLIC_KEY_SHA256.eq(signer))
                .and(INTERMEDIATES.TENANT_ID.eq(owner.tenantId()))
                .and(INTERMEDIATES.CLUSTER.eq(owner.cluster()))
                .fetchOne();
        if (current == null || !clock.instant().isBefore(current.getNotAfter().toInstant())) {
            return refusal(ProofRefusal.Code.RENEWAL_KEY_UNKNOWN, "the renewal is signed by key sha256 "
                    + HexFormat.of().formatHex(signer) + ", which is not a current intermediate of this cluster: sign"
                    + " with the key of the cluster's unexpired intermediate, or ask with the bootstrap credential");
        }
        var key = Pem.certificates(current.getChainPem()).get(0).getPublicKey();
        if (!RequestProof.signatureVerifies(key, proofBytes, request.getRenewalProof().getSignature().toByteArray())) {
            return refusal(ProofRefusal.Code.RENEWAL_SIGNATURE_INVALID, "the renewal's signature does not verify with"
                    + " the intermediate key it names: sign the proof bytes (see cluster_status.proto) with that key,"
                    + " SHA256withECDSA or SHA256withRSA");
        }
        return Optional.empty();
    }

    /** Why a key that already has an intermediate, not this cluster's current one, is refused. */
    private Refusal existingKeyRefusal(IntermediatesRecord existing, IntermediateOwner owner) {
        if (!existing.getTenantId().equals(owner.tenantId()) || !existing.getCluster().equals(owner.cluster())) {
            return new Refusal(Refusal.Code.KEY_HELD_BY_ANOTHER_CLUSTER, "this key already has an intermediate issued to"
                    + " another cluster or tenant: every cluster must generate its own intermediate key");
        }
        return new Refusal(Refusal.Code.KEY_EXPIRED, "the intermediate issued for this key expired at "
                + existing.getNotAfter().toInstant() + ": generate a new intermediate key and send its CSR");
    }

    private Outcome refuse(String tenant, IntermediateOwner owner, String keyHex, ProofRefusal refusal) {
        if (refused.firstTime(tenant, owner.cluster(), keyHex, refusal.code().name())) {
            audit.refused(owner, keyHex, refusal);
            LOG.warn("tenant={} cluster={} intermediate refused ({}), key sha256 {}: {}", tenant, owner.cluster(),
                    refusal.code(), keyHex.isEmpty() ? "unknown" : keyHex, refusal.reason());
        }
        return Outcome.REFUSED;
    }

    private static Optional<ProofRefusal> refusal(ProofRefusal.Code code, String reason) {
        return Optional.of(new ProofRefusal(code, reason));
    }

    /**
     * What a new intermediate changes, as a tenant change through the API would: the tenant's
     * revision, an outbox row, an audit entry (no secrets: the key's hash and the expiry), and the
     * bootstrap credential marked used when it was the proof.
     */
    private static void recordIssued(DSLContext tx, String tenant, IssuedIntermediate issued, boolean byCredential) {
        UUID tenantId = issued.owner().tenantId();
        long revision = TenantRevisions.bump(tx, tenantId);
        Instant notAfter = issued.signed().certificate().getNotAfter().toInstant();
        tx.insertInto(AUDIT_LOG)
                .set(AUDIT_LOG.TENANT_ID, tenantId)
                .set(AUDIT_LOG.REVISION, revision)
                .set(AUDIT_LOG.ACTOR, "cluster:" + issued.owner().cluster())
                .set(AUDIT_LOG.ACTION, "create")
                .set(AUDIT_LOG.RESOURCE_KIND, AuditLogRefusals.RESOURCE_KIND)
                .set(AUDIT_LOG.RESOURCE_NAME, issued.owner().cluster())
                .set(AUDIT_LOG.AFTER, DSL.jsonbObject(
                        DSL.key("trustDomain").value(issued.owner().trustDomain().name()),
                        DSL.key("publicKeySha256").value(issued.publicKeySha256Hex()),
                        DSL.key("notAfter").value(notAfter.toString()),
                        DSL.key("proof").value(byCredential ? "bootstrap-credential" : "renewal")))
                .execute();
        if (byCredential) {
            tx.update(CLUSTERS)
                    .set(CLUSTERS.BOOTSTRAP_USED_AT, OffsetDateTime.now())
                    .where(CLUSTERS.TENANT_ID.eq(tenantId))
                    .and(CLUSTERS.NAME.eq(issued.owner().cluster()))
                    .and(CLUSTERS.BOOTSTRAP_USED_AT.isNull())
                    .execute();
        }
        LOG.info("tenant={} cluster={} intermediate issued at revision {}: key sha256 {}, valid until {}", tenant,
                issued.owner().cluster(), revision, issued.publicKeySha256Hex(), notAfter);
    }
}
