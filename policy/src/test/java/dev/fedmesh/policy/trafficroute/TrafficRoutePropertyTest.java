package dev.fedmesh.policy.trafficroute;

import dev.fedmesh.api.v1.DesiredConfig;
import dev.fedmesh.policy.compiler.ClusterInfo;
import dev.fedmesh.policy.compiler.DesiredConfigCompiler;
import dev.fedmesh.policy.compiler.TenantState;
import dev.fedmesh.policy.document.PolicyDocument;
import dev.fedmesh.policy.document.PolicyJson;
import dev.fedmesh.policy.document.Target;
import dev.fedmesh.policy.testing.ForAll;
import dev.fedmesh.policy.testing.Gen;
import dev.fedmesh.policy.xds.ProxyConfigTranslator;
import dev.fedmesh.policy.xds.ServiceEndpoint;
import dev.fedmesh.policy.xds.XdsResources;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

class TrafficRoutePropertyTest {
    private static final List<String> PATHS = List.of("/", "/api/", "/api/v1", "/a;b=c", "/%2F", "/~user@host:1");
    private static final List<String> REGEXES = List.of("/items/[0-9]+", "/(a|b)/.*", "/api/v[12]/?");
    private static final List<ServiceEndpoint> ENDPOINTS = List.of(
            new ServiceEndpoint("greeter", "10.0.0.1", 8080, Map.of("version", "v1")),
            new ServiceEndpoint("greeter", "10.0.0.2", 8080, Map.of("version", "v2")));

    @Test
    void anyValidRouteSurvivesTheRoundTripThroughItsCanonicalJson() {
        ForAll.cases(200, routes(), route -> {
            String json = "{\"kind\": \"TrafficRoute\", \"name\": \"r\", \"target\": {\"service\": \"greeter\"}, \"spec\": "
                    + PolicyJson.toText(new TrafficRouteKind().writeSpec(route)) + "}";

            assertThat(PolicyJson.read(PolicyJson.parse(json), null).spec()).isEqualTo(route);
        });
    }

    @Test
    void eachRuleClaimsItsOwnMatch() {
        ForAll.cases(200, routes(), route -> {
            Set<String> claims = new TrafficRouteKind().claims(new Target.Service(
                    new dev.fedmesh.policy.document.ServiceSelector("greeter", Map.of())), route);

            assertThat(claims).hasSize(route.rules().size());
        });
    }

    @Test
    void everyRuleBecomesOneRouteInOrderAndTheLastTakesEveryCall() {
        ForAll.cases(100, routes(), route -> {
            String json = "{\"kind\": \"TrafficRoute\", \"name\": \"r\", \"target\": {\"service\": \"greeter\"}, \"spec\": "
                    + PolicyJson.toText(new TrafficRouteKind().writeSpec(route)) + "}";
            PolicyDocument document = PolicyJson.read(PolicyJson.parse(json), null);
            DesiredConfig config = DesiredConfigCompiler.compile(new TenantState("acme", 1,
                    List.of(new ClusterInfo("east", "r", "z", "n", Map.of())), List.of(), List.of(document))).get("east");

            XdsResources resources = new ProxyConfigTranslator().translate(config, ENDPOINTS);

            RouteConfiguration greeter = resources.routes().get(0);
            List<Route> routes = greeter.getVirtualHosts(0).getRoutesList();
            boolean hasCatchAll = route.rules().get(route.rules().size() - 1).match().matchesEverything();
            assertThat(routes).hasSize(route.rules().size() + (hasCatchAll ? 0 : 1));
            assertThat(routes.get(routes.size() - 1).getName()).isEqualTo("default");
            assertThat(routes.get(routes.size() - 1).getMatch().getPrefix()).isEqualTo("/");
            assertThat(routes.get(routes.size() - 1).getMatch().getHeadersCount()).isZero();
            Set<String> clusters = new HashSet<>();
            resources.clusters().forEach(c -> clusters.add(c.getName()));
            for (Route r : routes) {
                if (r.getRoute().hasWeightedClusters()) {
                    assertThat(r.getRoute().getWeightedClusters().getClustersList())
                            .allSatisfy(w -> assertThat(clusters).contains(w.getName()));
                    assertThat(r.getRoute().getWeightedClusters().getClustersList().stream()
                            .mapToInt(w -> w.getWeight().getValue()).sum()).isEqualTo(100);
                } else {
                    assertThat(clusters).contains(r.getRoute().getCluster());
                }
            }
        });
    }

    private static Gen<TrafficRoute> routes() {
        Gen<RouteMatch.PathMatch> path = pathMatches().orNull(0.3);
        Gen<String> method = Gen.of(RouteMatchReader.METHODS).orNull(0.6);
        Gen<List<RouteMatch.HeaderMatch>> headers = headers();
        Gen<RouteMatch> match = ((Gen<RouteMatch>) random -> new RouteMatch(path.next(random), method.next(random),
                headers.next(random))).filter(m -> !m.matchesEverything());
        Gen<List<RouteMatch>> matches = match.uniqueList(1, 6, RouteMatch::key);
        return random -> {
            List<RouteMatch> all = new ArrayList<>(matches.next(random));
            if (random.nextBoolean()) {
                all.add(RouteMatch.ANY);
            }
            List<TrafficRoute.Rule> rules = new ArrayList<>();
            for (RouteMatch m : all) {
                boolean prefix = m.path() != null && m.path().type() == RouteMatch.PathMatchType.PREFIX;
                String rewrite = prefix && random.nextBoolean() ? "/v" + random.nextInt(3) + "/" : null;
                Duration timeout = random.nextBoolean() ? Duration.ofMillis(1 + random.nextInt(3_600_000)) : null;
                rules.add(new TrafficRoute.Rule(m, splits(random), rewrite, timeout));
            }
            return new TrafficRoute(List.of(), rules);
        };
    }

    private static Gen<RouteMatch.PathMatch> pathMatches() {
        Gen<RouteMatch.PathMatchType> type = Gen.of(RouteMatch.PathMatchType.class);
        return random -> {
            RouteMatch.PathMatchType chosen = type.next(random);
            return new RouteMatch.PathMatch(chosen, Gen.of(chosen == RouteMatch.PathMatchType.REGEX ? REGEXES : PATHS).next(random));
        };
    }

    private static Gen<List<RouteMatch.HeaderMatch>> headers() {
        Gen<String> name = Gen.of("x-canary", "x-user", "x-debug");
        Gen<RouteMatch.HeaderMatchType> type = Gen.of(RouteMatch.HeaderMatchType.class);
        Gen<String> value = Gen.of("true", "beta-", "a.b/c=d");
        Gen<RouteMatch.HeaderMatch> header = random -> {
            RouteMatch.HeaderMatchType chosen = type.next(random);
            return new RouteMatch.HeaderMatch(name.next(random), chosen,
                    chosen == RouteMatch.HeaderMatchType.PRESENT ? null : value.next(random));
        };
        return header.uniqueList(0, 3, RouteMatch.HeaderMatch::name);
    }

    /** One to four shares with distinct subsets (some pinned to a cluster) whose weights add up to 100. */
    private static List<TrafficRoute.Split> splits(Random random) {
        int count = 1 + random.nextInt(4);
        List<TrafficRoute.Split> splits = new ArrayList<>();
        int left = 100;
        for (int i = 0; i < count; i++) {
            int weight = i == count - 1 ? left : random.nextInt(left + 1);
            left -= weight;
            String cluster = random.nextInt(3) == 0 ? "west" : null;
            splits.add(new TrafficRoute.Split(Map.of("version", "v" + i), cluster, weight));
        }
        return splits;
    }
}
