package dev.fedmesh.policy.document;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fedmesh.api.v1.Policy;

/**
 * One policy kind: how its spec is read and validated, written back as JSON, and carried in a
 * cluster's desired config. Each kind's package implements one; {@link PolicyKinds} registers it.
 */
public interface PolicyKind<S extends PolicySpec> {

    /** The {@code kind} value users write, e.g. {@code TrafficRoute}. */
    String name();

    Class<S> specType();

    /** Reads and validates the spec, recording violations on the reader; null when invalid. */
    S readSpec(JsonObjectReader spec, Target target);

    /** Checks the target suits this kind (e.g. a route needs a service). */
    void checkTarget(Target target, JsonObjectReader document);

    /** Whether the kind can be narrowed to some sources with {@code from}. */
    default boolean acceptsFrom() {
        return true;
    }

    /**
     * The clusters and services the spec names, keyed by the field that names them (e.g.
     * {@code spec.order[0].cluster}); the API refuses names the tenant does not have.
     */
    default References references(S spec) {
        return References.NONE;
    }

    /**
     * What the policy claims exclusively among the tenant's policies of its kind, e.g. a route
     * claims "greeter GET /api"; two policies claiming the same key contradict each other.
     */
    default java.util.Set<String> claims(Target target, S spec) {
        return java.util.Set.of();
    }

    /** The claims of a policy narrowed to some sources; kinds whose claims depend on the sources override it. */
    default java.util.Set<String> claims(Target target, java.util.List<ServiceSelector> from, S spec) {
        return claims(target, spec);
    }

    /**
     * The parts of {@code spec} a data plane does not enforce, so the API can say so when the
     * policy is written and in each cluster's status; empty when every data plane enforces it all.
     */
    default java.util.List<Unenforced> unenforced(S spec) {
        return java.util.List.of();
    }

    /** As {@link #unenforced(PolicySpec)}, for kinds where what is enforced depends on the target or the sources. */
    default java.util.List<Unenforced> unenforced(Target target, java.util.List<ServiceSelector> from, S spec) {
        return unenforced(spec);
    }

    /**
     * What the API refuses in a policy written now although policies already stored keep it (they
     * are still read and carried as before); each violation names the field and the alternative.
     */
    default java.util.List<Violation> refusedInNewWrites(S spec) {
        return java.util.List.of();
    }

    JsonNode writeSpec(S spec);

    /** Puts the spec into the wire policy. */
    void writeSpec(S spec, Policy.Builder policy);
}
