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
        assertThat(rules(filters.get(0)).getPoliciesMap()).containsOnlyKeys("greeter-callers/rules[1]");
        assertThat(rules(filters.get(1)).getPoliciesMap()).containsOnlyKeys("greeter-callers/rules[0]", "zero-trust/rules[0]");
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
        assertThat(rules(filters.get(0)).getPoliciesMap()).containsOnlyKeys("callers/rules[1]");
    }

    @Test
    void meshDefaultDenyWithoutAllowRulesDeniesEveryRequest() throws Exception {
        Policy zeroTrust = permission("zero-trust", null, Action.ACTION_DENY);

        List<HttpFilter> filters = TrafficPermissionTranslator.httpFilters("greeter", TRUST_DOMAIN, List.of(zeroTrust));

        assertThat(filters).extracting(HttpFilter::getName).containsExactly(TrafficPermissionTranslator.ALLOW_FILTER);
        assertThat(rules(filters.get(0)).getAction()).isEqualTo(RBAC.Action.ALLOW);
        assertThat(rules(filters.get(0)).getPoliciesMap()).isEmpty();
    }

    @Test
    void aClusterSourceCannotBeToldFromACertificateSoItAllowsNobodyAndDeniesEverybody() throws Exception {
        Policy zeroTrust = permission("zero-trust", null, Action.ACTION_DENY);
        Policy byCluster = permission("by-cluster", "greeter", null,
                rule(Action.ACTION_ALLOW, List.of(cluster("east")), null),
                rule(Action.ACTION_DENY, List.of(cluster("west"), service("frontend")), null));

        List<HttpFilter> filters = TrafficPermissionTranslator.httpFilters("greeter", TRUST_DOMAIN, List.of(zeroTrust, byCluster));

        RBAC deny = rules(filters.get(0));
        assertThat(deny.getPoliciesMap()).containsOnlyKeys("by-cluster/rules[1]");
        assertThat(deny.getPoliciesMap().get("by-cluster/rules[1]").getPrincipals(0).getAny()).isTrue();
        assertThat(rules(filters.get(1)).getPoliciesMap()).isEmpty();
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
