package dev.fedmesh.policy.trafficpermission;

import com.google.protobuf.Any;
import dev.fedmesh.api.v1.Policy;
import dev.fedmesh.api.v1.TrafficPermissionSpec;
import dev.fedmesh.policy.healthcheck.HealthChecks;
import dev.fedmesh.policy.xds.WorkloadIdentities;
import io.envoyproxy.envoy.config.rbac.v3.Permission;
import io.envoyproxy.envoy.config.rbac.v3.Principal;
import io.envoyproxy.envoy.config.rbac.v3.RBAC;
import io.envoyproxy.envoy.config.route.v3.HeaderMatcher;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.type.matcher.v3.PathMatcher;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * TrafficPermission's xDS translation: the rules of every TrafficPermission targeting a service or
 * the mesh become RBAC HTTP filters on the service's server listeners, in the order that gives the
 * documented decision: first a DENY filter holding every DENY rule, then, when the mesh default is
 * DENY, an ALLOW filter holding every ALLOW rule (a request it does not match is denied; with no
 * ALLOW rule at all every request is). With the default ALLOW, ALLOW rules change nothing and are
 * left out. Each rule is one RBAC policy named {@code <policy>/rules[<i>]}. Wherever there is a
 * filter at all, the cluster's agent passes it with its health checks of the service and with
 * nothing else ({@link #AGENT_HEALTH_CHECKS}, {@link #AGENT_BEYOND_HEALTH_CHECKS}).
 *
 * <p>Callers are told apart by the URI SAN of their certificate ({@code authenticated.principal_name},
 * which Envoy and gRPC both read from the peer's leaf certificate), as {@link WorkloadIdentities}
 * lays identities out: {@code spiffeId} exactly, {@code service} and {@code namespace} by pattern.
 * A {@code cluster} source cannot be told from a certificate, since SVIDs do not name their
 * cluster: in an ALLOW rule it matches no caller, and in a DENY rule it matches every caller, so
 * such a rule fails closed rather than letting the cluster's callers through. A plaintext caller
 * has no identity and matches no source. HTTP methods are matched on {@code :method} (always POST
 * for gRPC) and paths on the URL path ({@code /<package>.<Service>/<Method>} for gRPC).
 */
public final class TrafficPermissionTranslator {

    /** Name of the filter that denies what a DENY rule matches. */
    public static final String DENY_FILTER = "fedmesh.traffic-permission.deny";
    /** Name of the filter that, under a DENY mesh default, lets through only what an ALLOW rule matches. */
    public static final String ALLOW_FILTER = "fedmesh.traffic-permission.allow";
    /** The gRPC health check the agent makes ({@code grpc.health.v1.Health/Check}). */
    public static final String GRPC_HEALTH_CHECK = "/grpc.health.v1.Health/Check";
    /** The RBAC policy letting the agent's health checks through a DENY mesh default. */
    static final String AGENT_HEALTH_CHECKS = "fedmesh.agent/health-checks";
    /** The RBAC policy denying the agent every request but its health checks. */
    static final String AGENT_BEYOND_HEALTH_CHECKS = "fedmesh.agent/beyond-health-checks";

    private TrafficPermissionTranslator() {
    }

    /** The RBAC filters for the server side of {@code service}, to go before the router; empty when no TrafficPermission applies. */
    public static List<HttpFilter> httpFilters(String service, String trustDomain, List<Policy> policies) {
        List<Policy> permissions = policies.stream()
                .filter(p -> TrafficPermissionKind.NAME.equals(p.getKind()) && p.hasTrafficPermission())
                .filter(p -> p.getTarget().getMesh()
                        || (p.getTarget().hasService() && p.getTarget().getService().getService().equals(service)))
                .sorted(Comparator.comparing(Policy::getName))
                .toList();
        RBAC.Builder deny = RBAC.newBuilder().setAction(RBAC.Action.DENY);
        RBAC.Builder allow = RBAC.newBuilder().setAction(RBAC.Action.ALLOW);
        for (Policy policy : permissions) {
            List<TrafficPermissionSpec.Rule> rules = policy.getTrafficPermission().getRulesList();
            for (int i = 0; i < rules.size(); i++) {
                TrafficPermissionSpec.Rule rule = rules.get(i);
                String name = policy.getName() + "/rules[" + i + "]";
                boolean denies = rule.getAction() == TrafficPermissionSpec.Action.ACTION_DENY;
                if (!denies && rule.getAction() != TrafficPermissionSpec.Action.ACTION_ALLOW) {
                    continue; // the API accepts only ALLOW and DENY: anything else grants nothing
                }
                RBAC.Builder filter = denies ? deny : allow;
                rbacPolicy(rule, trustDomain, denies).ifPresent(rbac -> filter.putPolicies(name, rbac));
            }
        }
        boolean defaultDeny = permissions.stream().anyMatch(p -> p.getTarget().getMesh()
                && p.getTrafficPermission().getDefaultAction() == TrafficPermissionSpec.Action.ACTION_DENY);
        if (deny.getPoliciesCount() == 0 && !defaultDeny) {
            return List.of();
        }
        exemptAgentsHealthChecks(deny, allow, defaultDeny, service, trustDomain, policies);
        List<HttpFilter> filters = new ArrayList<>();
        filters.add(filter(DENY_FILTER, deny));
        if (defaultDeny) {
            filters.add(filter(ALLOW_FILTER, allow));
        }
        return filters;
    }

    /**
     * The agent health-checks the service with its own SVID ({@link WorkloadIdentities#agentId}): no
     * DENY rule stops its health checks, the default DENY lets them through, and every other request
     * it makes is denied. An agent issues its cluster's SVIDs and could give itself any workload's
     * identity, so this widens nothing; it only keeps TrafficPermission from failing every check.
     */
    private static void exemptAgentsHealthChecks(RBAC.Builder deny, RBAC.Builder allow, boolean defaultDeny,
                                                 String service, String trustDomain, List<Policy> policies) {
        Principal agent = Principal.newBuilder()
                .setAuthenticated(Principal.Authenticated.newBuilder()
                        .setPrincipalName(WorkloadIdentities.ofAgents(trustDomain)))
                .build();
        Principal notAgent = Principal.newBuilder().setNotId(agent).build();
        for (String name : List.copyOf(deny.getPoliciesMap().keySet())) {
            io.envoyproxy.envoy.config.rbac.v3.Policy rule = deny.getPoliciesMap().get(name);
            Principal callers = rule.getPrincipalsCount() == 1 ? rule.getPrincipals(0)
                    : Principal.newBuilder().setOrIds(Principal.Set.newBuilder().addAllIds(rule.getPrincipalsList())).build();
            deny.putPolicies(name, rule.toBuilder().clearPrincipals()
                    .addPrincipals(Principal.newBuilder().setAndIds(Principal.Set.newBuilder()
                            .addIds(callers).addIds(notAgent)))
                    .build());
        }
        Permission healthChecks = healthCheckRequests(service, policies);
        deny.putPolicies(AGENT_BEYOND_HEALTH_CHECKS, io.envoyproxy.envoy.config.rbac.v3.Policy.newBuilder()
                .addPermissions(Permission.newBuilder().setNotRule(healthChecks))
                .addPrincipals(agent)
                .build());
        if (defaultDeny) {
            allow.putPolicies(AGENT_HEALTH_CHECKS, io.envoyproxy.envoy.config.rbac.v3.Policy.newBuilder()
                    .addPermissions(healthChecks)
                    .addPrincipals(agent)
                    .build());
        }
    }

    /** The requests of the service's health checks: the gRPC health check, and a GET of each HTTP check's path. */
    private static Permission healthCheckRequests(String service, List<Policy> policies) {
        List<Permission> requests = new ArrayList<>();
        requests.add(urlPath(StringMatcher.newBuilder().setExact(GRPC_HEALTH_CHECK).build()));
        for (String path : HealthChecks.httpPaths(service, policies)) {
            requests.add(Permission.newBuilder().setAndRules(Permission.Set.newBuilder()
                    .addRules(method("GET"))
                    .addRules(urlPath(StringMatcher.newBuilder().setExact(path).build()))).build());
        }
        return anyOf(requests).orElseThrow();
    }

    private static Permission method(String method) {
        return Permission.newBuilder().setHeader(HeaderMatcher.newBuilder()
                .setName(":method")
                .setStringMatch(StringMatcher.newBuilder().setExact(method))).build();
    }

    private static Permission urlPath(StringMatcher path) {
        return Permission.newBuilder().setUrlPath(PathMatcher.newBuilder().setPath(path)).build();
    }

    /** The rule as an RBAC policy; empty when it names no caller a certificate can show. */
    private static Optional<io.envoyproxy.envoy.config.rbac.v3.Policy> rbacPolicy(
            TrafficPermissionSpec.Rule rule, String trustDomain, boolean failClosed) {
        return principals(rule, trustDomain, failClosed).map(principal -> io.envoyproxy.envoy.config.rbac.v3.Policy.newBuilder()
                .addPermissions(permission(rule))
                .addPrincipals(principal)
                .build());
    }

    /**
     * The callers the rule names, as one principal; empty when none can be told from a certificate.
     * {@code failClosed} (DENY rules) turns a source that cannot be told into every caller.
     */
    private static Optional<Principal> principals(TrafficPermissionSpec.Rule rule, String trustDomain, boolean failClosed) {
        List<Principal> principals = new ArrayList<>();
        for (TrafficPermissionSpec.Source source : rule.getSourcesList()) {
            StringMatcher identity = switch (source.getIdentityCase()) {
                case SPIFFE_ID -> WorkloadIdentities.exactly(source.getSpiffeId());
                case SERVICE -> WorkloadIdentities.ofService(trustDomain, source.getService());
                case NAMESPACE -> WorkloadIdentities.ofNamespace(trustDomain, source.getNamespace());
                case CLUSTER, IDENTITY_NOT_SET -> null;
            };
            if (identity != null) {
                principals.add(Principal.newBuilder()
                        .setAuthenticated(Principal.Authenticated.newBuilder().setPrincipalName(identity))
                        .build());
            } else if (failClosed) {
                return Optional.of(Principal.newBuilder().setAny(true).build());
            }
        }
        return switch (principals.size()) {
            case 0 -> Optional.empty();
            case 1 -> Optional.of(principals.get(0));
            default -> Optional.of(Principal.newBuilder()
                    .setOrIds(Principal.Set.newBuilder().addAllIds(principals))
                    .build());
        };
    }

    /** The requests the rule covers: every one without {@code http}, else those of its methods and paths. */
    private static Permission permission(TrafficPermissionSpec.Rule rule) {
        if (!rule.hasHttp()) {
            return Permission.newBuilder().setAny(true).build();
        }
        List<Permission> methods = rule.getHttp().getMethodsList().stream()
                .map(TrafficPermissionTranslator::method)
                .toList();
        List<Permission> paths = rule.getHttp().getPathsList().stream()
                .map(path -> urlPath(path.hasExact()
                        ? StringMatcher.newBuilder().setExact(path.getExact()).build()
                        : StringMatcher.newBuilder().setPrefix(path.getPrefix()).build()))
                .toList();
        List<Permission> parts = new ArrayList<>();
        anyOf(methods).ifPresent(parts::add);
        anyOf(paths).ifPresent(parts::add);
        if (parts.isEmpty()) {
            return Permission.newBuilder().setAny(true).build();
        }
        return parts.size() == 1
                ? parts.get(0)
                : Permission.newBuilder().setAndRules(Permission.Set.newBuilder().addAllRules(parts)).build();
    }

    private static Optional<Permission> anyOf(List<Permission> permissions) {
        return switch (permissions.size()) {
            case 0 -> Optional.empty();
            case 1 -> Optional.of(permissions.get(0));
            default -> Optional.of(Permission.newBuilder()
                    .setOrRules(Permission.Set.newBuilder().addAllRules(permissions)).build());
        };
    }

    private static HttpFilter filter(String name, RBAC.Builder rules) {
        return HttpFilter.newBuilder()
                .setName(name)
                .setTypedConfig(Any.pack(io.envoyproxy.envoy.extensions.filters.http.rbac.v3.RBAC.newBuilder()
                        .setRules(rules)
                        .build()))
                .build();
    }
}
