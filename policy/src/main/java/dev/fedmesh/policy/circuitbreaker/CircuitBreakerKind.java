package dev.fedmesh.policy.circuitbreaker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fedmesh.api.v1.CircuitBreakerSpec;
import dev.fedmesh.api.v1.Policy;
import dev.fedmesh.policy.document.Durations;
import dev.fedmesh.policy.document.DataPlane;
import dev.fedmesh.policy.document.Unenforced;
import dev.fedmesh.policy.document.JsonObjectReader;
import dev.fedmesh.policy.document.PolicyKind;
import dev.fedmesh.policy.document.References;
import dev.fedmesh.policy.document.Target;

import java.time.Duration;
import java.util.Set;
import java.util.stream.Collectors;

/** The {@code CircuitBreaker} kind: reading, validation and wire form of {@link CircuitBreaker}. */
public final class CircuitBreakerKind implements PolicyKind<CircuitBreaker> {
    public static final String NAME = "CircuitBreaker";
    static final long MAX_COUNT = 1_000_000;
    static final Duration MIN_DURATION = Duration.ofMillis(100);
    static final Duration MAX_DURATION = Duration.ofHours(1);
    private static final String SETTINGS = "maxConnections, maxPendingRequests, maxRequests, maxRetries or outlierDetection";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Class<CircuitBreaker> specType() {
        return CircuitBreaker.class;
    }

    /** Any target fits: the whole mesh, a service, or a subset of one. */
    @Override
    public void checkTarget(Target target, JsonObjectReader document) {
    }

    /** Limits and ejection live on the proxy's upstream cluster, which every caller in a cluster shares. */
    @Override
    public boolean acceptsFrom() {
        return false;
    }

    /** grpc-java 1.85.1 reads max_requests and the success-rate and failure-percentage ejections only (gRFC A32, A50). */
    @Override
    public java.util.List<Unenforced> unenforced(CircuitBreaker spec) {
        java.util.List<Unenforced> parts = new java.util.ArrayList<>();
        String limits = "gRPC limits only the requests in flight (maxRequests), not ";
        if (spec.maxConnections() != null) {
            parts.add(new Unenforced(DataPlane.PROXYLESS_GRPC, "spec.maxConnections", limits + "connections"));
        }
        if (spec.maxPendingRequests() != null) {
            parts.add(new Unenforced(DataPlane.PROXYLESS_GRPC, "spec.maxPendingRequests", limits + "pending requests"));
        }
        if (spec.maxRetries() != null) {
            parts.add(new Unenforced(DataPlane.PROXYLESS_GRPC, "spec.maxRetries", limits + "retries in flight"));
        }
        CircuitBreaker.OutlierDetection outliers = spec.outlierDetection();
        String ejection = "gRPC ejects endpoints by failure percentage or success rate only; use outlierDetection.failurePercentage";
        if (outliers != null && outliers.consecutive5xx() != null) {
            parts.add(new Unenforced(DataPlane.PROXYLESS_GRPC, "spec.outlierDetection.consecutive5xx", ejection));
        }
        if (outliers != null && outliers.consecutiveGatewayErrors() != null) {
            parts.add(new Unenforced(DataPlane.PROXYLESS_GRPC, "spec.outlierDetection.consecutiveGatewayErrors", ejection));
        }
        return parts;
    }

    @Override
    public CircuitBreaker readSpec(JsonObjectReader spec, Target target) {
        Integer maxConnections = count(spec, "maxConnections", 1);
        Integer maxPendingRequests = count(spec, "maxPendingRequests", 1);
        Integer maxRequests = count(spec, "maxRequests", 1);
        Integer maxRetries = count(spec, "maxRetries", 0);
        boolean hasOutlierDetection = spec.has("outlierDetection");
        JsonObjectReader outlier = spec.optionalObject("outlierDetection");
        CircuitBreaker.OutlierDetection outlierDetection = outlier == null ? null : readOutlierDetection(outlier);
        if (!spec.has("maxConnections") && !spec.has("maxPendingRequests") && !spec.has("maxRequests")
                && !spec.has("maxRetries") && !hasOutlierDetection) {
            spec.reject("maxConnections", "is required when the spec sets nothing else: set at least one of " + SETTINGS);
            return null;
        }
        boolean complete = spec.has("maxConnections") == (maxConnections != null)
                && spec.has("maxPendingRequests") == (maxPendingRequests != null)
                && spec.has("maxRequests") == (maxRequests != null)
                && spec.has("maxRetries") == (maxRetries != null)
                && hasOutlierDetection == (outlierDetection != null);
        return complete
                ? new CircuitBreaker(maxConnections, maxPendingRequests, maxRequests, maxRetries, outlierDetection)
                : null;
    }

    private CircuitBreaker.OutlierDetection readOutlierDetection(JsonObjectReader outlier) {
        Integer consecutive5xx = count(outlier, "consecutive5xx", 1);
        Integer consecutiveGatewayErrors = count(outlier, "consecutiveGatewayErrors", 1);
        Duration interval = outlier.optionalDuration("interval", MIN_DURATION, MAX_DURATION);
        Duration baseEjectionTime = outlier.optionalDuration("baseEjectionTime", MIN_DURATION, MAX_DURATION);
        Long maxEjectionPercent = outlier.optionalInteger("maxEjectionPercent", 0, 100);
        JsonObjectReader failures = outlier.optionalObject("failurePercentage");
        CircuitBreaker.FailurePercentage failurePercentage = failures == null ? null : readFailurePercentage(failures);
        outlier.rejectUnknownFields();
        boolean complete = outlier.has("consecutive5xx") == (consecutive5xx != null)
                && outlier.has("consecutiveGatewayErrors") == (consecutiveGatewayErrors != null)
                && outlier.has("interval") == (interval != null)
                && outlier.has("baseEjectionTime") == (baseEjectionTime != null)
                && outlier.has("maxEjectionPercent") == (maxEjectionPercent != null)
                && outlier.has("failurePercentage") == (failurePercentage != null);
        return complete
                ? new CircuitBreaker.OutlierDetection(consecutive5xx, consecutiveGatewayErrors, interval, baseEjectionTime,
                        maxEjectionPercent == null ? null : maxEjectionPercent.intValue(), failurePercentage)
                : null;
    }

    private CircuitBreaker.FailurePercentage readFailurePercentage(JsonObjectReader failures) {
        Long threshold = failures.optionalInteger("threshold", 0, 100);
        Integer minimumHosts = count(failures, "minimumHosts", 1);
        Integer requestVolume = count(failures, "requestVolume", 1);
        failures.rejectUnknownFields();
        boolean complete = failures.has("threshold") == (threshold != null)
                && failures.has("minimumHosts") == (minimumHosts != null)
                && failures.has("requestVolume") == (requestVolume != null);
        return complete
                ? new CircuitBreaker.FailurePercentage(threshold == null ? null : threshold.intValue(), minimumHosts,
                        requestVolume)
                : null;
    }

    private static Integer count(JsonObjectReader reader, String field, long min) {
        Long value = reader.optionalInteger(field, min, MAX_COUNT);
        return value == null ? null : value.intValue();
    }

    /** The spec names no cluster or service of its own; the target is checked by the API. */
    @Override
    public References references(CircuitBreaker spec) {
        return References.NONE;
    }

    /**
     * The target, e.g. {@code service greeter subset version=v2}: two CircuitBreakers for the same
     * mesh, service or subset contradict each other, while a subset's may differ from its service's.
     */
    @Override
    public Set<String> claims(Target target, CircuitBreaker spec) {
        return Set.of(targetKey(target));
    }

    static String targetKey(Target target) {
        if (target instanceof Target.Service service) {
            var subset = service.selector().subset();
            return "service " + service.selector().service() + (subset.isEmpty() ? "" : subset.entrySet().stream()
                    .map(label -> label.getKey() + "=" + label.getValue())
                    .collect(Collectors.joining(",", " subset ", "")));
        }
        return "mesh";
    }

    @Override
    public JsonNode writeSpec(CircuitBreaker spec) {
        ObjectNode json = JsonNodeFactory.instance.objectNode();
        putIfSet(json, "maxConnections", spec.maxConnections());
        putIfSet(json, "maxPendingRequests", spec.maxPendingRequests());
        putIfSet(json, "maxRequests", spec.maxRequests());
        putIfSet(json, "maxRetries", spec.maxRetries());
        CircuitBreaker.OutlierDetection outlier = spec.outlierDetection();
        if (outlier != null) {
            ObjectNode detection = json.putObject("outlierDetection");
            putIfSet(detection, "consecutive5xx", outlier.consecutive5xx());
            putIfSet(detection, "consecutiveGatewayErrors", outlier.consecutiveGatewayErrors());
            if (outlier.interval() != null) {
                detection.put("interval", Durations.format(outlier.interval()));
            }
            if (outlier.baseEjectionTime() != null) {
                detection.put("baseEjectionTime", Durations.format(outlier.baseEjectionTime()));
            }
            putIfSet(detection, "maxEjectionPercent", outlier.maxEjectionPercent());
            CircuitBreaker.FailurePercentage failures = outlier.failurePercentage();
            if (failures != null) {
                ObjectNode failurePercentage = detection.putObject("failurePercentage");
                putIfSet(failurePercentage, "threshold", failures.threshold());
                putIfSet(failurePercentage, "minimumHosts", failures.minimumHosts());
                putIfSet(failurePercentage, "requestVolume", failures.requestVolume());
            }
        }
        return json;
    }

    private static void putIfSet(ObjectNode json, String field, Integer value) {
        if (value != null) {
            json.put(field, value);
        }
    }

    @Override
    public void writeSpec(CircuitBreaker spec, Policy.Builder policy) {
        CircuitBreakerSpec.Builder wire = CircuitBreakerSpec.newBuilder();
        if (spec.maxConnections() != null) {
            wire.setMaxConnections(spec.maxConnections());
        }
        if (spec.maxPendingRequests() != null) {
            wire.setMaxPendingRequests(spec.maxPendingRequests());
        }
        if (spec.maxRequests() != null) {
            wire.setMaxRequests(spec.maxRequests());
        }
        if (spec.maxRetries() != null) {
            wire.setMaxRetries(spec.maxRetries());
        }
        CircuitBreaker.OutlierDetection outlier = spec.outlierDetection();
        if (outlier != null) {
            CircuitBreakerSpec.OutlierDetection.Builder detection = CircuitBreakerSpec.OutlierDetection.newBuilder();
            if (outlier.consecutive5xx() != null) {
                detection.setConsecutive5Xx(outlier.consecutive5xx());
            }
            if (outlier.consecutiveGatewayErrors() != null) {
                detection.setConsecutiveGatewayErrors(outlier.consecutiveGatewayErrors());
            }
            if (outlier.interval() != null) {
                detection.setInterval(wire(outlier.interval()));
            }
            if (outlier.baseEjectionTime() != null) {
                detection.setBaseEjectionTime(wire(outlier.baseEjectionTime()));
            }
            if (outlier.maxEjectionPercent() != null) {
                detection.setMaxEjectionPercent(outlier.maxEjectionPercent());
            }
            if (outlier.failurePercentage() != null) {
                detection.setFailurePercentage(wire(outlier.failurePercentage()));
            }
            wire.setOutlierDetection(detection);
        }
        policy.setCircuitBreaker(wire);
    }

    private static CircuitBreakerSpec.FailurePercentage wire(CircuitBreaker.FailurePercentage failures) {
        CircuitBreakerSpec.FailurePercentage.Builder wire = CircuitBreakerSpec.FailurePercentage.newBuilder();
        if (failures.threshold() != null) {
            wire.setThreshold(failures.threshold());
        }
        if (failures.minimumHosts() != null) {
            wire.setMinimumHosts(failures.minimumHosts());
        }
        if (failures.requestVolume() != null) {
            wire.setRequestVolume(failures.requestVolume());
        }
        return wire.build();
    }

    private static com.google.protobuf.Duration wire(Duration duration) {
        return com.google.protobuf.Duration.newBuilder()
                .setSeconds(duration.getSeconds())
                .setNanos(duration.getNano())
                .build();
    }
}
