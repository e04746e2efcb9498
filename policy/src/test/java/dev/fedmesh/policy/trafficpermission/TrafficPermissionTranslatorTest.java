package dev.fedmesh.policy.trafficpermission;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.util.JsonFormat;
import dev.fedmesh.api.v1.Policy;
import dev.fedmesh.api.v1.ServiceSubset;
import dev.fedmesh.api.v1.Target;
import dev.fedmesh.api.v1.TrafficPermissionSpec;
import dev.fedmesh.api.v1.TrafficPermissionSpec.Action;
import dev.fedmesh.api.v1.TrafficPermissionSpec.Source;
import dev.fedmesh.policy.testing.Golden;
import io.envoyproxy.envoy.config.rbac.v3.RBAC;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class TrafficPermissionTranslatorTest {

    private static final Path GOLDEN = Path.of("src/test/resources/testdata/trafficpermission");
    private static final JsonFormat.Printer PRINTER = JsonFormat.printer().usingTypeRegistry(JsonFormat.TypeRegistry.newBuilder()
            .add(io.envoyproxy.envoy.extensions.filters.http.rbac.v3.RBAC.getDescriptor())
            .build());
    private static final String TRUST_DOMAIN = "acme.example";

    @Test
    void documentedExampleBecomesADenyFilterThenAnAllowFilterUnderTheMeshDefaultDeny() throws Exception {
        Policy greeterCallers = permission("greeter-callers", "greeter", null,
                rule(Action.ACTION_ALLOW, List.of(spiffeId("spiffe://acme.example/ns/shop/sa/frontend"), service("checkout")),
                        TrafficPermissionSpec.HttpMatch.newBuilder().addMethods("GET").addMethods("POST")
                                .addPaths(TrafficPermissionSpec.PathMatch.newBuilder().setPrefix("/api/"))
                                .addPaths(TrafficPermissionSpec.PathMatch.newBuilder().setExact("/healthz")).build()),
                rule(Action.ACTION_DENY, List.of(namespace("sandbox")), null));
        Policy zeroTrust = permission("zero-trust", null, Action.ACTION_DENY,
                rule(Action.ACTION_ALLOW, List.of(namespace("observability")),
                        TrafficPermissionSpec.HttpMatch.newBuilder().addMethods("GET")
                                .addPaths(TrafficPermissionSpec.PathMatch.newBuilder().setExact("/metrics")).build()));

        List<HttpFilter> filters = TrafficPermissionTranslator.httpFilters("greeter", TRUST_DOMAIN, List.of(zeroTrust, greeterCallers));

        assertThat(filters).extracting(HttpFilter::getName)
                .containsExactly(TrafficPermissionTranslator.DENY_FILTER, TrafficPermissionTranslator.ALLOW_FILTER);
        assertThat(rules(filters.get(0)).getPoliciesMap()).containsOnlyKeys("greeter-callers/rules[1]",
                TrafficPermissionTranslator.AGENT_BEYOND_HEALTH_CHECKS);
        assertThat(rules(filters.get(1)).getPoliciesMap()).containsOnlyKeys("greeter-callers/rules[0]", "zero-trust/rules[0]",
                TrafficPermissionTranslator.AGENT_HEALTH_CHECKS);
        List<String> printed = new ArrayList<>();
        for (HttpFilter filter : filters) {
            printed.add(PRINTER.print(filter));
        }
        Golden.assertMatches(GOLDEN, "greeter-callers-zero-trust.rbac.golden.json", "[" + String.join(",\n", printed) + "]");
    }

    @Test
    void withTheDefaultAllowOnlyDenyRulesAreSent() throws Exception {
        Policy callers = permission("callers", "greeter", null,
                rule(Action.ACTION_ALLOW, List.of(service("frontend")), null),
                rule(Action.ACTION_DENY, List.of(service("batch")), null));

        List<HttpFilter> filters = TrafficPermissionTranslator.httpFilters("greeter", TRUST_DOMAIN, List.of(callers));

        assertThat(filters).extracting(HttpFilter::getName).containsExactly(TrafficPermissionTranslator.DENY_FILTER);
        assertThat(rules(filters.get(0)).getAction()).isEqualTo(RBAC.Action.DENY);
        assertThat(rules(filters.get(0)).getPoliciesMap()).containsOnlyKeys("callers/rules[1]",
                TrafficPermissionTranslator.AGENT_BEYOND_HEALTH_CHECKS);
    }

    @Test
    void meshDefaultDenyWithoutAllowRulesDeniesEveryRequestButTheAgentsHealthChecks() throws Exception {
        Policy zeroTrust = permission("zero-trust", null, Action.ACTION_DENY);

        List<HttpFilter> filters = TrafficPermissionTranslator.httpFilters("greeter", TRUST_DOMAIN, List.of(zeroTrust));

        assertThat(filters).extracting(HttpFilter::getName)
                .containsExactly(TrafficPermissionTranslator.DENY_FILTER, TrafficPermissionTranslator.ALLOW_FILTER);
        assertThat(rules(filters.get(0)).getPoliciesMap()).containsOnlyKeys(TrafficPermissionTranslator.AGENT_BEYOND_HEALTH_CHECKS);
        assertThat(rules(filters.get(1)).getAction()).isEqualTo(RBAC.Action.ALLOW);
        assertThat(rules(filters.get(1)).getPoliciesMap()).containsOnlyKeys(TrafficPermissionTranslator.AGENT_HEALTH_CHECKS);
    }

    @Test
    void theAgentPassesWithTheGrpcHealthCheckAndAGetOfEachHttpChecksPathAndWithNothingElse() throws Exception {
        Policy zeroTrust = permission("zero-trust", null, Action.ACTION_DENY);
        Policy healthz = Policy.newBuilder().setKind("HealthCheck").setName("greeter-health")
                .setTarget(Target.newBuilder().setService(ServiceSubset.newBuilder().setService("greeter").putLabels("v", "2")))
                .setHealthCheck(dev.fedmesh.api.v1.HealthCheckSpec.newBuilder()
                        .setHttp(dev.fedmesh.api.v1.HealthCheckSpec.Http.newBuilder().setPath("/healthz?full=1")))
                .build();
        Policy otherService = healthz.toBuilder().setName("checkout-health")
                .setTarget(Target.newBuilder().setService(ServiceSubset.newBuilder().setService("checkout")))
                .setHealthCheck(dev.fedmesh.api.v1.HealthCheckSpec.newBuilder()
                        .setHttp(dev.fedmesh.api.v1.HealthCheckSpec.Http.newBuilder().setPath("/ready")))
                .build();

        List<HttpFilter> filters = TrafficPermissionTranslator.httpFilters("greeter", TRUST_DOMAIN,
                List.of(zeroTrust, healthz, otherService));

        io.envoyproxy.envoy.config.rbac.v3.Policy allowed = rules(filters.get(1)).getPoliciesMap()
                .get(TrafficPermissionTranslator.AGENT_HEALTH_CHECKS);
        assertThat(allowed.getPrincipals(0).getAuthenticated().getPrincipalName().getSafeRegex().getRegex())
                .isEqualTo("spiffe://acme\\.example/fedmesh/agent/[^/]+");
        assertThat(PRINTER.print(allowed.getPermissions(0)))
                .contains("/grpc.health.v1.Health/Check", "\"exact\": \"/healthz\"", "\"exact\": \"GET\"")
                .doesNotContain("/ready", "full=1");
        io.envoyproxy.envoy.config.rbac.v3.Policy beyond = rules(filters.get(0)).getPoliciesMap()
                .get(TrafficPermissionTranslator.AGENT_BEYOND_HEALTH_CHECKS);
        assertThat(beyond.getPermissions(0).getNotRule()).isEqualTo(allowed.getPermissions(0));
        assertThat(beyond.getPrincipalsList()).isEqualTo(allowed.getPrincipalsList());
    }

    @Test
    void aClusterSourceCannotBeToldFromACertificateSoItAllowsNobodyAndDeniesEverybody() throws Exception {
        Policy zeroTrust = permission("zero-trust", null, Action.ACTION_DENY);
        Policy byCluster = permission("by-cluster", "greeter", null,
                rule(Action.ACTION_ALLOW, List.of(cluster("east")), null),
                rule(Action.ACTION_DENY, List.of(cluster("west"), service("frontend")), null));

        List<HttpFilter> filters = TrafficPermissionTranslator.httpFilters("greeter", TRUST_DOMAIN, List.of(zeroTrust, byCluster));

        RBAC deny = rules(filters.get(0));
        assertThat(deny.getPoliciesMap()).containsOnlyKeys("by-cluster/rules[1]",
                TrafficPermissionTranslator.AGENT_BEYOND_HEALTH_CHECKS);
        assertThat(deny.getPoliciesMap().get("by-cluster/rules[1]").getPrincipals(0).getAndIds().getIds(0).getAny())
                .as("every caller, but the agent").isTrue();
        assertThat(rules(filters.get(1)).getPoliciesMap()).containsOnlyKeys(TrafficPermissionTranslator.AGENT_HEALTH_CHECKS);
    }

    @Test
    void permissionsOfOtherServicesAreNotSent() {
        Policy other = permission("other", "checkout", null, rule(Action.ACTION_DENY, List.of(service("frontend")), null));

        assertThat(TrafficPermissionTranslator.httpFilters("greeter", TRUST_DOMAIN, List.of(other))).isEmpty();
    }

    private static RBAC rules(HttpFilter filter) throws Exception {
        return filter.getTypedConfig().unpack(io.envoyproxy.envoy.extensions.filters.http.rbac.v3.RBAC.class).getRules();
    }

    static Policy permission(String name, String service, Action meshDefault, TrafficPermissionSpec.Rule... rules) {
        Target target = service == null
                ? Target.newBuilder().setMesh(true).build()
                : Target.newBuilder().setService(ServiceSubset.newBuilder().setService(service)).build();
        TrafficPermissionSpec.Builder spec = TrafficPermissionSpec.newBuilder().addAllRules(List.of(rules));
        if (meshDefault != null) {
            spec.setDefaultAction(meshDefault);
        }
        return Policy.newBuilder()
                .setKind(TrafficPermissionKind.NAME)
                .setName(name)
                .setTarget(target)
                .setTrafficPermission(spec)
                .build();
    }

    static TrafficPermissionSpec.Rule rule(Action action, List<Source> sources, TrafficPermissionSpec.HttpMatch http) {
        TrafficPermissionSpec.Rule.Builder rule = TrafficPermissionSpec.Rule.newBuilder().setAction(action).addAllSources(sources);
        if (http != null) {
            rule.setHttp(http);
        }
        return rule.build();
    }

    static Source spiffeId(String id) {
        return Source.newBuilder().setSpiffeId(id).build();
    }

    static Source service(String name) {
        return Source.newBuilder().setService(name).build();
    }

    static Source namespace(String name) {
        return Source.newBuilder().setNamespace(name).build();
    }

    static Source cluster(String name) {
        return Source.newBuilder().setCluster(name).build();
    }
}
