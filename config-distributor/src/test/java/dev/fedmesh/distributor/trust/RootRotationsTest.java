package dev.fedmesh.distributor.trust;

import com.google.protobuf.ByteString;
import com.google.protobuf.Timestamp;
import dev.fedmesh.api.v1.ClusterIntermediate;
import dev.fedmesh.api.v1.ClusterStatus;
import dev.fedmesh.api.v1.DesiredConfig;
import dev.fedmesh.api.v1.IntermediateRequest;
import dev.fedmesh.db.Migrations;
import dev.fedmesh.db.jooq.tables.records.RootRotationsRecord;
import dev.fedmesh.distributor.outbox.OutboxRelay;
import dev.fedmesh.distributor.publish.DesiredConfigPublisher;
import dev.fedmesh.distributor.state.TenantStateReader;
import dev.fedmesh.distributor.status.ClusterStatusStore;
import dev.fedmesh.testing.TestDatabase;
import dev.fedmesh.testing.TestKafka;
import dev.fedmesh.testing.TestPostgres;
import dev.fedmesh.trust.ca.BuiltInCertificateAuthority;
import dev.fedmesh.trust.issuance.IntermediateTerms;
import dev.fedmesh.trust.signing.ConfigSigningKey;
import dev.fedmesh.trust.spiffe.TrustDomain;
import dev.fedmesh.trust.x509.CertificateFingerprint;
import dev.fedmesh.trust.x509.CertificateRequest;
import dev.fedmesh.trust.x509.KeyType;
import dev.fedmesh.trust.x509.Pem;
import org.jooq.DSLContext;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static dev.fedmesh.db.jooq.Tables.AUDIT_LOG;
import static dev.fedmesh.db.jooq.Tables.CLUSTERS;
import static dev.fedmesh.db.jooq.Tables.INTERMEDIATES;
import static dev.fedmesh.db.jooq.Tables.OUTBOX;
import static dev.fedmesh.db.jooq.Tables.ROOT_ROTATIONS;
import static dev.fedmesh.db.jooq.Tables.ROOT_ROTATION_SKIPS;
import static dev.fedmesh.db.jooq.Tables.TENANTS;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A root rotation driven through its stages on real PostgreSQL, with configs published to a real
 * Kafka broker: each stage waits for every reporting cluster, and the configs carry each stage's
 * bundle and signing root. Agents' reports are stored as the status ingester stores them.
 */
class RootRotationsTest {
    private static final String TENANT = "acme";
    private static final TrustDomain TRUST_DOMAIN = TrustDomain.of("acme.example.com");

    private DSLContext db;
    private String topicPrefix;
    private UUID tenantId;
    private Path caDirectory;
    private BuiltInCertificateAuthority ca;
    private TrustRoots roots;
    private DesiredConfigPublisher publisher;
    private OutboxRelay relay;
    private IntermediateRequests requests;
    private final Map<String, String> credentials = new HashMap<>();
    private final Map<String, KeyPair> intermediateKeys = new HashMap<>();
    private long heartbeat;

    @BeforeEach
    void start() throws Exception {
        TestDatabase database = TestPostgres.newDatabase(getClass());
        Migrations.apply(database.dataSource());
        db = DSL.using(database.dataSource(), SQLDialect.POSTGRES);
        topicPrefix = TestKafka.topicPrefix(getClass()) + UUID.randomUUID().toString().substring(0, 8) + ".";
        tenantId = UUID.randomUUID();
        db.insertInto(TENANTS).set(TENANTS.ID, tenantId).set(TENANTS.NAME, TENANT)
                .set(TENANTS.TRUST_DOMAIN, TRUST_DOMAIN.name()).set(TENANTS.REVISION, 1L).execute();
        for (String cluster : List.of("east", "west", "never-connected")) {
            credentials.put(cluster, "fmb_" + cluster + "-" + UUID.randomUUID());
            db.insertInto(CLUSTERS).set(CLUSTERS.TENANT_ID, tenantId).set(CLUSTERS.NAME, cluster)
                    .set(CLUSTERS.RESOURCE_VERSION, 1L)
                    .set(CLUSTERS.BOOTSTRAP_SECRET_SHA256, AgentRequests.sha256(credentials.get(cluster)))
                    .set(CLUSTERS.BOOTSTRAP_ISSUED_AT, OffsetDateTime.now())
                    .execute();
        }
        db.insertInto(OUTBOX).set(OUTBOX.TENANT_ID, tenantId).set(OUTBOX.REVISION, 1L).execute();
        caDirectory = Files.createTempDirectory("fedmesh-ca");
        ca = BuiltInCertificateAuthority.open(caDirectory, Clock.systemUTC());
        roots = new TrustRoots(ca, new TrustRootRecords(db));
        publisher = new DesiredConfigPublisher(TestKafka.broker().bootstrapServers(), topicPrefix, 2, (short) 1,
                ConfigSigningKey.generate());
        relay = new OutboxRelay(db, database.jdbcUrl(), database.username(), database.password(), publisher,
                Duration.ofSeconds(1), new TenantStateReader(roots));
        requests = new IntermediateRequests(db, roots, IntermediateTerms.DEFAULT, Duration.ofDays(7), Clock.systemUTC());
        relay.publishPending();
        for (String cluster : List.of("east", "west")) {
            KeyPair keys = KeyType.EC_P256.generate();
            intermediateKeys.put(cluster, keys);
            requests.handle(TENANT, withRequest(cluster, AgentRequests.credentialRequest(TENANT, cluster, csr(keys),
                    credentials.get(cluster))));
        }
        relay.publishPending();
    }

    @AfterEach
    void stop() {
        publisher.close();
    }

    @Test
    void aRotationMovesOnOnlyWhenEveryReportingClusterHasEachStageAndEndsWithOnlyTheNewRoot() throws Exception {
        X509Certificate oldRoot = ca.roots(TRUST_DOMAIN).get(0);
        reportHolding("east", current(), oldRoot);
        reportHolding("west", current(), oldRoot);
        RootRotations rotations = new RootRotations(db, roots, Duration.ZERO);
        UUID id = startRotation();

        // requested -> bundle: the new root joins every bundle; the old one still signs.
        assertThat(rotations.advance()).isEqualTo(1);
        RootRotationsRecord bundle = rotation(id);
        assertThat(bundle.getStage()).isEqualTo("bundle");
        assertThat(bundle.getOldRootSha256()).isEqualTo(CertificateFingerprint.sha256(oldRoot));
        X509Certificate newRoot = ca.roots(TRUST_DOMAIN).stream()
                .filter(root -> !root.equals(oldRoot)).findFirst().orElseThrow();
        assertThat(bundle.getNewRootSha256()).isEqualTo(CertificateFingerprint.sha256(newRoot));
        relay.publishPending();
        DesiredConfig east = latestConfig("east");
        assertThat(east.getRevision()).isEqualTo(bundle.getStageRevision());
        assertThat(east.getTrust().getRootCertificatesPemList()).containsExactly(Pem.write(oldRoot), Pem.write(newRoot));
        assertThat(east.getTrust().getSigningRootSha256().toByteArray()).isEqualTo(CertificateFingerprint.sha256(oldRoot));

        // Only east has it: nothing moves; then west too (the never-connected cluster is not waited for).
        reportHolding("east", bundle.getStageRevision(), oldRoot);
        assertThat(rotations.advance()).isZero();
        assertThat(RootRotations.waitingFor(db, rotation(id))).containsExactly("west");
        reportHolding("west", bundle.getStageRevision(), oldRoot);
        assertThat(rotations.advance()).isEqualTo(1);

        // bundle -> reissue: the new root signs, and the configs say so.
        RootRotationsRecord reissue = rotation(id);
        assertThat(reissue.getStage()).isEqualTo("reissue");
        relay.publishPending();
        assertThat(latestConfig("west").getTrust().getSigningRootSha256().toByteArray())
                .isEqualTo(CertificateFingerprint.sha256(newRoot));
        reportHolding("east", reissue.getStageRevision(), oldRoot);
        reportHolding("west", reissue.getStageRevision(), oldRoot);
        assertThat(rotations.advance()).as("SVIDs still chain to the old root").isZero();

        // A renewal now is signed under the new root, and its row says so.
        KeyPair next = KeyType.EC_P256.generate();
        assertThat(requests.handle(TENANT, withRequest("east", AgentRequests.renewalRequest(TENANT, "east", csr(next),
                intermediateKeys.get("east"))))).isEqualTo(IntermediateRequests.Outcome.ISSUED);
        byte[] nextKey = AgentRequests.publicKeySha256(next);
        assertThat(db.select(INTERMEDIATES.ROOT_SHA256).from(INTERMEDIATES)
                .where(INTERMEDIATES.PUBLIC_KEY_SHA256.eq(nextKey)).fetchSingle().value1())
                .isEqualTo(CertificateFingerprint.sha256(newRoot));
        relay.publishPending();
        ClusterIntermediate renewed = latestConfig("east").getIntermediatesList().stream()
                .filter(intermediate -> intermediate.getPublicKeySha256().equals(ByteString.copyFrom(nextKey)))
                .findFirst().orElseThrow();
        Pem.certificates(renewed.getChainPem()).get(0).verify(newRoot.getPublicKey());

        reportHolding("east", current(), newRoot);
        reportReissuing("west", current());
        assertThat(rotations.advance()).as("west holds an intermediate but has not re-issued its SVIDs").isZero();
        assertThat(RootRotations.waitingFor(db, rotation(id))).containsExactly("west");
        reportHolding("west", current(), newRoot);
        assertThat(rotations.advance()).isEqualTo(1);

        // reissue -> retire: the old root leaves every bundle.
        RootRotationsRecord retire = rotation(id);
        assertThat(retire.getStage()).isEqualTo("retire");
        relay.publishPending();
        assertThat(latestConfig("east").getTrust().getRootCertificatesPemList()).containsExactly(Pem.write(newRoot));
        assertThat(rotations.advance()).isZero();
        reportHolding("east", retire.getStageRevision(), newRoot);
        reportHolding("west", retire.getStageRevision(), newRoot);
        assertThat(rotations.advance()).isEqualTo(1);

        RootRotationsRecord done = rotation(id);
        assertThat(done.getStage()).isEqualTo("done");
        assertThat(done.getFinishedAt()).isNotNull();
        assertThat(db.select(DSL.field("after->>'stage'", String.class)).from(AUDIT_LOG)
                .where(AUDIT_LOG.RESOURCE_KIND.eq(RootRotations.RESOURCE_KIND)).and(AUDIT_LOG.RESOURCE_NAME.eq(id.toString()))
                .orderBy(AUDIT_LOG.ID).fetch(row -> row.value1()))
                .containsExactly("bundle", "reissue", "retire", "done");
    }

    @Test
    void aSkippedClusterNoLongerHoldsTheRotationAndCatchesUpUnderTheNewRootWhenItReturns() throws Exception {
        X509Certificate oldRoot = ca.roots(TRUST_DOMAIN).get(0);
        reportHolding("east", current(), oldRoot);
        reportHolding("west", current(), oldRoot);
        RootRotations rotations = new RootRotations(db, roots, Duration.ZERO);
        UUID id = startRotation();
        rotations.advance();
        X509Certificate newRoot = ca.roots(TRUST_DOMAIN).stream()
                .filter(root -> !root.equals(oldRoot)).findFirst().orElseThrow();

        // west goes dark while the bundle stage waits for it; an owner skips it (as control-api writes it).
        reportHolding("east", rotation(id).getStageRevision(), oldRoot);
        assertThat(rotations.advance()).isZero();
        assertThat(RootRotations.waitingFor(db, rotation(id))).containsExactly("west");
        db.insertInto(ROOT_ROTATION_SKIPS).set(ROOT_ROTATION_SKIPS.ROTATION_ID, id)
                .set(ROOT_ROTATION_SKIPS.TENANT_ID, tenantId).set(ROOT_ROTATION_SKIPS.CLUSTER, "west")
                .set(ROOT_ROTATION_SKIPS.SKIPPED_BY, "token:boss/1").execute();
        assertThat(RootRotations.waitingFor(db, rotation(id))).isEmpty();

        // The rotation runs to its end with east alone.
        assertThat(rotations.advance()).isEqualTo(1);
        assertThat(rotation(id).getStage()).isEqualTo("reissue");
        KeyPair eastNext = KeyType.EC_P256.generate();
        requests.handle(TENANT, withRequest("east", AgentRequests.renewalRequest(TENANT, "east", csr(eastNext),
                intermediateKeys.get("east"))));
        reportHolding("east", current(), newRoot);
        assertThat(rotations.advance()).isEqualTo(1);
        reportHolding("east", rotation(id).getStageRevision(), newRoot);
        assertThat(rotations.advance()).isEqualTo(1);
        assertThat(rotation(id).getStage()).isEqualTo("done");

        // west returns: its next config carries only the new root, which signs; its agent, whose
        // intermediate chains to the old root, renews with that intermediate's key and gets one under the new root.
        relay.publishPending();
        DesiredConfig west = latestConfig("west");
        assertThat(west.getTrust().getRootCertificatesPemList()).containsExactly(Pem.write(newRoot));
        assertThat(west.getTrust().getSigningRootSha256().toByteArray()).isEqualTo(CertificateFingerprint.sha256(newRoot));
        KeyPair westNext = KeyType.EC_P256.generate();
        assertThat(requests.handle(TENANT, withRequest("west", AgentRequests.renewalRequest(TENANT, "west", csr(westNext),
                intermediateKeys.get("west"))))).isEqualTo(IntermediateRequests.Outcome.ISSUED);
        relay.publishPending();
        byte[] westKey = AgentRequests.publicKeySha256(westNext);
        ClusterIntermediate renewed = latestConfig("west").getIntermediatesList().stream()
                .filter(intermediate -> intermediate.getPublicKeySha256().equals(ByteString.copyFrom(westKey)))
                .findFirst().orElseThrow();
        Pem.certificates(renewed.getChainPem()).get(0).verify(newRoot.getPublicKey());
    }

    @Test
    void aStageReportedByEveryClusterWaitsOutTheSettleTimeBeforeTheNext() {
        X509Certificate oldRoot = ca.roots(TRUST_DOMAIN).get(0);
        RootRotations rotations = new RootRotations(db, roots, Duration.ofHours(1));
        UUID id = startRotation();
        rotations.advance();
        long stageRevision = rotation(id).getStageRevision();

        reportHolding("east", stageRevision, oldRoot);
        reportHolding("west", stageRevision, oldRoot);

        assertThat(rotations.advance()).isZero();
        assertThat(rotation(id).getStage()).isEqualTo("bundle");
        assertThat(rotation(id).getStageReported()).isNotNull();
    }

    @Test
    void aRotationWhoseNewRootTheCaCannotMakeFailsWithTheReasonAndChangesNoBundle() throws Exception {
        // The CA's directory for the trust domain is taken by a plain file: no new root can be written there.
        Path domainDirectory = caDirectory.resolve(TRUST_DOMAIN.name());
        try (var files = Files.list(domainDirectory)) {
            for (Path file : files.toList()) {
                Files.delete(file);
            }
        }
        Files.delete(domainDirectory);
        Files.writeString(domainDirectory, "not a directory");
        long before = revision();
        UUID id = startRotation();

        assertThat(new RootRotations(db, roots, Duration.ZERO).advance()).isEqualTo(1);

        RootRotationsRecord failed = rotation(id);
        assertThat(failed.getStage()).isEqualTo("failed");
        assertThat(failed.getError()).contains("could not make a new root").contains("start a new rotation");
        assertThat(failed.getFinishedAt()).isNotNull();
        assertThat(revision()).isEqualTo(before);
        assertThat(roots.bundle(db, TRUST_DOMAIN).rootsPem()).hasSize(1);
    }

    private UUID startRotation() {
        return db.insertInto(ROOT_ROTATIONS).set(ROOT_ROTATIONS.TENANT_ID, tenantId)
                .set(ROOT_ROTATIONS.REQUESTED_BY, "admin").returning(ROOT_ROTATIONS.ID).fetchSingle().getId();
    }

    private RootRotationsRecord rotation(UUID id) {
        return db.selectFrom(ROOT_ROTATIONS).where(ROOT_ROTATIONS.ID.eq(id)).fetchSingle();
    }

    private long current() {
        return revision();
    }

    /** Stores what an agent would report: {@code revision} applied, an intermediate, its SVIDs under {@code root}. */
    private void reportHolding(String cluster, long revision, X509Certificate root) {
        store(report(cluster, revision).setSvidRootSha256(ByteString.copyFrom(CertificateFingerprint.sha256(root))));
    }

    /** As an agent reports between taking a new intermediate and having re-issued every SVID from it. */
    private void reportReissuing(String cluster, long revision) {
        store(report(cluster, revision));
    }

    private ClusterStatus.Builder report(String cluster, long revision) {
        Instant now = Instant.now();
        return ClusterStatus.newBuilder()
                .setTenant(TENANT)
                .setCluster(cluster)
                .setAppliedRevision(revision)
                .setReportedAt(Timestamp.newBuilder().setSeconds(now.getEpochSecond()).setNanos(now.getNano()))
                .setHeartbeatSequence(++heartbeat)
                .setIntermediateNotAfter(Timestamp.newBuilder().setSeconds(now.plus(Duration.ofDays(30)).getEpochSecond()));
    }

    private void store(ClusterStatus.Builder report) {
        new ClusterStatusStore(db).storeAll(List.of(new ClusterStatusStore.TenantReport(tenantId, TENANT, report.build(),
                Instant.now(), ++heartbeat)));
    }

    private static ClusterStatus withRequest(String cluster, IntermediateRequest request) {
        return ClusterStatus.newBuilder().setTenant(TENANT).setCluster(cluster).setIntermediateRequest(request).build();
    }

    private static CertificateRequest csr(KeyPair keys) {
        return CertificateRequest.create(keys, "intermediate", List.of(TRUST_DOMAIN.id().toUri()), true);
    }

    private long revision() {
        return db.select(TENANTS.REVISION).from(TENANTS).where(TENANTS.ID.eq(tenantId)).fetchOne(TENANTS.REVISION);
    }

    private DesiredConfig latestConfig(String cluster) {
        return AgentRequests.latestConfig(topicPrefix, TENANT, cluster)
                .orElseThrow(() -> new AssertionError("no config for " + cluster + " on the desired topic"));
    }
}
