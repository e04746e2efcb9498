package dev.fedmesh.policy.trafficpermission;

import dev.fedmesh.policy.document.PolicySpec;

import java.util.List;

/**
 * Allows or denies calls to a service (or to the whole mesh) by the caller's identity.
 *
 * @param meshDefault what happens to requests no rule matches; only a mesh-wide policy sets it, null otherwise
 * @param rules       in the order the user wrote them
 */
public record TrafficPermission(Action meshDefault, List<Rule> rules) implements PolicySpec {
    public TrafficPermission {
        rules = List.copyOf(rules);
    }

    /** What a matching rule (or the mesh default) does with a request. */
    public enum Action {
        ALLOW, DENY
    }

    /** Allows or denies requests from any of {@code sources}, narrowed to {@code http} when it is not null. */
    public record Rule(Action action, List<Source> sources, HttpMatch http) {
        public Rule {
            sources = List.copyOf(sources);
        }
    }

    /** One caller identity a rule names. */
    public sealed interface Source permits Source.SpiffeId, Source.Service, Source.Namespace, Source.Cluster {

        /** The JSON field that names this kind of source. */
        String field();

        /** The name or id the source holds. */
        String value();

        /** One workload identity, e.g. {@code spiffe://acme.example/ns/shop/sa/frontend}. */
        record SpiffeId(String value) implements Source {
            @Override
            public String field() {
                return "spiffeId";
            }
        }

        /** Every workload of a mesh service. */
        record Service(String value) implements Source {
            @Override
            public String field() {
                return "service";
            }
        }

        /** Every workload of a Kubernetes namespace. */
        record Namespace(String value) implements Source {
            @Override
            public String field() {
                return "namespace";
            }
        }

        /** Every workload of a registered cluster. */
        record Cluster(String value) implements Source {
            @Override
            public String field() {
                return "cluster";
            }
        }
    }

    /**
     * Narrows a rule to requests whose method is one of {@code methods} (any, when empty) and whose
     * path matches one of {@code paths} (any, when empty); at least one of the two is set.
     */
    public record HttpMatch(List<String> methods, List<PathMatch> paths) {
        public HttpMatch {
            methods = List.copyOf(methods);
            paths = List.copyOf(paths);
        }
    }

    /** A request path test: the whole path, or its beginning. */
    public sealed interface PathMatch permits PathMatch.Exact, PathMatch.Prefix {

        /** The JSON field that names this kind of match. */
        String field();

        String path();

        record Exact(String path) implements PathMatch {
            @Override
            public String field() {
                return "exact";
            }
        }

        record Prefix(String path) implements PathMatch {
            @Override
            public String field() {
                return "prefix";
            }
        }
    }
}
