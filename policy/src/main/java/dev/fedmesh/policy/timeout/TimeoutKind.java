package dev.fedmesh.policy.timeout;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fedmesh.api.v1.Policy;
import dev.fedmesh.api.v1.TimeoutSpec;
import dev.fedmesh.policy.document.Durations;
import dev.fedmesh.policy.document.DataPlane;
import dev.fedmesh.policy.document.Unenforced;
import dev.fedmesh.policy.document.JsonObjectReader;
import dev.fedmesh.policy.document.PolicyKind;
import dev.fedmesh.policy.document.Target;

import java.time.Duration;
import java.util.Set;

/** The {@code Timeout} kind: reading, validation and wire form of {@link Timeout}. */
public final class TimeoutKind implements PolicyKind<Timeout> {
    public static final String NAME = "Timeout";
    static final Duration MIN_CONNECT = Duration.ofMillis(1);
    static final Duration MAX_CONNECT = Duration.ofMinutes(1);
    static final Duration MIN_REQUEST = Duration.ofMillis(1);
    static final Duration MAX_REQUEST = Duration.ofHours(1);
    static final Duration MIN_IDLE = Duration.ofSeconds(1);
    static final Duration MAX_IDLE = Duration.ofHours(24);

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Class<Timeout> specType() {
        return Timeout.class;
    }

    /** The whole mesh or one whole service: a proxy's timeouts are per destination service. */
    @Override
    public void checkTarget(Target target, JsonObjectReader document) {
        if (target instanceof Target.Service service && !service.selector().subset().isEmpty()) {
            document.reject("target.subset", "a Timeout applies to a whole service: remove target.subset");
        }
    }

    /** Every proxy of a cluster shares one xDS snapshot, so a timeout cannot differ per caller. */
    @Override
    public boolean acceptsFrom() {
        return false;
    }

    /** grpc-java 1.85.1 reads only a route's max_stream_duration: no connect or idle timeout of its own. */
    @Override
    public java.util.List<Unenforced> unenforced(Timeout spec) {
        java.util.List<Unenforced> parts = new java.util.ArrayList<>();
        if (spec.connect() != null) {
            parts.add(new Unenforced(DataPlane.PROXYLESS_GRPC, "spec.connect",
                    "gRPC does not read a cluster's connect timeout; its channels connect with their own backoff"));
        }
        if (spec.idle() != null) {
            parts.add(new Unenforced(DataPlane.PROXYLESS_GRPC, "spec.idle",
                    "gRPC does not read an idle timeout from xDS; a channel's idleTimeout is the application's setting"));
        }
        return parts;
    }

    @Override
    public Timeout readSpec(JsonObjectReader spec, Target target) {
        Duration connect = spec.optionalDuration("connect", MIN_CONNECT, MAX_CONNECT);
        Duration request = spec.optionalDuration("request", MIN_REQUEST, MAX_REQUEST);
        Duration idle = spec.optionalDuration("idle", MIN_IDLE, MAX_IDLE);
        if (!spec.has("connect") && !spec.has("request") && !spec.has("idle")) {
            spec.reject("request", "is required when the spec sets nothing else: set at least one of connect, request or idle,"
                    + " e.g. {\"request\": \"15s\"}");
            return null;
        }
        boolean complete = spec.has("connect") == (connect != null)
                && spec.has("request") == (request != null)
                && spec.has("idle") == (idle != null);
        return complete ? new Timeout(connect, request, idle) : null;
    }

    /** The target, {@code mesh} or {@code service greeter}: a service's Timeout overrides the mesh's. */
    @Override
    public Set<String> claims(Target target, Timeout spec) {
        return Set.of(targetKey(target));
    }

    static String targetKey(Target target) {
        return target instanceof Target.Service service ? "service " + service.selector().service() : "mesh";
    }

    @Override
    public JsonNode writeSpec(Timeout spec) {
        ObjectNode json = JsonNodeFactory.instance.objectNode();
        if (spec.connect() != null) {
            json.put("connect", Durations.format(spec.connect()));
        }
        if (spec.request() != null) {
            json.put("request", Durations.format(spec.request()));
        }
        if (spec.idle() != null) {
            json.put("idle", Durations.format(spec.idle()));
        }
        return json;
    }

    @Override
    public void writeSpec(Timeout spec, Policy.Builder policy) {
        TimeoutSpec.Builder wire = TimeoutSpec.newBuilder();
        if (spec.connect() != null) {
            wire.setConnect(toWire(spec.connect()));
        }
        if (spec.request() != null) {
            wire.setRequest(toWire(spec.request()));
        }
        if (spec.idle() != null) {
            wire.setIdle(toWire(spec.idle()));
        }
        policy.setTimeout(wire);
    }

    private static com.google.protobuf.Duration toWire(Duration duration) {
        return com.google.protobuf.Duration.newBuilder()
                .setSeconds(duration.getSeconds())
                .setNanos(duration.getNano())
                .build();
    }
}
