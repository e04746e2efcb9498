package dev.fedmesh.policy.faultinjection;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fedmesh.api.v1.FaultInjectionSpec;
import dev.fedmesh.api.v1.Policy;
import dev.fedmesh.policy.document.ClaimKeys;
import dev.fedmesh.policy.document.Durations;
import dev.fedmesh.policy.document.DataPlane;
import dev.fedmesh.policy.document.Unenforced;
import dev.fedmesh.policy.document.JsonObjectReader;
import dev.fedmesh.policy.document.PolicyKind;
import dev.fedmesh.policy.document.References;
import dev.fedmesh.policy.document.ServiceSelector;
import dev.fedmesh.policy.document.Target;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/** The {@code FaultInjection} kind: reading, validation and wire form of {@link FaultInjection}. */
public final class FaultInjectionKind implements PolicyKind<FaultInjection> {
    public static final String NAME = "FaultInjection";
    static final Duration MIN_DELAY = Duration.ofMillis(1);
    static final Duration MAX_DELAY = Duration.ofMinutes(10);
    static final List<String> GRPC_CODES = Arrays.stream(FaultInjection.GrpcCode.values()).map(Enum::name).toList();

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Class<FaultInjection> specType() {
        return FaultInjection.class;
    }

    @Override
    public void checkTarget(Target target, JsonObjectReader document) {
        if (target instanceof Target.Mesh) {
            document.reject("target", "a FaultInjection disturbs the requests to one service: "
                    + "set target.service instead of target.mesh");
        }
    }

    /**
     * Every proxy of a cluster gets the same listeners, and the fault filter runs before routing: it
     * can tell neither the caller nor the subset a call will reach, so neither data plane injects such a fault.
     */
    @Override
    public List<Unenforced> unenforced(Target target, List<ServiceSelector> from, FaultInjection spec) {
        List<Unenforced> parts = new java.util.ArrayList<>();
        boolean subset = target instanceof Target.Service service && !service.selector().subset().isEmpty();
        for (DataPlane plane : List.of(DataPlane.PROXYLESS_GRPC, DataPlane.ENVOY_SIDECAR)) {
            if (!from.isEmpty()) {
                parts.add(new Unenforced(plane, "from", "a fault cannot be narrowed to some callers yet: this policy injects nothing"));
            }
            if (subset) {
                parts.add(new Unenforced(plane, "target.subset", "a subset's fault disturbs only the calls a"
                        + " TrafficRoute sends to that subset (a split whose labels include these); calls sent to the"
                        + " whole service are not disturbed, even those that reach the subset's endpoints"));
            }
        }
        return parts;
    }

    @Override
    public FaultInjection readSpec(JsonObjectReader spec, Target target) {
        boolean hasDelay = spec.has("delay");
        boolean hasAbort = spec.has("abort");
        JsonObjectReader delayReader = spec.optionalObject("delay");
        JsonObjectReader abortReader = spec.optionalObject("abort");
        FaultInjection.Delay delay = delayReader == null ? null : readDelay(delayReader);
        FaultInjection.Abort abort = abortReader == null ? null : readAbort(abortReader);
        if (!hasDelay && !hasAbort) {
            spec.reject("delay", "is required when there is no abort: set delay, abort or both, e.g. "
                    + "{\"delay\": {\"duration\": \"2s\", \"percentage\": 10}}");
            return null;
        }
        return hasDelay == (delay != null) && hasAbort == (abort != null) ? new FaultInjection(delay, abort) : null;
    }

    private FaultInjection.Delay readDelay(JsonObjectReader delay) {
        boolean hasDuration = delay.has("duration");
        Duration duration = delay.optionalDuration("duration", MIN_DELAY, MAX_DELAY);
        if (!hasDuration) {
            delay.reject("duration", "is required: how long to hold a request back, e.g. \"2s\"");
        }
        Double percentage = Percentages.required(delay, "percentage");
        delay.rejectUnknownFields();
        return duration != null && percentage != null ? new FaultInjection.Delay(duration, percentage) : null;
    }

    private FaultInjection.Abort readAbort(JsonObjectReader abort) {
        boolean hasHttp = abort.has("httpStatus");
        boolean hasGrpc = abort.has("grpcStatus");
        Long http = abort.optionalInteger("httpStatus", 200, 599);
        String grpc = abort.optionalEnum("grpcStatus", GRPC_CODES);
        Double percentage = Percentages.required(abort, "percentage");
        abort.rejectUnknownFields();
        if (hasHttp && hasGrpc) {
            abort.reject("grpcStatus", "cannot be combined with httpStatus: abort with either an HTTP status or a gRPC status");
            return null;
        }
        if (!hasHttp && !hasGrpc) {
            abort.reject("httpStatus", "is required when there is no grpcStatus: set httpStatus (e.g. 503) "
                    + "or grpcStatus (e.g. \"UNAVAILABLE\")");
            return null;
        }
        FaultInjection.AbortStatus status = http != null
                ? new FaultInjection.HttpStatus(http.intValue())
                : grpc != null ? new FaultInjection.GrpcStatus(FaultInjection.GrpcCode.valueOf(grpc)) : null;
        return status != null && percentage != null ? new FaultInjection.Abort(status, percentage) : null;
    }

    /** The spec names no cluster or service of its own; target and sources are checked by the API. */
    @Override
    public References references(FaultInjection spec) {
        return References.NONE;
    }

    /**
     * Empty: a FaultInjection's claims depend on its {@code from}, which this hook does not
     * receive; claiming without it would refuse faults for different sources. See
     * {@link #claims(Target, List, FaultInjection)}.
     */
    @Override
    public Set<String> claims(Target target, FaultInjection spec) {
        return Set.of();
    }

    /**
     * One key per source ({@code every source} without {@code from}), each with the target, e.g.
     * {@code service greeter from frontend}: two FaultInjections for the same caller of the same
     * service contradict each other, while faults for different callers sit side by side.
     */
    public Set<String> claims(Target target, List<ServiceSelector> from, FaultInjection spec) {
        return ClaimKeys.perSource(target, from, "");
    }

    @Override
    public JsonNode writeSpec(FaultInjection spec) {
        ObjectNode json = JsonNodeFactory.instance.objectNode();
        if (spec.delay() != null) {
            ObjectNode delay = json.putObject("delay");
            delay.put("duration", Durations.format(spec.delay().duration()));
            Percentages.write(delay, "percentage", spec.delay().percentage());
        }
        if (spec.abort() != null) {
            ObjectNode abort = json.putObject("abort");
            if (spec.abort().status() instanceof FaultInjection.HttpStatus http) {
                abort.put("httpStatus", http.code());
            } else if (spec.abort().status() instanceof FaultInjection.GrpcStatus grpc) {
                abort.put("grpcStatus", grpc.code().name());
            }
            Percentages.write(abort, "percentage", spec.abort().percentage());
        }
        return json;
    }

    @Override
    public void writeSpec(FaultInjection spec, Policy.Builder policy) {
        FaultInjectionSpec.Builder wire = FaultInjectionSpec.newBuilder();
        if (spec.delay() != null) {
            Duration duration = spec.delay().duration();
            wire.setDelay(FaultInjectionSpec.Delay.newBuilder()
                    .setDuration(com.google.protobuf.Duration.newBuilder()
                            .setSeconds(duration.getSeconds())
                            .setNanos(duration.getNano()))
                    .setPercentage(spec.delay().percentage()));
        }
        if (spec.abort() != null) {
            FaultInjectionSpec.Abort.Builder abort = FaultInjectionSpec.Abort.newBuilder()
                    .setPercentage(spec.abort().percentage());
            if (spec.abort().status() instanceof FaultInjection.HttpStatus http) {
                abort.setHttpStatus(http.code());
            } else if (spec.abort().status() instanceof FaultInjection.GrpcStatus grpc) {
                abort.setGrpcStatus(grpc.code().number());
            }
            wire.setAbort(abort);
        }
        policy.setFaultInjection(wire);
    }
}
