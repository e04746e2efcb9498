package dev.fedmesh.policy.retry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fedmesh.api.v1.Policy;
import dev.fedmesh.api.v1.RetrySpec;
import dev.fedmesh.policy.document.Durations;
import dev.fedmesh.policy.document.Unenforced;
import dev.fedmesh.policy.document.DataPlane;
import dev.fedmesh.policy.document.JsonObjectReader;
import dev.fedmesh.policy.document.PolicyKind;
import dev.fedmesh.policy.document.Target;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** The {@code Retry} kind: reading, validation and wire form of {@link Retry}. */
public final class RetryKind implements PolicyKind<Retry> {
    public static final String NAME = "Retry";
    static final int MAX_ATTEMPTS = 10;
    /**
     * The conditions a retry may be triggered by, named as Envoy's {@code retry_on} (gRPC status
     * names for unavailable, cancelled, deadline-exceeded, internal and resource-exhausted).
     */
    public static final List<String> CONDITIONS = List.of("unavailable", "reset", "connect-failure", "5xx", "gateway-error",
            "retriable-4xx", "cancelled", "deadline-exceeded", "internal", "resource-exhausted");
    /** The conditions proxyless gRPC retries on; it drops the others. */
    static final List<String> GRPC_CONDITIONS = List.of("cancelled", "deadline-exceeded", "internal", "resource-exhausted",
            "unavailable");
    static final int GRPC_MAX_RETRIES = 4;
    static final Duration MIN_PER_TRY = Duration.ofMillis(1);
    static final Duration MAX_PER_TRY = Duration.ofHours(1);
    static final Duration MIN_BACKOFF = Duration.ofMillis(1);
    static final Duration MAX_BACKOFF_BASE = Duration.ofMinutes(1);
    static final Duration MAX_BACKOFF = Duration.ofMinutes(10);

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Class<Retry> specType() {
        return Retry.class;
    }

    /** The whole mesh or one whole service: a proxy retries per destination service. */
    @Override
    public void checkTarget(Target target, JsonObjectReader document) {
        if (target instanceof Target.Service service && !service.selector().subset().isEmpty()) {
            document.reject("target.subset", "a Retry applies to a whole service: remove target.subset");
        }
    }

    /** Every proxy of a cluster shares one xDS snapshot, so retries cannot differ per caller. */
    @Override
    public boolean acceptsFrom() {
        return false;
    }

    /** What grpc-java 1.85.1 reads of a route's retry policy (gRFC A44): the gRPC statuses, no per-try limit, 5 tries at most. */
    @Override
    public List<Unenforced> unenforced(Retry spec) {
        List<Unenforced> parts = new ArrayList<>();
        List<String> ignored = spec.retryOn().stream().filter(condition -> !GRPC_CONDITIONS.contains(condition)).toList();
        if (!ignored.isEmpty()) {
            parts.add(new Unenforced(DataPlane.PROXYLESS_GRPC, "spec.retryOn", "gRPC retries only on the gRPC statuses "
                    + GRPC_CONDITIONS + " and ignores " + ignored
                    + (ignored.size() == spec.retryOn().size() ? ", so its callers do not retry at all" : "")));
        }
        if (spec.perTryTimeout() != null) {
            parts.add(new Unenforced(DataPlane.PROXYLESS_GRPC, "spec.perTryTimeout",
                    "gRPC does not limit each try; only the call's deadline and a Timeout's request limit apply"));
        }
        if (spec.attempts() > GRPC_MAX_RETRIES) {
            parts.add(new Unenforced(DataPlane.PROXYLESS_GRPC, "spec.attempts", "gRPC makes at most 5 tries in all ("
                    + GRPC_MAX_RETRIES + " retries) unless the application raises its channel's maxRetryAttempts"));
        }
        return parts;
    }

    @Override
    public Retry readSpec(JsonObjectReader spec, Target target) {
        Long attempts = spec.requiredInteger("attempts", 1, MAX_ATTEMPTS);
        Duration perTryTimeout = spec.optionalDuration("perTryTimeout", MIN_PER_TRY, MAX_PER_TRY);
        boolean complete = attempts != null && spec.has("perTryTimeout") == (perTryTimeout != null);
        List<String> retryOn = readRetryOn(spec);
        complete &= retryOn != null;
        Retry.Backoff backoff = null;
        if (spec.has("backoff")) {
            JsonObjectReader backoffReader = spec.requiredObject("backoff");
            backoff = backoffReader == null ? null : readBackoff(backoffReader);
            complete &= backoff != null;
        }
        return complete ? new Retry(attempts.intValue(), perTryTimeout, retryOn, backoff) : null;
    }

    private static List<String> readRetryOn(JsonObjectReader spec) {
        if (!spec.has("retryOn")) {
            spec.reject("retryOn", "is required: the conditions to retry on, e.g. [\"unavailable\", \"connect-failure\"]; any of "
                    + CONDITIONS);
            return null;
        }
        int entries = spec.sizeOf("retryOn");
        List<String> retryOn = spec.strings("retryOn");
        boolean complete = entries > 0 && retryOn.size() == entries;
        if (entries == 0 && retryOn.isEmpty()) {
            spec.reject("retryOn", "must name at least one condition, any of " + CONDITIONS);
        }
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < retryOn.size() && retryOn.size() == entries; i++) {
            String condition = retryOn.get(i);
            if (!CONDITIONS.contains(condition)) {
                spec.reject("retryOn[" + i + "]", "'" + printable(condition) + "' is not a retry condition; use any of " + CONDITIONS);
                complete = false;
            } else if (!seen.add(condition)) {
                spec.reject("retryOn[" + i + "]", "'" + condition + "' is listed twice: remove one");
                complete = false;
            }
        }
        return complete ? retryOn : null;
    }

    private static Retry.Backoff readBackoff(JsonObjectReader backoff) {
        boolean hasBase = backoff.has("base");
        Duration base = backoff.optionalDuration("base", MIN_BACKOFF, MAX_BACKOFF_BASE);
        Duration max = backoff.optionalDuration("max", MIN_BACKOFF, MAX_BACKOFF);
        if (!hasBase) {
            backoff.reject("base", "is required: the first wait between tries, e.g. \"25ms\"");
        }
        backoff.rejectUnknownFields();
        boolean complete = base != null && backoff.has("max") == (max != null);
        if (complete && max != null && max.compareTo(base) < 0) {
            backoff.reject("max", "is " + Durations.format(max) + ", shorter than base " + Durations.format(base)
                    + ": make it at least the base");
            complete = false;
        }
        return complete ? new Retry.Backoff(base, max) : null;
    }

    private static String printable(String value) {
        String cut = value.length() > 64 ? value.substring(0, 64) + "…" : value;
        return cut.replaceAll("\\p{Cntrl}", "?");
    }

    /** The target, {@code mesh} or {@code service greeter}: a service's Retry overrides the mesh's. */
    @Override
    public Set<String> claims(Target target, Retry spec) {
        return Set.of(target instanceof Target.Service service ? "service " + service.selector().service() : "mesh");
    }

    @Override
    public JsonNode writeSpec(Retry spec) {
        ObjectNode json = JsonNodeFactory.instance.objectNode();
        json.put("attempts", spec.attempts());
        if (spec.perTryTimeout() != null) {
            json.put("perTryTimeout", Durations.format(spec.perTryTimeout()));
        }
        ArrayNode retryOn = json.putArray("retryOn");
        spec.retryOn().forEach(retryOn::add);
        if (spec.backoff() != null) {
            ObjectNode backoff = json.putObject("backoff");
            backoff.put("base", Durations.format(spec.backoff().base()));
            if (spec.backoff().max() != null) {
                backoff.put("max", Durations.format(spec.backoff().max()));
            }
        }
        return json;
    }

    @Override
    public void writeSpec(Retry spec, Policy.Builder policy) {
        RetrySpec.Builder wire = RetrySpec.newBuilder()
                .setAttempts(spec.attempts())
                .addAllRetryOn(spec.retryOn());
        if (spec.perTryTimeout() != null) {
            wire.setPerTryTimeout(toWire(spec.perTryTimeout()));
        }
        if (spec.backoff() != null) {
            RetrySpec.Backoff.Builder backoff = RetrySpec.Backoff.newBuilder().setBase(toWire(spec.backoff().base()));
            if (spec.backoff().max() != null) {
                backoff.setMax(toWire(spec.backoff().max()));
            }
            wire.setBackoff(backoff);
        }
        policy.setRetry(wire);
    }

    private static com.google.protobuf.Duration toWire(Duration duration) {
        return com.google.protobuf.Duration.newBuilder()
                .setSeconds(duration.getSeconds())
                .setNanos(duration.getNano())
                .build();
    }
}
