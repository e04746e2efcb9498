package dev.fedmesh.standalone;

import static dev.fedmesh.db.jooq.Tables.CLUSTERS;
import static dev.fedmesh.db.jooq.Tables.TENANTS;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fedmesh.agent.ClusterAgent;
import dev.fedmesh.agent.identity.WorkloadCertificateFiles;
import dev.fedmesh.agent.xds.ProxylessBootstrap;
import dev.fedmesh.policy.document.PolicyJson;
import dev.fedmesh.policy.xds.ServiceEndpoint;
import dev.fedmesh.sample.v1.GreeterGrpc;
import dev.fedmesh.sample.v1.HelloReply;
import dev.fedmesh.sample.v1.HelloRequest;
import dev.fedmesh.testing.FreePort;
import dev.fedmesh.testing.xds.ProxylessClients;
import dev.fedmesh.testing.xds.ProxylessServers;
import dev.fedmesh.trust.x509.CertificateUris;
import dev.fedmesh.trust.x509.Pem;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.jooq.DSLContext;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Workload identity across the whole stack: a tenant and two clusters created through the REST
 * API, their agents started with the bootstrap credentials the API returned, intermediates issued
 * by the distributor from the built-in CA, SVID files written by each agent, and a workload in
 * {@code east} calling one in {@code west} over STRICT mTLS set through the API.
 */
class WorkloadIdentityEndToEndTest {

    private static final String TENANT = "acme";
    private static final String TRUST_DOMAIN = "acme.fedmesh.dev";
    private static final List<String> CLUSTERS_OF_ACME = List.of("east", "west");
    private static final Duration PATIENCE = Duration.ofSeconds(90);

    @TempDir
    Path dir;

    private StackUnderTest under;

    @AfterEach
    void stopEverything() throws Exception {
        if (under != null) {
            under.close();
        }
    }

    @Test
    void clustersRegisteredThroughTheApiGetIntermediatesAndTheirWorkloadsTalkStrictMtlsAcrossClusters() throws Exception {
        Path state = dir.resolve("fedmesh");
        under = StackUnderTest.start(getClass(), state);
        FedmeshStack stack = under.stack;
        ApiClient api = under.api;
        JsonNode tenant = json(api.expectOk(api.post("/api/v1/tenants",
                "{\"name\": \"" + TENANT + "\", \"trustDomain\": \"" + TRUST_DOMAIN + "\"}"), "creating the tenant"));
        assertThat(tenant.path("trustDomain").asText()).isEqualTo(TRUST_DOMAIN);
        Map<String, String> credentials = new LinkedHashMap<>();
        for (String cluster : CLUSTERS_OF_ACME) {
            JsonNode registered = json(api.expectOk(api.post("/api/v1/tenants/" + TENANT + "/clusters",
                    "{\"name\": \"" + cluster + "\"}"), "registering " + cluster));
            credentials.put(cluster, registered.path("bootstrapCredential").asText());
        }
        assertThat(credentials.values()).allMatch(credential -> credential.startsWith("fmb_"));
        for (String service : List.of("greeter", "frontend")) {
            api.expectOk(api.put("/api/v1/tenants/" + TENANT + "/services/" + service, "{}"), "declaring " + service);
        }

        int greeterPort = FreePort.find();
        Map<String, Long> startedAt = new LinkedHashMap<>();
        for (String cluster : CLUSTERS_OF_ACME) {
            startedAt.put(cluster, System.nanoTime());
            stack.startAgent(TENANT, cluster, credentials.get(cluster));
        }
        ClusterAgent east = stack.agent("east");
        ClusterAgent west = stack.agent("west");
        west.inventory().register(new ServiceEndpoint("greeter", "127.0.0.1", greeterPort, Map.of()));
        // The caller is a local workload of east: registering it is what gives it an identity.
        east.inventory().register(new ServiceEndpoint("frontend", "127.0.0.1", FreePort.find(), Map.of()));
        // Until agents exchange inventories, east learns west's greeter as an endpoint in its own inventory.
        east.inventory().register(new ServiceEndpoint("greeter", "127.0.0.1", greeterPort, Map.of()));

        Map<String, WorkloadCertificateFiles> files = Map.of(
                "west/greeter", west.workloadFiles("default", "greeter"),
                "east/frontend", east.workloadFiles("default", "frontend"));
        Map<String, Long> millisToSvidFiles = new LinkedHashMap<>();
        for (String cluster : CLUSTERS_OF_ACME) {
            ClusterAgent agent = stack.agent(cluster);
            String workload = cluster.equals("west") ? "west/greeter" : "east/frontend";
            Await.within(PATIENCE,
                    () -> agent.intermediateNotAfter().isPresent() && Files.exists(files.get(workload).certificateFile()),
                    cluster + "'s intermediate and the SVID files of " + workload);
            millisToSvidFiles.put(cluster, (System.nanoTime() - startedAt.get(cluster)) / 1_000_000);
        }
        System.out.println("Agent start → intermediate issued and SVID files written: " + millisToSvidFiles + " ms");

        X509Certificate root = Pem.certificate(Files.readString(state.resolve("ca").resolve(TRUST_DOMAIN).resolve("root.pem")));
        X509Certificate westIntermediate = assertValidSvid(files.get("west/greeter"),
                "spiffe://" + TRUST_DOMAIN + "/ns/default/sa/greeter", root);
        X509Certificate eastIntermediate = assertValidSvid(files.get("east/frontend"),
                "spiffe://" + TRUST_DOMAIN + "/ns/default/sa/frontend", root);
        assertThat(eastIntermediate.getPublicKey()).as("each cluster has its own intermediate key")
                .isNotEqualTo(westIntermediate.getPublicKey());

        long strict = apply(api, "mesh-strict", """
                {"kind": "MtlsMode", "target": {"mesh": true}, "spec": {"mode": "STRICT"}}""");
        Await.within(PATIENCE, () -> east.appliedRevision() >= strict && west.appliedRevision() >= strict,
                "both agents to apply revision " + strict);
        Server server = ProxylessServers.start(ProxylessBootstrap.of("127.0.0.1:" + west.xdsPort(), "west/greeter",
                files.get("west/greeter")), greeterPort, greeter("west"));
        under.stopAtEnd(() -> ProxylessServers.stop(server));
        ManagedChannel frontend = ProxylessClients.secureChannel(ProxylessBootstrap.of("127.0.0.1:" + east.xdsPort(),
                "east/frontend", files.get("east/frontend")), "greeter");
        under.stopAtEnd(() -> ProxylessClients.close(frontend));
        ManagedChannel plaintext = Grpc.newChannelBuilderForAddress("127.0.0.1", greeterPort,
                InsecureChannelCredentials.create()).build();
        under.stopAtEnd(() -> ProxylessClients.close(plaintext));

        HelloReply reply = GreeterGrpc.newBlockingStub(frontend).withWaitForReady().withDeadlineAfter(30, TimeUnit.SECONDS)
                .sayHello(HelloRequest.newBuilder().setName("east").build());
        assertThat(reply.getCluster()).isEqualTo("west");
        assertThat(GreeterCalls.statusOf(plaintext, "outsider")).as("a caller without an SVID").isEqualTo(Status.Code.UNAVAILABLE);

        JsonNode audit = json(api.expectOk(api.get("/api/v1/tenants/" + TENANT + "/audit?kind=Intermediate"),
                "reading the audit log"));
        List<String> issued = new ArrayList<>();
        for (JsonNode entry : audit.path("items")) {
            issued.add(entry.path("action").asText() + " " + entry.path("actor").asText() + " "
                    + entry.path("after").path("trustDomain").asText() + " " + entry.path("after").path("proof").asText());
        }
        assertThat(issued).containsExactlyInAnyOrder(
                "create cluster:east " + TRUST_DOMAIN + " bootstrap-credential",
                "create cluster:west " + TRUST_DOMAIN + " bootstrap-credential");
        assertThat(audit.toString()).doesNotContain(credentials.get("east")).doesNotContain(credentials.get("west"));

        DSLContext db = DSL.using(under.database.dataSource(), SQLDialect.POSTGRES);
        assertThat(db.select(CLUSTERS.NAME).from(CLUSTERS).join(TENANTS).on(TENANTS.ID.eq(CLUSTERS.TENANT_ID))
                .where(TENANTS.NAME.eq(TENANT)).and(CLUSTERS.BOOTSTRAP_USED_AT.isNotNull()).fetch(CLUSTERS.NAME))
                .as("clusters whose bootstrap credential is marked used")
                .containsExactlyInAnyOrderElementsOf(CLUSTERS_OF_ACME);
    }

    /** Checks the SVID chains to {@code root} through the files' own trust bundle; returns its intermediate. */
    private static X509Certificate assertValidSvid(WorkloadCertificateFiles files, String spiffeId, X509Certificate root)
            throws Exception {
        List<X509Certificate> bundle = Pem.certificates(Files.readString(files.trustBundleFile()));
        assertThat(bundle).as("the trust bundle in %s", files.directory()).containsExactly(root);
        List<X509Certificate> chain = Pem.certificates(Files.readString(files.certificateFile()));
        assertThat(CertificateUris.of(chain.get(0))).containsExactly(spiffeId);
        assertThat(CertificateUris.of(chain.get(1))).containsExactly("spiffe://" + TRUST_DOMAIN);
        PKIXParameters parameters = new PKIXParameters(new HashSet<>(bundle.stream()
                .map(certificate -> new TrustAnchor(certificate, null)).toList()));
        parameters.setRevocationEnabled(false);
        CertPathValidator.getInstance("PKIX").validate(CertificateFactory.getInstance("X.509").generateCertPath(chain),
                parameters);
        return chain.get(1);
    }

    private static long apply(ApiClient api, String name, String json) {
        ApiClient.Answer answer = api.expectOk(api.put("/api/v1/tenants/" + TENANT + "/policies/" + name, json),
                "applying " + name);
        return Long.parseLong(PolicyJson.parse(answer.body()).path("resourceVersion").asText());
    }

    private static JsonNode json(ApiClient.Answer answer) {
        return PolicyJson.parse(answer.body());
    }

    private static GreeterGrpc.GreeterImplBase greeter(String cluster) {
        return new GreeterGrpc.GreeterImplBase() {
            @Override
            public void sayHello(HelloRequest request, StreamObserver<HelloReply> replies) {
                replies.onNext(HelloReply.newBuilder().setMessage("Hello " + request.getName()).setCluster(cluster).build());
                replies.onCompleted();
            }
        };
    }
}
