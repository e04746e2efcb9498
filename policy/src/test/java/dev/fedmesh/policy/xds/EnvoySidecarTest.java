package dev.fedmesh.policy.xds;

import static dev.fedmesh.policy.xds.DesiredConfigs.meshDefault;
import static dev.fedmesh.policy.xds.DesiredConfigs.meshMtls;
import static dev.fedmesh.policy.xds.DesiredConfigs.permission;
import static dev.fedmesh.policy.xds.DesiredConfigs.versionSplit;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.fedmesh.api.v1.DesiredConfig;
import dev.fedmesh.api.v1.MeshTrust;
import dev.fedmesh.api.v1.MtlsModeSpec;
import dev.fedmesh.api.v1.Policy;
import dev.fedmesh.api.v1.RateLimitSpec;
import dev.fedmesh.api.v1.ServiceSubset;
import dev.fedmesh.api.v1.Target;
import dev.fedmesh.api.v1.TrafficPermissionSpec;
import dev.fedmesh.policy.ratelimit.RateLimitTranslator;
import dev.fedmesh.policy.testing.Golden;
import dev.fedmesh.policy.faultinjection.FaultInjectionTranslator;
import dev.fedmesh.policy.testing.PolicyDocuments;
import dev.fedmesh.policy.trafficpermission.TrafficPermissionTranslator;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.common.ratelimit.v3.LocalRateLimitDescriptor;
import io.envoyproxy.envoy.extensions.common.ratelimit.v3.RateLimitDescriptor;
import io.envoyproxy.envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit;
import io.envoyproxy.envoy.extensions.filters.http.rbac.v3.RBAC;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import io.envoyproxy.envoy.type.v3.StatusCode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The Envoy sidecar of a greeter workload (port 8080, application at 127.0.0.1:9080, namespace shop,
 * calling ledger at 127.0.0.1:9001) in cluster eu-west-1 of acme.example: what each policy kind makes
 * of it, held to Envoy's own constraints and to golden files under testdata/sidecar.
 */
class EnvoySidecarTest {

    private static final Path GOLDEN = Path.of("src", "test", "resources", "testdata", "sidecar");
    private static final String TRUST_DOMAIN = "acme.example";
    private static final SidecarWorkload GREETER = new SidecarWorkload("greeter", 8080, 9080,
            Map.of("version", "v2"), "shop", Map.of("ledger", 9001, "undeclared", 9002));
    private static final List<ServiceEndpoint> ENDPOINTS = List.of(
            new ServiceEndpoint("greeter", "10.0.0.5", 8080, Map.of("version", "v2")),
            new ServiceEndpoint("ledger", "10.0.0.7", 7070, Map.of("version", "v1")),
            new ServiceEndpoint("ledger", "10.0.0.8", 7070, Map.of("version", "v2")));

    private static DesiredConfig config(Policy... policies) {
        return DesiredConfigs.config(7, "greeter", "ledger").toBuilder()
                .setTrust(MeshTrust.newBuilder().setTrustDomain(TRUST_DOMAIN))
                .addAllPolicies(List.of(policies))
                .build();
    }

    private static XdsResources sidecar(DesiredConfig config) {
        return EnvoySidecar.resources(config, GREETER, new ProxyConfigTranslator().translate(config, ENDPOINTS));
    }

    private static void matchesGolden(String name, XdsResources resources) throws Exception {
        EnvoyConstraints.assertAllValid(resources);
        Golden.assertMatches(GOLDEN, name + ".golden.json", XdsJson.render(resources).stripTrailing());
    }

    @Test
    void withoutPoliciesTheSidecarForwardsPlaintextToTheApplicationAndCallsThroughTheMeshsOwnRoutes() throws Exception {
        DesiredConfig config = config();
        XdsResources mesh = new ProxyConfigTranslator().translate(config, ENDPOINTS);
        XdsResources sidecar = EnvoySidecar.resources(config, GREETER, mesh);

        assertThat(sidecar.listeners()).extracting(Listener::getName)
                .as("an undeclared upstream gets no listener").containsExactly("inbound|8080", "outbound|ledger");
        Listener inbound = listener(sidecar, "inbound|8080");
        assertThat(inbound.getAddress().getSocketAddress().getAddress()).isEqualTo("0.0.0.0");
        assertThat(inbound.getFilterChainsList()).hasSize(1);
        assertThat(inbound.getFilterChains(0).hasTransportSocket()).isFalse();
        HttpConnectionManager in = manager(inbound.getFilterChains(0));
        assertThat(in.getRouteConfig().getVirtualHosts(0).getRoutes(0).getRoute().getCluster())
                .isEqualTo(EnvoySidecar.localClusterName("greeter", 9080));
        assertThat(in.getHttpFiltersList()).extracting(HttpFilter::getName).containsExactly(ProxyConfigTranslator.ROUTER_FILTER);
        Cluster local = cluster(sidecar, EnvoySidecar.localClusterName("greeter", 9080));
        assertThat(local.getLoadAssignment().getEndpoints(0).getLbEndpoints(0).getEndpoint().getAddress()
                .getSocketAddress()).satisfies(address -> {
                    assertThat(address.getAddress()).isEqualTo("127.0.0.1");
                    assertThat(address.getPortValue()).isEqualTo(9080);
                });

        Listener outbound = listener(sidecar, "outbound|ledger");
        assertThat(outbound.getAddress().getSocketAddress().getAddress()).isEqualTo("127.0.0.1");
        assertThat(outbound.getAddress().getSocketAddress().getPortValue()).isEqualTo(9001);
        assertThat(manager(outbound.getFilterChains(0)).getRds().getRouteConfigName())
                .as("the same RouteConfiguration proxyless clients get").isEqualTo("ledger");
        assertThat(sidecar.routes()).as("the mesh's routes, unchanged").isEqualTo(mesh.routes());
        assertThat(sidecar.endpoints()).as("the mesh's endpoints, unchanged").isEqualTo(mesh.endpoints());
        for (Cluster meshCluster : mesh.clusters()) {
            Cluster envoy = cluster(sidecar, meshCluster.getName());
            assertThat(envoy.toBuilder().clearTypedExtensionProtocolOptions().build())
                    .as("%s: the mesh's cluster, only given its upstream protocol", meshCluster.getName())
                    .isEqualTo(meshCluster);
        }
        matchesGolden("no-policies", sidecar);
    }

    @Test
    void strictMutualTlsTakesTheWorkloadsSvidAndTheRootsFromTheAgentsSdsOnBothSides() throws Exception {
        XdsResources sidecar = sidecar(config(meshMtls(MtlsModeSpec.Mode.MODE_STRICT)));

        Listener inbound = listener(sidecar, "inbound|8080");
        assertThat(inbound.getListenerFiltersList()).isEmpty();
        assertThat(inbound.getFilterChainsList()).hasSize(1);
        DownstreamTlsContext server = inbound.getFilterChains(0).getTransportSocket().getTypedConfig()
                .unpack(DownstreamTlsContext.class);
        assertThat(server.getRequireClientCertificate().getValue()).isTrue();
        assertThat(server.getCommonTlsContext().getTlsCertificateSdsSecretConfigs(0).getName())
                .isEqualTo("spiffe://acme.example/ns/shop/sa/greeter");
        assertThat(server.getCommonTlsContext().getCombinedValidationContext().getValidationContextSdsSecretConfig()
                .getName()).isEqualTo("spiffe://acme.example");
        assertThat(server.getCommonTlsContext().getTlsCertificateSdsSecretConfigs(0).getSdsConfig().getApiConfigSource()
                .getGrpcServices(0).getEnvoyGrpc().getClusterName()).isEqualTo(EnvoySidecar.SDS_CLUSTER);

        UpstreamTlsContext client = cluster(sidecar, "outbound|ledger").getTransportSocket().getTypedConfig()
                .unpack(UpstreamTlsContext.class);
        assertThat(client.getSni()).isEqualTo("ledger.fedmesh.internal");
        assertThat(client.getCommonTlsContext().hasTlsCertificateProviderInstance()).as("no file watcher").isFalse();
        assertThat(client.getCommonTlsContext().getTlsCertificateSdsSecretConfigs(0).getName())
                .isEqualTo("spiffe://acme.example/ns/shop/sa/greeter");
        assertThat(client.getCommonTlsContext().getCombinedValidationContext().getDefaultValidationContext()
                .getMatchTypedSubjectAltNames(0).getMatcher().getSafeRegex().getRegex())
                .as("only a ledger workload is accepted").contains("/sa/ledger");
        matchesGolden("mtls-strict", sidecar);
    }

    @Test
    void permissiveMutualTlsInspectsEachConnectionAndServesTlsAndPlaintextCallersOnTheSamePort() throws Exception {
        XdsResources sidecar = sidecar(config(meshMtls(MtlsModeSpec.Mode.MODE_PERMISSIVE)));

        Listener inbound = listener(sidecar, "inbound|8080");
        assertThat(inbound.getListenerFiltersList()).extracting(f -> f.getName()).containsExactly(EastWestGateway.TLS_INSPECTOR);
        assertThat(inbound.getFilterChainsList()).extracting(chain -> chain.getFilterChainMatch().getTransportProtocol())
                .containsExactly("tls", "raw_buffer");
        assertThat(inbound.getFilterChains(0).getTransportSocket().getTypedConfig().unpack(DownstreamTlsContext.class)
                .getRequireClientCertificate().getValue()).as("a TLS caller shows its certificate").isTrue();
        assertThat(inbound.getFilterChains(1).hasTransportSocket()).isFalse();
        assertThat(cluster(sidecar, "outbound|ledger").hasTransportSocket())
                .as("callers of a PERMISSIVE service speak plaintext, as proxyless ones do").isFalse();
        matchesGolden("mtls-permissive", sidecar);
    }

    @Test
    void trafficPermissionsGuardTheInboundPortWithTheSameRbacFiltersAsAProxylessServer() throws Exception {
        DesiredConfig config = config(meshMtls(MtlsModeSpec.Mode.MODE_STRICT),
                meshDefault(TrafficPermissionSpec.Action.ACTION_DENY),
                permission("frontend-calls", "greeter", TrafficPermissionSpec.Action.ACTION_ALLOW, "frontend"));
        XdsResources sidecar = sidecar(config);

        List<HttpFilter> filters = manager(listener(sidecar, "inbound|8080").getFilterChains(0)).getHttpFiltersList();
        assertThat(filters).extracting(HttpFilter::getName)
                .containsExactly(TrafficPermissionTranslator.DENY_FILTER, TrafficPermissionTranslator.ALLOW_FILTER,
                        ProxyConfigTranslator.ROUTER_FILTER);
        assertThat(filters.subList(0, 2)).isEqualTo(TrafficPermissionTranslator.httpFilters("greeter", TRUST_DOMAIN,
                config.getPoliciesList()));
        matchesGolden("traffic-permission", sidecar);
    }

    @Test
    void aRateLimitFromOneSourceCountsEachOfItsCallersInTheirOwnBucketAndNoOneElse() throws Exception {
        Policy limit = rateLimit("greeter-posts", Map.of("version", "v2"), List.of("frontend", "batch"),
                RateLimitSpec.newBuilder().setRequests(100).setInterval(seconds(1)).setBurst(20).setHttpStatus(429)
                        .setMatch(RateLimitSpec.RequestMatch.newBuilder().setPathPrefix("/api/").setMethod("POST")).build());
        Policy everyone = rateLimit("greeter-all", Map.of(), List.of(),
                RateLimitSpec.newBuilder().setRequests(1000).setInterval(seconds(60)).setHttpStatus(503)
                        .setMatch(RateLimitSpec.RequestMatch.newBuilder().setPathExact("/login")).build());
        Policy otherSubset = rateLimit("greeter-v1", Map.of("version", "v1"), List.of(),
                RateLimitSpec.newBuilder().setRequests(5).setInterval(seconds(1)).setHttpStatus(429).build());
        XdsResources sidecar = sidecar(config(meshMtls(MtlsModeSpec.Mode.MODE_STRICT), limit, everyone, otherSubset));

        List<HttpFilter> filters = manager(listener(sidecar, "inbound|8080").getFilterChains(0)).getHttpFiltersList();
        assertThat(filters).extracting(HttpFilter::getName)
                .as("v1's limit is not this v2 workload's; each policy its own filter, sources named first")
                .containsExactly("fedmesh.rate-limit.greeter-all", "fedmesh.rate-limit.greeter-posts.sources",
                        "fedmesh.rate-limit.greeter-posts", ProxyConfigTranslator.ROUTER_FILTER);

        RBAC sources = filters.get(1).getTypedConfig().unpack(RBAC.class);
        assertThat(sources.hasRules()).as("shadow only: it never denies").isFalse();
        assertThat(sources.getShadowRules().getPoliciesMap()).containsOnlyKeys("batch", "frontend");

        LocalRateLimit posts = filters.get(2).getTypedConfig().unpack(LocalRateLimit.class);
        assertThat(posts.hasTokenBucket()).as("a request of no named source is not counted").isFalse();
        assertThat(posts.getDescriptorsList()).extracting(EnvoySidecarTest::entries).containsExactly(
                List.of("fedmesh.rate-limit=greeter-posts", "fedmesh.method=POST", "fedmesh.path=prefix:/api/",
                        "fedmesh.source=batch"),
                List.of("fedmesh.rate-limit=greeter-posts", "fedmesh.method=POST", "fedmesh.path=prefix:/api/",
                        "fedmesh.source=frontend"));
        LocalRateLimitDescriptor frontend = posts.getDescriptors(1);
        assertThat(frontend.getTokenBucket().getMaxTokens()).as("requests + burst").isEqualTo(120);
        assertThat(frontend.getTokenBucket().getTokensPerFill().getValue()).isEqualTo(100);
        assertThat(frontend.getTokenBucket().getFillInterval().getSeconds()).isEqualTo(1);
        assertThat(posts.getRateLimits(0).getActionsList()).last()
                .satisfies(action -> assertThat(action.getMetadata().getMetadataKey().getPath(0).getKey())
                        .isEqualTo(sources.getShadowRulesStatPrefix() + "shadow_effective_policy_id"));
        assertThat(posts.getFilterEnforced().getDefaultValue().getNumerator()).isEqualTo(100);
        assertThat(posts.getRateLimitedAsResourceExhausted()).isTrue();

        LocalRateLimit all = filters.get(0).getTypedConfig().unpack(LocalRateLimit.class);
        assertThat(all.getStatus().getCode()).isEqualTo(StatusCode.ServiceUnavailable);
        assertThat(entries(all.getDescriptors(0))).containsExactly("fedmesh.rate-limit=greeter-all",
                "fedmesh.path=exact:/login");
        matchesGolden("rate-limit", sidecar);
    }

    @Test
    void aLimitStatusEnvoyCannotNameIsAnswered429() {
        assertThat(RateLimitTranslator.envoyStatus(499)).isEqualTo(StatusCode.TooManyRequests);
        assertThat(RateLimitTranslator.envoyStatus(503)).isEqualTo(StatusCode.ServiceUnavailable);
        assertThat(RateLimitTranslator.envoyStatus(429)).isEqualTo(StatusCode.TooManyRequests);
    }

    @Test
    void aTrafficRouteSplitsTheSidecarsCallsThroughTheMeshsRouteAndSubsetClusters() throws Exception {
        DesiredConfig config = config(versionSplit("ledger-canary", "ledger", 90, 10));
        XdsResources mesh = new ProxyConfigTranslator().translate(config, ENDPOINTS);
        XdsResources sidecar = EnvoySidecar.resources(config, GREETER, mesh);

        assertThat(sidecar.routes()).isEqualTo(mesh.routes());
        assertThat(sidecar.clusters()).extracting(Cluster::getName)
                .containsAll(mesh.clusters().stream().map(Cluster::getName).toList());
        matchesGolden("traffic-route", sidecar);
    }

    @Test
    void everyKindTogether() throws Exception {
        Policy limit = rateLimit("greeter-posts", Map.of(), List.of("frontend"),
                RateLimitSpec.newBuilder().setRequests(10).setInterval(seconds(1)).setHttpStatus(429).build());
        List<Policy> policies = new ArrayList<>(List.of(meshMtls(MtlsModeSpec.Mode.MODE_PERMISSIVE),
                permission("no-batch", "greeter", TrafficPermissionSpec.Action.ACTION_DENY, "batch"),
                versionSplit("ledger-canary", "ledger", 50, 50), limit));
        policies.addAll(PolicyDocuments.wire("""
                {"kind": "Retry", "name": "ledger-retries", "target": {"service": "ledger"},
                 "spec": {"attempts": 2, "retryOn": ["unavailable", "5xx"], "perTryTimeout": "1s"}}""", """
                {"kind": "Timeout", "name": "ledger-timeouts", "target": {"service": "ledger"},
                 "spec": {"request": "3s", "connect": "1s", "idle": "5m"}}""", """
                {"kind": "CircuitBreaker", "name": "ledger-limits", "target": {"service": "ledger"},
                 "spec": {"maxRequests": 100, "outlierDetection": {"consecutive5xx": 5}}}""", """
                {"kind": "FaultInjection", "name": "greeter-chaos", "target": {"service": "greeter"},
                 "spec": {"abort": {"grpcStatus": "UNAVAILABLE", "percentage": 1}}}""", """
                {"kind": "FaultInjection", "name": "ledger-v2-slow", "target": {"service": "ledger", "subset": {"version": "v2"}},
                 "spec": {"delay": {"duration": "1s", "percentage": 5}}}"""));
        XdsResources sidecar = sidecar(config(policies.toArray(Policy[]::new)));

        assertThat(manager(listener(sidecar, "inbound|8080").getFilterChains(0)).getHttpFiltersList())
                .extracting(HttpFilter::getName)
                .containsExactly(TrafficPermissionTranslator.DENY_FILTER, "fedmesh.rate-limit.greeter-posts.sources",
                        "fedmesh.rate-limit.greeter-posts", ProxyConfigTranslator.ROUTER_FILTER);
        assertThat(outboundFilters(sidecar, "ledger")).as("the caller injects the callee's faults, once; greeter's"
                        + " are its callers' to inject")
                .containsExactly(FaultInjectionTranslator.FAULT_FILTER, ProxyConfigTranslator.ROUTER_FILTER);
        assertThat(sidecar.routes()).as("the outbound routes carry the mesh's retries and timeouts")
                .anySatisfy(route -> assertThat(route.getVirtualHosts(0).getRoutes(0).getRoute().hasRetryPolicy()).isTrue());
        assertThat(sidecar.clusters()).as("the outbound clusters carry the mesh's circuit breakers")
                .anySatisfy(cluster -> assertThat(cluster.hasCircuitBreakers() && cluster.hasOutlierDetection()).isTrue());
        matchesGolden("all-kinds", sidecar);
    }

    private static List<String> outboundFilters(XdsResources sidecar, String service) throws Exception {
        return manager(listener(sidecar, EnvoySidecar.outboundListenerName(service)).getFilterChains(0))
                .getHttpFiltersList().stream().map(HttpFilter::getName).toList();
    }

    private static Policy rateLimit(String name, Map<String, String> subset, List<String> from, RateLimitSpec spec) {
        Policy.Builder policy = Policy.newBuilder()
                .setKind("RateLimit")
                .setName(name)
                .setTarget(Target.newBuilder().setService(ServiceSubset.newBuilder().setService("greeter").putAllLabels(subset)))
                .setRateLimit(spec);
        from.forEach(source -> policy.addFrom(ServiceSubset.newBuilder().setService(source)));
        return policy.build();
    }

    private static com.google.protobuf.Duration seconds(long seconds) {
        return com.google.protobuf.Duration.newBuilder().setSeconds(seconds).build();
    }

    private static List<String> entries(LocalRateLimitDescriptor descriptor) {
        return descriptor.getEntriesList().stream()
                .map((RateLimitDescriptor.Entry entry) -> entry.getKey() + "=" + entry.getValue()).toList();
    }

    private static Listener listener(XdsResources resources, String name) {
        return resources.listeners().stream().filter(l -> l.getName().equals(name)).findFirst().orElseThrow();
    }

    private static Cluster cluster(XdsResources resources, String name) {
        return resources.clusters().stream().filter(c -> c.getName().equals(name)).findFirst().orElseThrow();
    }

    private static HttpConnectionManager manager(FilterChain chain) throws InvalidProtocolBufferException {
        return chain.getFilters(0).getTypedConfig().unpack(HttpConnectionManager.class);
    }
}
