package dev.fedmesh.controlapi.grpc;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.Value;
import com.google.rpc.BadRequest;
import com.google.rpc.ErrorInfo;
import com.google.rpc.RetryInfo;
import dev.fedmesh.api.v1.ApiToken;
import dev.fedmesh.api.v1.ApplyPolicyRequest;
import dev.fedmesh.api.v1.ApplyPolicyResponse;
import dev.fedmesh.api.v1.ApplyServiceRequest;
import dev.fedmesh.api.v1.ApplyServiceResponse;
import dev.fedmesh.api.v1.Cluster;
import dev.fedmesh.api.v1.ClusterChange;
import dev.fedmesh.api.v1.CreateClusterRequest;
import dev.fedmesh.api.v1.CreateClusterResponse;
import dev.fedmesh.api.v1.CreateTenantRequest;
import dev.fedmesh.api.v1.CreateTokenRequest;
import dev.fedmesh.api.v1.DeletePolicyRequest;
import dev.fedmesh.api.v1.DeleteServiceRequest;
import dev.fedmesh.api.v1.GetClusterRequest;
import dev.fedmesh.api.v1.GetPolicyRequest;
import dev.fedmesh.api.v1.GetServiceRequest;
import dev.fedmesh.api.v1.GetTenantRequest;
import dev.fedmesh.api.v1.GetTokenRequest;
import dev.fedmesh.api.v1.ListAuditEntriesRequest;
import dev.fedmesh.api.v1.ListAuditEntriesResponse;
import dev.fedmesh.api.v1.AuditServiceGrpc;
import dev.fedmesh.api.v1.ClusterServiceGrpc;
import dev.fedmesh.api.v1.ListClustersRequest;
import dev.fedmesh.api.v1.ListClustersResponse;
import dev.fedmesh.api.v1.PolicyServiceGrpc;
import dev.fedmesh.api.v1.ReissueBootstrapCredentialRequest;
import dev.fedmesh.api.v1.RevokeTokenRequest;
import dev.fedmesh.api.v1.RootRotation;
import dev.fedmesh.api.v1.ServiceResource;
import dev.fedmesh.api.v1.ServiceServiceGrpc;
import dev.fedmesh.api.v1.StatusServiceGrpc;
import dev.fedmesh.api.v1.TenantServiceGrpc;
import dev.fedmesh.api.v1.TokenServiceGrpc;
import dev.fedmesh.api.v1.TrustServiceGrpc;
import dev.fedmesh.api.v1.ListPoliciesRequest;
import dev.fedmesh.api.v1.ListPoliciesResponse;
import dev.fedmesh.api.v1.ListServicesRequest;
import dev.fedmesh.api.v1.ListTokensRequest;
import dev.fedmesh.api.v1.ListTokensResponse;
import dev.fedmesh.api.v1.PolicyResource;
import dev.fedmesh.api.v1.Tenant;
import dev.fedmesh.controlapi.auth.Role;
import dev.fedmesh.controlapi.http.ApiException;
import dev.fedmesh.controlapi.limits.TooManyRequests;
import dev.fedmesh.controlapi.store.TokenRequest;
import dev.fedmesh.controlapi.store.TenantStore;
import dev.fedmesh.controlapi.store.TokenStore;
import dev.fedmesh.policy.document.PolicyKinds;
import dev.fedmesh.testing.TestDatabase;
import dev.fedmesh.testing.TestPostgres;
import io.grpc.CallOptions;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.stub.ClientCalls;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.protobuf.StatusProto;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.grpc.reflection.v1.ServerReflectionRequest;
import io.grpc.reflection.v1.ServerReflectionResponse;
import io.grpc.reflection.v1.ServiceResponse;
import io.grpc.stub.StreamObserver;
import io.micronaut.context.ApplicationContext;
import io.micronaut.http.HttpStatus;
import org.jooq.DSLContext;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.function.Executable;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static dev.fedmesh.db.jooq.Tables.AUDIT_LOG;
import static dev.fedmesh.db.jooq.Tables.CLUSTERS;
import static dev.fedmesh.db.jooq.Tables.OUTBOX;
import static dev.fedmesh.db.jooq.Tables.POLICIES;
import static dev.fedmesh.db.jooq.Tables.TENANTS;
import static dev.fedmesh.db.jooq.Tables.TRUST_ROOTS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The gRPC management API against the running service on real PostgreSQL, through a real grpc-java client. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ManagementGrpcApiTest {
    private static final String TOKEN = "test-admin-token-" + UUID.randomUUID();
    private static final int RATE_LIMIT_BURST = 20;
    private static final String ROUTE = """
            {"tenant": "%s", "policy": {"kind": "TrafficRoute", "name": "greeter-split", "target": {"service": "greeter"},
             "spec": {"split": [{"subset": {"version": "v1"}, "weight": %d},
                                {"subset": {"version": "v2"}, "weight": %d}]}}}
            """;

    private ApplicationContext context;
    private GrpcClient client;
    private DSLContext db;
    private String tenant;

    @BeforeAll
    void startService() {
        TestDatabase database = TestPostgres.newDatabase(getClass());
        context = ApplicationContext.builder()
                .deduceEnvironment(false)
                .properties(Map.of(
                        "fedmesh.api.grpc.port", 0,
                        // Tenant tokens get a small allowance that does not refill during the run.
                        "fedmesh.api.rate-limit.burst", RATE_LIMIT_BURST,
                        "fedmesh.api.rate-limit.requests-per-second", 0.001,
                        "datasources.default.url", database.jdbcUrl(),
                        "datasources.default.username", database.username(),
                        "datasources.default.password", database.password(),
                        "fedmesh.api.admin-token", TOKEN))
                .start();
        client = new GrpcClient(context.getBean(ManagementGrpcServer.class).port());
        db = DSL.using(database.dataSource(), SQLDialect.POSTGRES);
    }

    @AfterAll
    void stopService() throws InterruptedException {
        client.close();
        context.close();
    }

    @BeforeEach
    void newTenant() {
        tenant = "t-" + UUID.randomUUID().toString().substring(0, 8);
        client.tenants(TOKEN).createTenant(CreateTenantRequest.newBuilder()
                .setTenant(Tenant.newBuilder().setName(tenant)).build());
    }

    @Test
    void aTenantClusterAndRouteAreCreatedReadListedAndDeleted() {
        CreateClusterResponse cluster = client.clusters(TOKEN).createCluster(GrpcClient.fromJson("""
                {"tenant": "%s", "cluster": {"name": "east", "region": "us-east1", "zone": "us-east1-b",
                 "labels": {"tier": "gold"}}}""".formatted(tenant), CreateClusterRequest.getDefaultInstance()));
        ApplyPolicyResponse route = client.policies(TOKEN).applyPolicy(route(20, 80));

        assertThat(cluster.getCluster().getRegion()).isEqualTo("us-east1");
        assertThat(cluster.getCluster().getResourceVersion()).isEqualTo(1);
        assertThat(cluster.getBootstrapCredential()).startsWith("fmb_");
        assertThat(route.getCreated()).isTrue();
        assertThat(route.getPolicy().getResourceVersion()).isEqualTo(2);
        assertThat(client.tenants(TOKEN).getTenant(GetTenantRequest.newBuilder().setName(tenant).build()).getRevision())
                .isEqualTo(2);
        Cluster read = client.clusters(TOKEN).getCluster(GetClusterRequest.newBuilder().setTenant(tenant).setName("east").build());
        assertThat(read.getLabelsMap()).containsEntry("tier", "gold");
        assertThat(client.clusters(TOKEN).listClusters(ListClustersRequest.newBuilder().setTenant(tenant).build())
                .getItemsList()).extracting(Cluster::getName).containsExactly("east");
        PolicyResource stored = client.policies(TOKEN).getPolicy(GetPolicyRequest.newBuilder()
                .setTenant(tenant).setName("greeter-split").build());
        assertThat(stored.getTarget().getFieldsOrThrow("service").getStringValue()).isEqualTo("greeter");
        assertThat(stored.getSpec().getFieldsOrThrow("split").getListValue().getValues(1).getStructValue()
                .getFieldsOrThrow("weight").getNumberValue()).isEqualTo(80);
        assertThat(stored.getCreatedAt().getSeconds()).isPositive();
        ListPoliciesResponse routes = client.policies(TOKEN).listPolicies(ListPoliciesRequest.newBuilder()
                .setTenant(tenant).setKind("TrafficRoute").build());
        assertThat(routes.getItemsList()).extracting(PolicyResource::getName).containsExactly("greeter-split");
        assertThat(db.select(AUDIT_LOG.ACTION, AUDIT_LOG.RESOURCE_KIND).from(AUDIT_LOG)
                .where(AUDIT_LOG.TENANT_ID.eq(tenantId())).orderBy(AUDIT_LOG.ID).fetch().map(r -> r.value1() + " " + r.value2()))
                .containsExactly("create Cluster", "create TrafficRoute");

        client.policies(TOKEN).deletePolicy(DeletePolicyRequest.newBuilder().setTenant(tenant).setName("greeter-split").build());

        assertThat(db.fetchCount(POLICIES, POLICIES.TENANT_ID.eq(tenantId()))).isZero();
        assertRefused(() -> client.policies(TOKEN).getPolicy(GetPolicyRequest.newBuilder()
                .setTenant(tenant).setName("greeter-split").build()), Status.Code.NOT_FOUND, "not_found");
        assertThat(client.clusters(TOKEN).reissueBootstrapCredential(ReissueBootstrapCredentialRequest.newBuilder()
                .setTenant(tenant).setName("east").build()).getBootstrapCredential())
                .startsWith("fmb_").isNotEqualTo(cluster.getBootstrapCredential());
    }

    @Test
    void aTenantIsCreatedInTheTrustDomainItAsksForAndABadOrTakenOneIsRefusedByName() {
        String name = "t-" + UUID.randomUUID().toString().substring(0, 8);
        String trustDomain = name + ".example.com";

        Tenant created = client.tenants(TOKEN).createTenant(CreateTenantRequest.newBuilder()
                .setTenant(Tenant.newBuilder().setName(name).setTrustDomain(trustDomain)).build());

        assertThat(created.getTrustDomain()).isEqualTo(trustDomain);
        assertThat(client.tenants(TOKEN).getTenant(GetTenantRequest.newBuilder().setName(name).build()).getTrustDomain())
                .isEqualTo(trustDomain);
        assertThat(client.tenants(TOKEN).getTenant(GetTenantRequest.newBuilder().setName(tenant).build()).getTrustDomain())
                .as("the default").isEqualTo(tenant + ".fedmesh.local");
        String other = "t-" + UUID.randomUUID().toString().substring(0, 8);
        StatusRuntimeException bad = assertRefused(() -> client.tenants(TOKEN).createTenant(CreateTenantRequest.newBuilder()
                        .setTenant(Tenant.newBuilder().setName(other).setTrustDomain("spiffe://Acme.example.com:8443/x"))
                        .build()),
                Status.Code.INVALID_ARGUMENT, "invalid_request", "trustDomain");
        assertThat(detail(StatusProto.fromThrowable(bad), BadRequest.class).getFieldViolations(0).getDescription())
                .contains("'spiffe://Acme.example.com:8443/x' is not a trust domain");
        assertRefused(() -> client.tenants(TOKEN).createTenant(CreateTenantRequest.newBuilder()
                        .setTenant(Tenant.newBuilder().setName(other).setTrustDomain(trustDomain)).build()),
                Status.Code.FAILED_PRECONDITION, "trust_domain_taken");
    }

    @Test
    void aClustersEastWestGatewayIsWrittenAndReadAndABadOneIsRefusedByName() {
        CreateClusterResponse created = client.clusters(TOKEN).createCluster(GrpcClient.fromJson("""
                {"tenant": "%s", "cluster": {"name": "east", "network": "vpc-east",
                 "eastWestGateway": "gw.east.example.com:15443"}}""".formatted(tenant), CreateClusterRequest.getDefaultInstance()));

        assertThat(created.getCluster().getEastWestGateway()).isEqualTo("gw.east.example.com:15443");
        assertThat(client.clusters(TOKEN).getCluster(GetClusterRequest.newBuilder().setTenant(tenant).setName("east").build())
                .getEastWestGateway()).isEqualTo("gw.east.example.com:15443");
        StatusRuntimeException refused = assertRefused(() -> client.clusters(TOKEN).createCluster(GrpcClient.fromJson("""
                {"tenant": "%s", "cluster": {"name": "west", "eastWestGateway": "gw.west.example.com"}}""".formatted(tenant),
                CreateClusterRequest.getDefaultInstance())), Status.Code.INVALID_ARGUMENT, "invalid_request",
                "eastWestGateway");
        assertThat(refused.getStatus().getDescription()).contains("host:port");
    }

    @Test
    void everyGrpcurlExampleInTheDocsIsAnswered() throws IOException {
        Map<String, MethodDescriptor<?, ?>> methods = Stream.of(TenantServiceGrpc.getServiceDescriptor(),
                        ClusterServiceGrpc.getServiceDescriptor(), ServiceServiceGrpc.getServiceDescriptor(),
                        PolicyServiceGrpc.getServiceDescriptor(), TokenServiceGrpc.getServiceDescriptor(),
                        AuditServiceGrpc.getServiceDescriptor(), StatusServiceGrpc.getServiceDescriptor(),
                        TrustServiceGrpc.getServiceDescriptor())
                .flatMap(service -> service.getMethods().stream())
                .collect(Collectors.toMap(MethodDescriptor::getFullMethodName, method -> method));
        List<GrpcurlExample> examples = GrpcurlExample.in(Path.of("..", "docs", "grpc.md"));

        assertThat(examples).extracting(GrpcurlExample::fullMethodName).containsAll(methods.keySet());
        Map<String, Object> answers = new HashMap<>();
        String tokenId = "";
        String rotationId = "";
        byte[] leftBehind = new byte[0];
        for (GrpcurlExample example : examples) {
            if (example.fullMethodName().equals("fedmesh.v1.TrustService/RetireRoot")) {
                leftBehind = recordSigningAndLeftBehindRoots("acme");
            }
            Object answer = call(methods.get(example.fullMethodName()), example.json(Map.of("id", tokenId,
                    "rotation", rotationId, "sha256", Base64.getEncoder().encodeToString(leftBehind))));
            answers.put(example.fullMethodName(), answer);
            if (answer instanceof ApiToken minted && !minted.getToken().isEmpty()) {
                tokenId = minted.getId();
            }
            if (answer instanceof RootRotation started) {
                rotationId = started.getId();
            }
        }

        assertThat(((ListPoliciesResponse) answers.get("fedmesh.v1.PolicyService/ListPolicies")).getItemsList())
                .extracting(PolicyResource::getName).containsExactly("greeter-split");
        assertThat(((ListClustersResponse) answers.get("fedmesh.v1.ClusterService/ListClusters")).getItemsList())
                .extracting(Cluster::getName).containsExactly("east");
        assertThat(((ApiToken) answers.get("fedmesh.v1.TokenService/GetToken")).getToken()).as("never the secret again").isEmpty();
        assertThat(((ListAuditEntriesResponse) answers.get("fedmesh.v1.AuditService/ListAuditEntries")).getItemsList())
                .extracting(entry -> entry.getAction() + " " + entry.getResourceName())
                .containsExactly("create greeter-split", "delete greeter-split");
        assertThat(db.fetchCount(POLICIES, POLICIES.TENANT_ID.eq(tenantId("acme"))))
                .as("the documented DeletePolicy removed the documented policy").isZero();
        assertThat(((RootRotation) answers.get("fedmesh.v1.TrustService/GetRootRotation")).getId()).isEqualTo(rotationId);
        assertThat(db.fetchCount(TRUST_ROOTS, TRUST_ROOTS.SHA256.eq(leftBehind).and(TRUST_ROOTS.RETIRED_AT.isNotNull())))
                .as("the documented RetireRoot retired the root left behind").isOne();
    }

    /** What the distributor records for the tenant's trust domain: a signing root and one left behind; the latter's SHA-256. */
    private byte[] recordSigningAndLeftBehindRoots(String tenantName) {
        String trustDomain = db.select(TENANTS.TRUST_DOMAIN).from(TENANTS).where(TENANTS.NAME.eq(tenantName)).fetchSingle().value1();
        byte[] leftBehind = new byte[32];
        for (int root = 1; root <= 2; root++) {
            byte[] sha256 = new byte[32];
            Arrays.fill(sha256, (byte) root);
            db.insertInto(TRUST_ROOTS)
                    .set(TRUST_ROOTS.TRUST_DOMAIN, trustDomain)
                    .set(TRUST_ROOTS.SHA256, sha256)
                    .set(TRUST_ROOTS.PEM, "-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n")
                    .set(TRUST_ROOTS.NOT_BEFORE, OffsetDateTime.now().minusDays(1))
                    .set(TRUST_ROOTS.NOT_AFTER, OffsetDateTime.now().plusDays(3650))
                    .set(TRUST_ROOTS.SIGNING_SINCE, root == 1 ? OffsetDateTime.now() : null)
                    .execute();
            leftBehind = sha256;
        }
        return leftBehind;
    }

    @Test
    void aServiceIsDeclaredRelabeledListedAndDeleted() {
        ApplyServiceRequest greeter = GrpcClient.fromJson("""
                {"tenant": "%s", "service": {"name": "greeter", "labels": {"team": "payments"}}}""".formatted(tenant),
                ApplyServiceRequest.getDefaultInstance());
        ApplyServiceResponse declared = client.services(TOKEN).applyService(greeter);
        Map<String, Integer> before = rowCounts();
        ApplyServiceResponse again = client.services(TOKEN).applyService(greeter);
        assertThat(rowCounts()).as("the same labels again change nothing").isEqualTo(before);

        ApplyServiceResponse relabeled = client.services(TOKEN).applyService(greeter.toBuilder()
                .setService(greeter.getService().toBuilder().putLabels("team", "checkout")).build());

        assertThat(declared.getCreated()).isTrue();
        assertThat(again.getCreated()).isFalse();
        assertThat(relabeled.getService().getResourceVersion()).isEqualTo(2);
        assertThat(client.services(TOKEN).getService(GetServiceRequest.newBuilder().setTenant(tenant).setName("greeter").build())
                .getLabelsMap()).containsEntry("team", "checkout");
        assertThat(client.services(TOKEN).listServices(ListServicesRequest.newBuilder().setTenant(tenant).build()).getItemsList())
                .extracting(ServiceResource::getName).containsExactly("greeter");
        client.services(TOKEN).deleteService(DeleteServiceRequest.newBuilder().setTenant(tenant).setName("greeter").build());
        assertRefused(() -> client.services(TOKEN).getService(GetServiceRequest.newBuilder().setTenant(tenant)
                .setName("greeter").build()), Status.Code.NOT_FOUND, "not_found");
        assertRefused(() -> client.services(TOKEN).applyService(ApplyServiceRequest.newBuilder().setTenant(tenant)
                        .setService(ServiceResource.newBuilder().setName("Greeter<script>").putLabels("<b>", "x")).build()),
                Status.Code.INVALID_ARGUMENT, "invalid_request", "name", "labels.<b>");
    }

    @Test
    void aTokenIsMintedShownOnceUsedListedAndRevokedAtOnce() {
        ApiToken minted = client.tokens(TOKEN).createToken(CreateTokenRequest.newBuilder().setTenant(tenant)
                .setName("ci-deploy").setRole("editor").setExpiresIn("30d").build());

        ApplyPolicyResponse applied = client.policies(minted.getToken()).applyPolicy(route(20, 80));
        ListTokensResponse listed = client.tokens(TOKEN).listTokens(ListTokensRequest.newBuilder().setTenant(tenant).build());
        client.tokens(TOKEN).revokeToken(RevokeTokenRequest.newBuilder().setTenant(tenant).setId(minted.getId()).build());

        assertThat(minted.getToken()).isNotBlank();
        assertThat(minted.getRole()).isEqualTo("editor");
        assertThat(applied.getCreated()).isTrue();
        assertThat(listed.getItemsList()).singleElement().satisfies(token -> {
            assertThat(token.getId()).isEqualTo(minted.getId());
            assertThat(token.getToken()).as("never the secret again").isEmpty();
        });
        assertThat(client.tokens(TOKEN).getToken(GetTokenRequest.newBuilder().setTenant(tenant).setId(minted.getId()).build())
                .hasRevokedAt()).isTrue();
        assertRefused(() -> client.policies(minted.getToken()).getPolicy(GetPolicyRequest.newBuilder().setTenant(tenant)
                .setName("greeter-split").build()), Status.Code.UNAUTHENTICATED, "unauthenticated");
        assertThat(db.select(AUDIT_LOG.ACTOR).from(AUDIT_LOG).where(AUDIT_LOG.TENANT_ID.eq(tenantId())
                .and(AUDIT_LOG.RESOURCE_NAME.eq("greeter-split"))).fetchSingle(AUDIT_LOG.ACTOR))
                .isEqualTo("token:ci-deploy/" + minted.getId());
    }

    @Test
    void tokensAreManagedOnlyByOwnersAndAdminsWithinTheirRole() {
        String editor = mint(tenant, Role.EDITOR);
        String admin = mint(tenant, Role.ADMIN);

        assertRefused(() -> client.tokens(editor).listTokens(ListTokensRequest.newBuilder().setTenant(tenant).build()),
                Status.Code.PERMISSION_DENIED, "forbidden");
        assertRefused(() -> client.tokens(admin).createToken(CreateTokenRequest.newBuilder().setTenant(tenant)
                .setName("root").setRole("owner").build()), Status.Code.PERMISSION_DENIED, "forbidden");
        assertRefused(() -> client.tokens(TOKEN).createToken(CreateTokenRequest.newBuilder().setTenant(tenant)
                        .setName("Bad Name").setRole("superuser").setExpiresIn("forever").build()),
                Status.Code.INVALID_ARGUMENT, "invalid_request", "name", "role", "expiresIn");
    }

    @Test
    void theAuditLogSaysWhoChangedWhatBeforeAndAfter() {
        client.policies(TOKEN).applyPolicy(route(100, 0));
        client.policies(TOKEN).applyPolicy(route(20, 80));

        ListAuditEntriesResponse entries = client.audit(TOKEN).listAuditEntries(ListAuditEntriesRequest.newBuilder()
                .setTenant(tenant).setKind("TrafficRoute").setName("greeter-split").build());

        assertThat(entries.getItemsList()).extracting(dev.fedmesh.api.v1.AuditEntry::getAction)
                .containsExactly("create", "update");
        dev.fedmesh.api.v1.AuditEntry update = entries.getItems(1);
        assertThat(update.getActor()).isEqualTo("admin");
        assertThat(update.getRevision()).isEqualTo(2);
        assertThat(update.getBefore().getFieldsOrThrow("spec").getStructValue().getFieldsOrThrow("split")
                .getListValue().getValues(0).getStructValue().getFieldsOrThrow("weight").getNumberValue()).isEqualTo(100);
        assertThat(update.getAfter().getFieldsOrThrow("spec").getStructValue().getFieldsOrThrow("split")
                .getListValue().getValues(0).getStructValue().getFieldsOrThrow("weight").getNumberValue()).isEqualTo(20);
    }

    @Test
    void aDryRunReportsWhatEachClusterWouldGetAndWritesNothing() {
        client.clusters(TOKEN).createCluster(CreateClusterRequest.newBuilder().setTenant(tenant)
                .setCluster(Cluster.newBuilder().setName("east")).build());
        Map<String, Integer> before = rowCounts();

        ApplyPolicyResponse apply = client.policies(TOKEN).applyPolicy(route(20, 80).toBuilder().setDryRun(true).build());
        CreateClusterResponse west = client.clusters(TOKEN).createCluster(CreateClusterRequest.newBuilder().setTenant(tenant)
                .setCluster(Cluster.newBuilder().setName("west")).setDryRun(true).build());

        assertThat(apply.getCreated()).isTrue();
        assertThat(apply.getDryRun().getCurrentRevision()).isEqualTo(1);
        assertThat(apply.getDryRun().getWouldBeRevision()).isEqualTo(2);
        assertThat(apply.getDryRun().getClustersList()).singleElement().satisfies(east -> {
            assertThat(east.getCluster()).isEqualTo("east");
            assertThat(east.getPolicies().getAddedList()).containsExactly("TrafficRoute/greeter-split");
        });
        assertThat(west.getBootstrapCredential()).as("no credential for a cluster that was not registered").isEmpty();
        assertThat(west.getDryRun().getClustersList()).filteredOn(ClusterChange::getClusterAdded)
                .extracting(ClusterChange::getCluster).containsExactly("west");
        assertThat(rowCounts()).as("a dry run writes nothing").isEqualTo(before);
        assertRefused(() -> client.policies(TOKEN).deletePolicy(DeletePolicyRequest.newBuilder().setTenant(tenant)
                .setName("greeter-split").setDryRun(true).build()), Status.Code.NOT_FOUND, "not_found");
    }

    @Test
    void thePolicyOnEveryKindsDocPageAppliesOverGrpc() throws IOException {
        for (String cluster : List.of("east", "west")) {
            client.clusters(TOKEN).createCluster(CreateClusterRequest.newBuilder().setTenant(tenant)
                    .setCluster(Cluster.newBuilder().setName(cluster)).build());
        }
        for (String service : List.of("greeter", "frontend", "checkout")) {
            client.services(TOKEN).applyService(ApplyServiceRequest.newBuilder().setTenant(tenant)
                    .setService(ServiceResource.newBuilder().setName(service)).build());
        }
        Pattern firstJsonBlock = Pattern.compile("```json\n(.*?)```", Pattern.DOTALL);

        List<String> applied = new ArrayList<>();
        try (Stream<Path> pages = Files.list(Path.of("..", "docs", "policies"))) {
            // One page per kind, named after it; the index (README.md) holds no policy.
            for (Path page : pages.filter(p -> PolicyKinds.names().contains(p.getFileName().toString().replace(".md", "")))
                    .sorted().toList()) {
                Matcher document = firstJsonBlock.matcher(Files.readString(page));
                assertThat(document.find()).as("a policy document on %s", page).isTrue();
                PolicyResource policy = GrpcClient.fromJson(document.group(1), PolicyResource.getDefaultInstance());
                ApplyPolicyResponse answer = client.policies(TOKEN).applyPolicy(ApplyPolicyRequest.newBuilder()
                        .setTenant(tenant).setPolicy(policy).build());
                assertThat(answer.getCreated()).as(page.toString()).isTrue();
                applied.add(answer.getPolicy().getKind());
            }
        }

        assertThat(applied).containsExactlyInAnyOrderElementsOf(PolicyKinds.names());
    }

    @Test
    void applyingTheSameRouteTwiceChangesNothingTheSecondTime() {
        client.policies(TOKEN).applyPolicy(route(20, 80));
        Map<String, Integer> before = rowCounts();

        ApplyPolicyResponse again = client.policies(TOKEN).applyPolicy(route(20, 80));

        assertThat(again.getCreated()).isFalse();
        assertThat(again.getPolicy().getResourceVersion()).isEqualTo(1);
        assertThat(rowCounts()).isEqualTo(before);
    }

    @Test
    void aMalformedSpecIsRefusedNamingTheFieldAndChangesNothing() {
        assertRefused(() -> client.policies(TOKEN).applyPolicy(GrpcClient.fromJson("""
                        {"tenant": "%s", "policy": {"kind": "TrafficRoute", "name": "greeter-split",
                         "target": {"service": "greeter"}, "spec": {"split": "all of it to v2"}}}""".formatted(tenant),
                        ApplyPolicyRequest.getDefaultInstance())),
                Status.Code.INVALID_ARGUMENT, "invalid_request", "spec.split");
    }

    @Test
    void anUnknownKindIsRefusedNamingTheField() {
        assertRefused(() -> client.policies(TOKEN).applyPolicy(GrpcClient.fromJson("""
                        {"tenant": "%s", "policy": {"kind": "Teleport", "name": "x", "target": {"service": "a"},
                         "spec": {}}}""".formatted(tenant), ApplyPolicyRequest.getDefaultInstance())),
                Status.Code.INVALID_ARGUMENT, "invalid_request", "kind");
    }

    @Test
    void weightsThatDoNotAddUpAreRefusedNamingTheField() {
        assertRefused(() -> client.policies(TOKEN).applyPolicy(route(20, 70)),
                Status.Code.INVALID_ARGUMENT, "invalid_request", "spec.split");
    }

    @Test
    void anUnknownFieldInTheSpecIsRefusedByItsPath() {
        assertRefused(() -> client.policies(TOKEN).applyPolicy(GrpcClient.fromJson("""
                        {"tenant": "%s", "policy": {"kind": "TrafficRoute", "name": "greeter-split",
                         "target": {"service": "greeter"},
                         "spec": {"split": [{"subset": {"version": "v1"}, "weight": 100, "wieght": 5}]}}}"""
                        .formatted(tenant), ApplyPolicyRequest.getDefaultInstance())),
                Status.Code.INVALID_ARGUMENT, "invalid_request", "spec.split[0].wieght");
    }

    @Test
    void aNumberJsonCannotHoldIsRefusedByItsPath() {
        assertRefused(() -> client.policies(TOKEN).applyPolicy(route(100, 0).toBuilder().setPolicy(nanWeight()).build()),
                Status.Code.INVALID_ARGUMENT, "invalid_request", "spec.split[0].weight");
    }

    @Test
    void anUnknownTenantIsAnsweredNotFound() {
        assertRefused(() -> client.policies(TOKEN).applyPolicy(route(20, 80).toBuilder().setTenant("nobody-here").build()),
                Status.Code.NOT_FOUND, "not_found");
        assertRefused(() -> client.tenants(TOKEN).getTenant(GetTenantRequest.newBuilder().setName("nobody-here").build()),
                Status.Code.NOT_FOUND, "not_found");
    }

    @Test
    void namesThatBreakTheNamingRuleAreRefused() {
        assertRefused(() -> client.clusters(TOKEN).createCluster(GrpcClient.fromJson("""
                        {"tenant": "%s", "cluster": {"name": "East_1", "region": "us east"}}""".formatted(tenant),
                        CreateClusterRequest.getDefaultInstance())),
                Status.Code.INVALID_ARGUMENT, "invalid_request", "name", "region");
        assertRefused(() -> client.policies(TOKEN).applyPolicy(route(20, 80).toBuilder()
                        .setPolicy(route(20, 80).getPolicy().toBuilder().setName("Greeter Split")).build()),
                Status.Code.INVALID_ARGUMENT, "invalid_request", "name");
        assertRefused(() -> client.tenants(TOKEN).createTenant(CreateTenantRequest.newBuilder()
                        .setTenant(Tenant.newBuilder().setName("acme'; drop table tenants; --")).build()),
                Status.Code.INVALID_ARGUMENT, "invalid_request", "name");
    }

    @Test
    void injectionAttemptsInEveryStringFieldAreRefusedAndChangeNothing() {
        assertRefused(() -> client.clusters(TOKEN).createCluster(GrpcClient.fromJson("""
                        {"tenant": "%s", "cluster": {"name": "east'; DROP TABLE clusters; --",
                         "region": "<script>alert(1)</script>", "zone": "' OR '1'='1", "network": "vpc\\u0000",
                         "labels": {"<b>tier</b>": "gold", "team": "x'); DELETE FROM policies; --"}}}""".formatted(tenant),
                        CreateClusterRequest.getDefaultInstance())),
                Status.Code.INVALID_ARGUMENT, "invalid_request", "name", "region", "zone", "network", "labels.<b>tier</b>",
                "labels.team");
        assertRefused(() -> client.policies(TOKEN).applyPolicy(GrpcClient.fromJson("""
                        {"tenant": "%s", "policy": {"kind": "TrafficRoute", "name": "r'; DROP TABLE policies; --",
                         "labels": {"team": "<img src=x onerror=alert(1)>"},
                         "target": {"service": "greeter' OR 1=1 --", "subset": {"version": "v1\\\"><script>"}},
                         "spec": {"split": [{"subset": {"version": "'; TRUNCATE outbox; --"}, "weight": 100}]}}}"""
                        .formatted(tenant), ApplyPolicyRequest.getDefaultInstance())),
                Status.Code.INVALID_ARGUMENT, "invalid_request", "name", "labels.team", "target.service",
                "target.subset.version", "spec.split[0].subset.version");
        assertRefused(() -> client.policies(TOKEN).getPolicy(GetPolicyRequest.newBuilder()
                .setTenant("x' OR '1'='1").setName("greeter-split").build()), Status.Code.NOT_FOUND, "not_found");
    }

    @Test
    void aClusterNameCanBeTakenOnlyOnce() {
        CreateClusterRequest east = CreateClusterRequest.newBuilder().setTenant(tenant)
                .setCluster(Cluster.newBuilder().setName("east")).build();
        client.clusters(TOKEN).createCluster(east);

        assertRefused(() -> client.clusters(TOKEN).createCluster(east), Status.Code.ALREADY_EXISTS, "already_exists");
    }

    @Test
    void aWriteBasedOnAStaleResourceVersionIsAborted() {
        long version = client.policies(TOKEN).applyPolicy(route(100, 0)).getPolicy().getResourceVersion();
        client.policies(TOKEN).applyPolicy(route(50, 50));

        assertRefused(() -> client.policies(TOKEN).applyPolicy(route(20, 80).toBuilder()
                .setExpectedResourceVersion(version).build()), Status.Code.ABORTED, "version_conflict");
        assertRefused(() -> client.policies(TOKEN).deletePolicy(DeletePolicyRequest.newBuilder().setTenant(tenant)
                .setName("greeter-split").setExpectedResourceVersion(version).build()), Status.Code.ABORTED, "version_conflict");
    }

    @Test
    void requestsWithoutAValidTokenAreRefusedWithoutEchoingTheToken() {
        StatusRuntimeException missing = assertRefused(() -> client.policies(null).applyPolicy(route(20, 80)),
                Status.Code.UNAUTHENTICATED, "unauthenticated");
        StatusRuntimeException forged = assertRefused(() -> client.policies(TOKEN + "x").applyPolicy(route(20, 80)),
                Status.Code.UNAUTHENTICATED, "unauthenticated");

        assertThat(missing.getStatus().getDescription()).contains("authorization: Bearer");
        assertThat(forged.getStatus().getDescription()).doesNotContain(TOKEN);
        assertThat(String.valueOf(forged.getTrailers())).doesNotContain(TOKEN);
    }

    @Test
    void anotherTenantsResourcesAreAnsweredAsIfTheyDidNotExist() {
        client.clusters(TOKEN).createCluster(CreateClusterRequest.newBuilder().setTenant(tenant)
                .setCluster(Cluster.newBuilder().setName("east")).build());
        client.policies(TOKEN).applyPolicy(route(20, 80));
        String other = "t-" + UUID.randomUUID().toString().substring(0, 8);
        client.tenants(TOKEN).createTenant(CreateTenantRequest.newBuilder().setTenant(Tenant.newBuilder().setName(other)).build());
        String outsider = mint(other, Role.OWNER);

        StatusRuntimeException existing = assertRefused(() -> client.policies(outsider).getPolicy(GetPolicyRequest.newBuilder()
                .setTenant(tenant).setName("greeter-split").build()), Status.Code.NOT_FOUND, "not_found");
        StatusRuntimeException absent = assertRefused(() -> client.policies(outsider).getPolicy(GetPolicyRequest.newBuilder()
                .setTenant("nobody-here").setName("greeter-split").build()), Status.Code.NOT_FOUND, "not_found");
        assertRefused(() -> client.policies(outsider).applyPolicy(route(50, 50)), Status.Code.NOT_FOUND, "not_found");
        assertRefused(() -> client.clusters(outsider).listClusters(ListClustersRequest.newBuilder().setTenant(tenant).build()),
                Status.Code.NOT_FOUND, "not_found");
        assertRefused(() -> client.tenants(outsider).getTenant(GetTenantRequest.newBuilder().setName(tenant).build()),
                Status.Code.NOT_FOUND, "not_found");
        assertRefused(() -> client.clusters(outsider).getCluster(GetClusterRequest.newBuilder().setTenant(tenant)
                .setName("east").build()), Status.Code.NOT_FOUND, "not_found");
        assertRefused(() -> client.clusters(outsider).createCluster(CreateClusterRequest.newBuilder().setTenant(tenant)
                .setCluster(Cluster.newBuilder().setName("west")).build()), Status.Code.NOT_FOUND, "not_found");
        assertRefused(() -> client.policies(outsider).listPolicies(ListPoliciesRequest.newBuilder().setTenant(tenant).build()),
                Status.Code.NOT_FOUND, "not_found");
        assertRefused(() -> client.services(outsider).listServices(ListServicesRequest.newBuilder().setTenant(tenant).build()),
                Status.Code.NOT_FOUND, "not_found");
        assertRefused(() -> client.policies(outsider).deletePolicy(DeletePolicyRequest.newBuilder().setTenant(tenant)
                .setName("greeter-split").build()), Status.Code.NOT_FOUND, "not_found");

        assertThat(existing.getStatus().getDescription()).isEqualTo(absent.getStatus().getDescription()
                .replace("nobody-here", tenant));
    }

    @Test
    void aViewerCanReadButNotChangeAPolicy() {
        client.policies(TOKEN).applyPolicy(route(20, 80));
        String viewer = mint(tenant, Role.VIEWER);

        assertThat(client.policies(viewer).listPolicies(ListPoliciesRequest.newBuilder().setTenant(tenant).build())
                .getItemsCount()).isEqualTo(1);
        assertRefused(() -> client.policies(viewer).applyPolicy(route(50, 50)), Status.Code.PERMISSION_DENIED, "forbidden");
        assertRefused(() -> client.tenants(viewer).createTenant(CreateTenantRequest.newBuilder()
                .setTenant(Tenant.newBuilder().setName("sneaky")).build()), Status.Code.PERMISSION_DENIED, "forbidden");
    }

    @Test
    void aTenantOverItsRequestRateIsToldWhenToRetry() {
        String editor = mint(tenant, Role.EDITOR);
        GetTenantRequest read = GetTenantRequest.newBuilder().setName(tenant).build();
        for (int i = 0; i < RATE_LIMIT_BURST; i++) {
            client.tenants(editor).getTenant(read);
        }

        StatusRuntimeException limited = assertRefused(() -> client.tenants(editor).getTenant(read),
                Status.Code.RESOURCE_EXHAUSTED, "rate_limited");

        assertThat(detail(StatusProto.fromThrowable(limited), RetryInfo.class).getRetryDelay().getSeconds()).isPositive();
    }

    @Test
    void listingRefusesAnUnknownKindAndPagesThroughPolicies() {
        client.policies(TOKEN).applyPolicy(route(20, 80));
        client.policies(TOKEN).applyPolicy(route(20, 80).toBuilder().setPolicy(route(20, 80).getPolicy().toBuilder()
                .setName("greeter-split-2").setTarget(route(20, 80).getPolicy().getTarget().toBuilder()
                        .putFields("service", Value.newBuilder().setStringValue("hello").build())))
                .build());

        ListPoliciesResponse first = client.policies(TOKEN).listPolicies(ListPoliciesRequest.newBuilder()
                .setTenant(tenant).setLimit(1).build());
        ListPoliciesResponse second = client.policies(TOKEN).listPolicies(ListPoliciesRequest.newBuilder()
                .setTenant(tenant).setLimit(1).setPageToken(first.getNextPageToken()).build());

        assertThat(first.getItemsList()).extracting(PolicyResource::getName).containsExactly("greeter-split");
        assertThat(second.getItemsList()).extracting(PolicyResource::getName).containsExactly("greeter-split-2");
        assertThat(second.getNextPageToken()).isEmpty();
        assertRefused(() -> client.policies(TOKEN).listPolicies(ListPoliciesRequest.newBuilder()
                .setTenant(tenant).setKind("Teleport").build()), Status.Code.INVALID_ARGUMENT, "invalid_request", "kind");
    }

    @Test
    void aMessageOverOneMegabyteIsRefusedAndChangesNothing() {
        PolicyResource huge = route(20, 80).getPolicy().toBuilder().putLabels("padding", "x".repeat(1024 * 1024)).build();
        Map<String, Integer> before = rowCounts();

        StatusRuntimeException refused = assertThrows(StatusRuntimeException.class, () -> client.policies(TOKEN)
                .applyPolicy(ApplyPolicyRequest.newBuilder().setTenant(tenant).setPolicy(huge).build()));

        assertThat(refused.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
        assertThat(rowCounts()).isEqualTo(before);
    }

    @Test
    void reflectionListsTheManagementServices() throws Exception {
        CompletableFuture<List<String>> services = new CompletableFuture<>();
        StreamObserver<ServerReflectionRequest> requests = ServerReflectionGrpc.newStub(client.channel())
                .serverReflectionInfo(new StreamObserver<>() {
                    @Override
                    public void onNext(ServerReflectionResponse response) {
                        services.complete(response.getListServicesResponse().getServiceList().stream()
                                .map(ServiceResponse::getName).toList());
                    }

                    @Override
                    public void onError(Throwable error) {
                        services.completeExceptionally(error);
                    }

                    @Override
                    public void onCompleted() {
                    }
                });
        requests.onNext(ServerReflectionRequest.newBuilder().setListServices("").build());

        assertThat(services.get(60, TimeUnit.SECONDS)).contains("fedmesh.v1.TenantService", "fedmesh.v1.ClusterService",
                "fedmesh.v1.ServiceService", "fedmesh.v1.PolicyService", "grpc.health.v1.Health");
        requests.onCompleted();
    }

    @Test
    void healthAnswersServingForTheServerAndEachService() {
        HealthGrpc.HealthBlockingStub health = HealthGrpc.newBlockingStub(client.channel())
                .withDeadlineAfter(60, TimeUnit.SECONDS);

        assertThat(health.check(HealthCheckRequest.getDefaultInstance()).getStatus())
                .isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
        assertThat(health.check(HealthCheckRequest.newBuilder().setService("fedmesh.v1.PolicyService").build()).getStatus())
                .isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
    }

    @Test
    void everyRestRefusalHasItsGrpcCodeAndKeepsItsStableCode() {
        Map<String, Status.Code> expected = Map.of(
                "400 invalid_request", Status.Code.INVALID_ARGUMENT,
                "401 unauthenticated", Status.Code.UNAUTHENTICATED,
                "403 forbidden", Status.Code.PERMISSION_DENIED,
                "404 not_found", Status.Code.NOT_FOUND,
                "409 already_exists", Status.Code.ALREADY_EXISTS,
                "409 kind_mismatch", Status.Code.ALREADY_EXISTS,
                "409 version_conflict", Status.Code.ABORTED,
                "409 contradicts_policy", Status.Code.FAILED_PRECONDITION,
                "413 body_too_large", Status.Code.RESOURCE_EXHAUSTED,
                "500 internal", Status.Code.INTERNAL);
        expected.forEach((refusal, code) -> {
            String[] statusAndCode = refusal.split(" ");
            StatusRuntimeException answer = RpcErrors.refused(new ApiException(
                    HttpStatus.valueOf(Integer.parseInt(statusAndCode[0])), statusAndCode[1], "a message", List.of()));
            assertThat(answer.getStatus().getCode()).as(refusal).isEqualTo(code);
            assertThat(detail(StatusProto.fromThrowable(answer), ErrorInfo.class).getReason()).isEqualTo(statusAndCode[1]);
        });
        StatusRuntimeException tooMany = RpcErrors.toStatus(new TooManyRequests("quota_exceeded", "over quota", 3), "ApplyPolicy");
        assertThat(tooMany.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
        assertThat(detail(StatusProto.fromThrowable(tooMany), RetryInfo.class).getRetryDelay().getSeconds()).isEqualTo(3);
    }

    @SuppressWarnings("unchecked")
    private <Q, R> R call(MethodDescriptor<Q, R> method, String json) {
        Message prototype = (Message) ((MethodDescriptor.PrototypeMarshaller<Q>) method.getRequestMarshaller())
                .getMessagePrototype();
        Q request = (Q) GrpcClient.fromJson(json, prototype);
        return ClientCalls.blockingUnaryCall(client.as(TOKEN), method, CallOptions.DEFAULT.withDeadlineAfter(60, TimeUnit.SECONDS),
                request);
    }

    private ApplyPolicyRequest route(int v1, int v2) {
        return GrpcClient.fromJson(ROUTE.formatted(tenant, v1, v2), ApplyPolicyRequest.getDefaultInstance());
    }

    private PolicyResource nanWeight() {
        PolicyResource policy = route(100, 0).getPolicy();
        var spec = policy.getSpec().toBuilder();
        var split = spec.getFieldsOrThrow("split").getListValue().toBuilder();
        var first = split.getValues(0).getStructValue().toBuilder()
                .putFields("weight", Value.newBuilder().setNumberValue(Double.NaN).build());
        split.setValues(0, Value.newBuilder().setStructValue(first));
        split.removeValues(1);
        spec.putFields("split", Value.newBuilder().setListValue(split).build());
        return policy.toBuilder().setSpec(spec).build();
    }

    private String mint(String tenantName, Role role) {
        TokenRequest request = new TokenRequest("grpc-test-" + role.name().toLowerCase(), role, null);
        return context.getBean(TenantStore.class)
                .change(tenantName, "admin", change -> context.getBean(TokenStore.class).mint(change, request))
                .secret();
    }

    private StatusRuntimeException assertRefused(Executable call, Status.Code code, String reason, String... fields) {
        Map<String, Integer> before = rowCounts();

        StatusRuntimeException refused = assertThrows(StatusRuntimeException.class, call);

        assertThat(refused.getStatus().getCode()).as(String.valueOf(refused.getStatus())).isEqualTo(code);
        com.google.rpc.Status status = StatusProto.fromThrowable(refused);
        assertThat(status).as("a google.rpc.Status in the trailers").isNotNull();
        assertThat(status.getMessage()).isNotBlank();
        assertThat(detail(status, ErrorInfo.class).getReason()).isEqualTo(reason);
        if (fields.length > 0) {
            assertThat(detail(status, BadRequest.class).getFieldViolationsList())
                    .extracting(BadRequest.FieldViolation::getField).contains(fields);
        }
        assertThat(rowCounts()).as("the database holds exactly what it held before").isEqualTo(before);
        return refused;
    }

    private static <T extends Message> T detail(com.google.rpc.Status status, Class<T> type) {
        for (Any any : status.getDetailsList()) {
            if (any.is(type)) {
                try {
                    return any.unpack(type);
                } catch (InvalidProtocolBufferException e) {
                    throw new AssertionError(e);
                }
            }
        }
        throw new AssertionError("no " + type.getSimpleName() + " in " + status);
    }

    private Map<String, Integer> rowCounts() {
        return Map.of(
                "tenants", db.fetchCount(TENANTS),
                "revisions", db.select(DSL.sum(TENANTS.REVISION)).from(TENANTS).fetchOne(0, Integer.class),
                "clusters", db.fetchCount(CLUSTERS),
                "policies", db.fetchCount(POLICIES),
                "outbox", db.fetchCount(OUTBOX),
                "audit", db.fetchCount(AUDIT_LOG));
    }

    private UUID tenantId() {
        return tenantId(tenant);
    }

    private UUID tenantId(String name) {
        return db.select(TENANTS.ID).from(TENANTS).where(TENANTS.NAME.eq(name)).fetchSingle(TENANTS.ID);
    }
}
