package dev.fedmesh.policy.healthcheck;

import dev.fedmesh.api.v1.HealthCheckSpec;
import dev.fedmesh.api.v1.Policy;
import dev.fedmesh.api.v1.ServiceSubset;
import dev.fedmesh.policy.xds.ServiceEndpoint;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Which HealthCheck of a desired config checks an endpoint: the one targeting the most specific
 * subset whose labels the endpoint carries, else its service's, else the mesh's. Pure: the agent
 * does the probing.
 */
public final class HealthChecks {

    private HealthChecks() {
    }

    /**
     * The check of {@code endpoint}, or empty when no HealthCheck applies to it. Between two that
     * apply equally (the API refuses that; stored data might still hold it), the first by name decides.
     */
    public static Optional<HealthCheck> forEndpoint(ServiceEndpoint endpoint, List<Policy> policies) {
        return policies.stream()
                .filter(policy -> HealthCheckKind.NAME.equals(policy.getKind()) && policy.hasHealthCheck())
                .filter(policy -> applies(policy, endpoint))
                .min(Comparator.comparingInt(HealthChecks::specificity).reversed().thenComparing(Policy::getName))
                .flatMap(policy -> fromWire(policy.getHealthCheck()));
    }

    /**
     * The URL paths (without query) the HTTP checks of {@code service}'s endpoints GET: those of every
     * HealthCheck targeting the mesh, the service or one of its subsets, sorted, each once.
     */
    public static List<String> httpPaths(String service, List<Policy> policies) {
        return policies.stream()
                .filter(policy -> HealthCheckKind.NAME.equals(policy.getKind()) && policy.hasHealthCheck())
                .filter(policy -> policy.getTarget().getMesh()
                        || (policy.getTarget().hasService() && policy.getTarget().getService().getService().equals(service)))
                .filter(policy -> policy.getHealthCheck().hasHttp())
                .map(policy -> policy.getHealthCheck().getHttp().getPath())
                .map(path -> path.indexOf('?') < 0 ? path : path.substring(0, path.indexOf('?')))
                .distinct()
                .sorted()
                .toList();
    }

    /** The record of a desired config's check; empty for one without a protocol, which checks nothing. */
    public static Optional<HealthCheck> fromWire(HealthCheckSpec spec) {
        HealthCheck.Probe probe = switch (spec.getProtocolCase()) {
            case HTTP -> new HealthCheck.Http(spec.getHttp().getPath(), spec.getHttp().getExpectedStatusesList().isEmpty()
                    ? List.of(200) : spec.getHttp().getExpectedStatusesList().stream().map(Integer::valueOf).toList());
            case GRPC -> new HealthCheck.Grpc(spec.getGrpc().getServiceName());
            case TCP -> new HealthCheck.Tcp();
            case PROTOCOL_NOT_SET -> null;
        };
        if (probe == null) {
            return Optional.empty();
        }
        return Optional.of(new HealthCheck(duration(spec.getInterval()), duration(spec.getTimeout()),
                Math.max(1, spec.getUnhealthyThreshold()), Math.max(1, spec.getHealthyThreshold()), probe));
    }

    private static boolean applies(Policy policy, ServiceEndpoint endpoint) {
        if (policy.getTarget().getMesh()) {
            return true;
        }
        if (!policy.getTarget().hasService()) {
            return false;
        }
        ServiceSubset target = policy.getTarget().getService();
        return target.getService().equals(endpoint.service())
                && endpoint.labels().entrySet().containsAll(target.getLabelsMap().entrySet());
    }

    /** Mesh 0, a whole service 1, a subset 1 plus its number of labels. */
    private static int specificity(Policy policy) {
        return policy.getTarget().hasService() ? 1 + policy.getTarget().getService().getLabelsCount() : 0;
    }

    private static Duration duration(com.google.protobuf.Duration wire) {
        return Duration.ofSeconds(wire.getSeconds(), wire.getNanos());
    }
}
