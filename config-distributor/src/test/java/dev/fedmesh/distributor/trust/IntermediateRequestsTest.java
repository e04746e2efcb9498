package dev.fedmesh.distributor.trust;

import com.google.protobuf.ByteString;
import dev.fedmesh.api.v1.ClusterIntermediate;
import dev.fedmesh.api.v1.ClusterStatus;
import dev.fedmesh.api.v1.DesiredConfig;
import dev.fedmesh.api.v1.IntermediateRequest;
import dev.fedmesh.db.Migrations;
import dev.fedmesh.distributor.outbox.OutboxRelay;
import dev.fedmesh.distributor.publish.DesiredConfigPublisher;
import dev.fedmesh.distributor.state.TenantStateReader;
import dev.fedmesh.testing.TestDatabase;
import dev.fedmesh.testing.TestKafka;
import dev.fedmesh.testing.TestPostgres;
import dev.fedmesh.trust.ca.BuiltInCertificateAuthority;
import dev.fedmesh.trust.ca.CertificateAuthority;
import dev.fedmesh.trust.issuance.IntermediateTerms;
import dev.fedmesh.trust.signing.ConfigSigningKey;
import dev.fedmesh.trust.spiffe.TrustDomain;
import dev.fedmesh.trust.x509.CertificateRequest;
import dev.fedmesh.trust.x509.KeyType;
import dev.fedmesh.trust.x509.Pem;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.ExtensionsGenerator;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;
import org.jooq.DSLContext;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.net.URI;
import java.nio.file.Files;
import java.security.KeyPair;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import static dev.fedmesh.db.jooq.Tables.AUDIT_LOG;
import static dev.fedmesh.db.jooq.Tables.CLUSTERS;
import static dev.fedmesh.db.jooq.Tables.INTERMEDIATES;
import static dev.fedmesh.db.jooq.Tables.OUTBOX;
import static dev.fedmesh.db.jooq.Tables.TENANTS;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Agents' intermediate requests on real PostgreSQL and Kafka: a request proved by the bootstrap
 * credential or the current intermediate gets the cluster its certificate in its next desired
 * config; a request that cannot prove it speaks for its cluster, or asks for the wrong thing, is
 * refused with one audit entry and nothing issued.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class IntermediateRequestsTest {
    private static final String TENANT = "acme";
    private static final TrustDomain TRUST_DOMAIN = TrustDomain.of("acme.fedmesh.local");

    private TestDatabase database;
    private DSLContext db;
    private UUID tenantId;
    private String topicPrefix;
    private CertificateAuthority ca;
    private DesiredConfigPublisher publisher;
    private OutboxRelay relay;
    private IntermediateRequests requests;
    private final Map<String, String> credentials = new HashMap<>();

    @BeforeAll
    void start() throws Exception {
        database = TestPostgres.newDatabase(getClass());
        Migrations.apply(database.dataSource());
        db = DSL.using(database.dataSource(), SQLDialect.POSTGRES);
        topicPrefix = TestKafka.topicPrefix(getClass());
        tenantId = UUID.randomUUID();
        db.insertInto(TENANTS).set(TENANTS.ID, tenantId).set(TENANTS.NAME, TENANT).set(TENANTS.REVISION, 1L).execute();
        for (String cluster : List.of("east", "west", "north", "south", "renewing")) {
            credentials.put(cluster, "fmb_" + cluster + "-" + UUID.randomUUID());
            db.insertInto(CLUSTERS).set(CLUSTERS.TENANT_ID, tenantId).set(CLUSTERS.NAME, cluster)
                    .set(CLUSTERS.RESOURCE_VERSION, 1L)
                    .set(CLUSTERS.BOOTSTRAP_SECRET_SHA256, AgentRequests.sha256(credentials.get(cluster)))
                    .set(CLUSTERS.BOOTSTRAP_ISSUED_AT, OffsetDateTime.now())
                    .execute();
        }
        db.insertInto(OUTBOX).set(OUTBOX.TENANT_ID, tenantId).set(OUTBOX.REVISION, 1L).execute();
        ca = BuiltInCertificateAuthority.open(Files.createTempDirectory("fedmesh-ca"), Clock.systemUTC());
        publisher = new DesiredConfigPublisher(TestKafka.broker().bootstrapServers(), topicPrefix, 2, (short) 1,
                ConfigSigningKey.generate());
        TrustRoots roots = new TrustRoots(ca, new TrustRootRecords(db));
        relay = new OutboxRelay(db, database.jdbcUrl(), database.username(), database.password(), publisher,
                Duration.ofSeconds(1), new TenantStateReader(roots));
        requests = new IntermediateRequests(db, roots, IntermediateTerms.DEFAULT, Duration.ofDays(7), Clock.systemUTC());
    }

    @AfterAll
    void stop() {
        publisher.close();
    }

    @Test
    void aRequestProvedByTheBootstrapCredentialGetsAnIntermediateIntoTheClustersNextConfig() throws Exception {
        KeyPair keys = KeyType.EC_P256.generate();
        long before = revision();

        assertThat(requests.handle(TENANT, report("east", credentialRequest("east", intermediateCsr(keys)))))
                .isEqualTo(IntermediateRequests.Outcome.ISSUED);

        assertThat(revision()).isEqualTo(before + 1);
        relay.publishPending();
        DesiredConfig east = latestConfig("east");
        assertThat(east.getRevision()).isEqualTo(before + 1);
        assertThat(east.getTrust().getTrustDomain()).isEqualTo(TRUST_DOMAIN.name());
        X509Certificate root = Pem.certificate(east.getTrust().getRootCertificatesPem(0));
        ClusterIntermediate intermediate = east.getIntermediatesList().stream()
                .filter(issued -> issued.getPublicKeySha256().equals(ByteString.copyFrom(AgentRequests.publicKeySha256(keys))))
                .findFirst().orElseThrow();
        List<X509Certificate> chain = Pem.certificates(intermediate.getChainPem());
        assertThat(chain).as("the chain stops below the root").noneMatch(root::equals);
        assertThat(chain.get(0).getPublicKey()).isEqualTo(keys.getPublic());
        validates(chain, root);
        assertThat(intermediate.getNotAfter().getSeconds()).isEqualTo(chain.get(0).getNotAfter().toInstant().getEpochSecond());
        assertThat(db.select(CLUSTERS.BOOTSTRAP_USED_AT).from(CLUSTERS).where(CLUSTERS.TENANT_ID.eq(tenantId))
                .and(CLUSTERS.NAME.eq("east")).fetchOne(CLUSTERS.BOOTSTRAP_USED_AT)).isNotNull();
        assertThat(db.fetchCount(AUDIT_LOG, AUDIT_LOG.ACTION.eq("create").and(AUDIT_LOG.RESOURCE_KIND.eq("Intermediate"))
                .and(AUDIT_LOG.RESOURCE_NAME.eq("east")).and(AUDIT_LOG.REVISION.eq(before + 1)))).isEqualTo(1);
    }

    @Test
    void theSameRequestRepeatedIsAnsweredByTheConfigItHasWithoutANewRevision() {
        ClusterStatus report = report("south", credentialRequest("south", intermediateCsr(KeyType.EC_P256.generate())));
        assertThat(requests.handle(TENANT, report)).isEqualTo(IntermediateRequests.Outcome.ISSUED);
        long after = revision();

        assertThat(requests.handle(TENANT, report)).isEqualTo(IntermediateRequests.Outcome.ALREADY_ISSUED);
        assertThat(requests.handle(TENANT, report)).isEqualTo(IntermediateRequests.Outcome.ALREADY_ISSUED);

        assertThat(revision()).isEqualTo(after);
    }

    @Test
    void everyClustersConfigCarriesTheTrustDomainAndRoots() {
        db.insertInto(OUTBOX).set(OUTBOX.TENANT_ID, tenantId).set(OUTBOX.REVISION, revision()).execute();
        relay.publishPending();

        String root = Pem.write(ca.roots(TRUST_DOMAIN).get(0));
        for (String cluster : List.of("east", "west", "north", "south", "renewing")) {
            DesiredConfig config = latestConfig(cluster);
            assertThat(config.getTrust().getTrustDomain()).as(cluster).isEqualTo(TRUST_DOMAIN.name());
            assertThat(config.getTrust().getRootCertificatesPemList()).as(cluster).containsExactly(root);
        }
    }

    @Test
    void aWrongCredentialIsRefusedOnceWithNothingIssued() {
        CertificateRequest csr = intermediateCsr(KeyType.EC_P256.generate());
        IntermediateRequest request = credentialRequest("west", csr, "fmb_not-the-credential");

        assertRefusedOnce("west", request, csr, "CREDENTIAL_INVALID");
    }

    @Test
    void anUnusedCredentialOlderThanItsLifetimeIsRefused() {
        db.update(CLUSTERS).set(CLUSTERS.BOOTSTRAP_ISSUED_AT, OffsetDateTime.now().minusDays(8))
                .where(CLUSTERS.TENANT_ID.eq(tenantId)).and(CLUSTERS.NAME.eq("north")).execute();
        CertificateRequest csr = intermediateCsr(KeyType.EC_P256.generate());

        assertRefusedOnce("north", credentialRequest("north", csr), csr, "CREDENTIAL_EXPIRED");
    }

    @Test
    void aCredentialThatWasReissuedIsRefused() {
        String old = "fmb_reissued-" + UUID.randomUUID();
        db.insertInto(CLUSTERS).set(CLUSTERS.TENANT_ID, tenantId).set(CLUSTERS.NAME, "reissued")
                .set(CLUSTERS.RESOURCE_VERSION, 1L).set(CLUSTERS.BOOTSTRAP_SECRET_SHA256, AgentRequests.sha256(old))
                .set(CLUSTERS.BOOTSTRAP_ISSUED_AT, OffsetDateTime.now()).execute();
        CertificateRequest csr = intermediateCsr(KeyType.EC_P256.generate());
        IntermediateRequest request = credentialRequest("reissued", csr, old);
        db.update(CLUSTERS).set(CLUSTERS.BOOTSTRAP_SECRET_SHA256, AgentRequests.sha256("fmb_new-" + UUID.randomUUID()))
                .where(CLUSTERS.TENANT_ID.eq(tenantId)).and(CLUSTERS.NAME.eq("reissued")).execute();

        assertRefusedOnce("reissued", request, csr, "CREDENTIAL_INVALID");
    }

    @Test
    void aCsrForAnotherTrustDomainIsRefused() {
        CertificateRequest csr = CertificateRequest.create(KeyType.EC_P256.generate(), "west",
                List.of(URI.create("spiffe://globex.fedmesh.local")), true);

        assertRefusedOnce("west", credentialRequest("west", csr), csr, "WRONG_URI_SAN");
    }

    @Test
    void aCsrWithoutKeyCertSignIsRefused() throws Exception {
        KeyPair keys = KeyType.EC_P256.generate();
        ExtensionsGenerator extensions = new ExtensionsGenerator();
        extensions.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(
                new GeneralName(GeneralName.uniformResourceIdentifier, TRUST_DOMAIN.id().toString())));
        extensions.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
        extensions.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
        CertificateRequest csr = CertificateRequest.fromDer(new JcaPKCS10CertificationRequestBuilder(
                new X500Name("CN=west"), keys.getPublic())
                .addAttribute(PKCSObjectIdentifiers.pkcs_9_at_extensionRequest, extensions.generate())
                .build(new JcaContentSignerBuilder("SHA256withECDSA").build(keys.getPrivate())).getEncoded());

        assertRefusedOnce("west", credentialRequest("west", csr), csr, "NOT_A_CA");
    }

    @Test
    void aRenewalSignedByTheCurrentIntermediateKeyGetsTheNextIntermediate() {
        KeyPair current = KeyType.EC_P256.generate();
        assertThat(requests.handle(TENANT, report("renewing", credentialRequest("renewing", intermediateCsr(current)))))
                .isEqualTo(IntermediateRequests.Outcome.ISSUED);
        KeyPair next = KeyType.EC_P256.generate();

        assertThat(requests.handle(TENANT, report("renewing", renewalRequest("renewing", intermediateCsr(next), current))))
                .isEqualTo(IntermediateRequests.Outcome.ISSUED);

        relay.publishPending();
        assertThat(latestConfig("renewing").getIntermediatesList())
                .extracting(ClusterIntermediate::getPublicKeySha256)
                .containsExactlyInAnyOrder(ByteString.copyFrom(AgentRequests.publicKeySha256(current)), ByteString.copyFrom(AgentRequests.publicKeySha256(next)));
    }

    @Test
    void aRenewalSignedByAnUnknownKeyIsRefused() {
        CertificateRequest csr = intermediateCsr(KeyType.EC_P256.generate());

        assertRefusedOnce("west", renewalRequest("west", csr, KeyType.EC_P256.generate()), csr, "RENEWAL_KEY_UNKNOWN");
    }

    @Test
    void aRenewalWhoseSignatureIsNotByTheKeyItNamesIsRefused() {
        KeyPair current = KeyType.EC_P256.generate();
        assertThat(requests.handle(TENANT, report("south", credentialRequest("south", intermediateCsr(current)))))
                .isIn(IntermediateRequests.Outcome.ISSUED, IntermediateRequests.Outcome.ALREADY_ISSUED);
        CertificateRequest csr = intermediateCsr(KeyType.EC_P256.generate());

        assertRefusedOnce("south", AgentRequests.renewalRequest(TENANT, "south", csr, current, KeyType.EC_P256.generate()),
                csr, "RENEWAL_SIGNATURE_INVALID");
    }

    @Test
    void aRequestForAClusterTheTenantNoLongerHasIsRefused() {
        CertificateRequest csr = intermediateCsr(KeyType.EC_P256.generate());

        assertRefusedOnce("gone", credentialRequest("gone", csr, "fmb_whatever"), csr, "CLUSTER_UNKNOWN");
    }

    /** Heartbeats repeat the request: three times, one audit entry, nothing issued, the revision unchanged. */
    private void assertRefusedOnce(String cluster, IntermediateRequest request, CertificateRequest csr, String code) {
        long before = revision();
        for (int heartbeat = 0; heartbeat < 3; heartbeat++) {
            assertThat(requests.handle(TENANT, report(cluster, request))).isEqualTo(IntermediateRequests.Outcome.REFUSED);
        }
        String keyHex = HexFormat.of().formatHex(csr.publicKeySha256());
        assertThat(db.fetchCount(INTERMEDIATES, INTERMEDIATES.PUBLIC_KEY_SHA256.eq(csr.publicKeySha256()))).isZero();
        assertThat(revision()).isEqualTo(before);
        var entries = db.selectFrom(AUDIT_LOG).where(AUDIT_LOG.TENANT_ID.eq(tenantId)).and(AUDIT_LOG.ACTION.eq("refuse"))
                .and(DSL.field("after->>'publicKeySha256'", String.class).eq(keyHex)).fetch();
        assertThat(entries).singleElement().satisfies(entry -> {
            assertThat(entry.getActor()).isEqualTo("cluster:" + cluster);
            assertThat(entry.getAfter().data()).contains("\"code\": \"" + code + "\"");
            assertThat(entry.getAfter().data()).doesNotContain("fmb_");
        });
    }

    private CertificateRequest intermediateCsr(KeyPair keys) {
        return CertificateRequest.create(keys, "intermediate", List.of(TRUST_DOMAIN.id().toUri()), true);
    }

    private IntermediateRequest credentialRequest(String cluster, CertificateRequest csr) {
        return credentialRequest(cluster, csr, credentials.get(cluster));
    }

    private IntermediateRequest credentialRequest(String cluster, CertificateRequest csr, String credential) {
        return AgentRequests.credentialRequest(TENANT, cluster, csr, credential);
    }

    private IntermediateRequest renewalRequest(String cluster, CertificateRequest csr, KeyPair signer) {
        return AgentRequests.renewalRequest(TENANT, cluster, csr, signer);
    }

    private static ClusterStatus report(String cluster, IntermediateRequest request) {
        return ClusterStatus.newBuilder().setTenant(TENANT).setCluster(cluster).setIntermediateRequest(request).build();
    }

    private static void validates(List<X509Certificate> chain, X509Certificate root) throws Exception {
        PKIXParameters parameters = new PKIXParameters(Set.of(new TrustAnchor(root, null)));
        parameters.setRevocationEnabled(false);
        CertPathValidator.getInstance("PKIX").validate(CertificateFactory.getInstance("X.509").generateCertPath(chain), parameters);
    }

    private long revision() {
        return db.select(TENANTS.REVISION).from(TENANTS).where(TENANTS.ID.eq(tenantId)).fetchOne(TENANTS.REVISION);
    }

    private DesiredConfig latestConfig(String cluster) {
        return AgentRequests.latestConfig(topicPrefix, TENANT, cluster)
                .orElseThrow(() -> new AssertionError("no config for " + cluster + " on the desired topic"));
    }
}
