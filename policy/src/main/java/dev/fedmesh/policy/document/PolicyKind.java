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

    JsonNode writeSpec(S spec);

    /** Puts the spec into the wire policy. */
    void writeSpec(S spec, Policy.Builder policy);
}
