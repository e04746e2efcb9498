package dev.fedmesh.policy.ratelimit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fedmesh.api.v1.Policy;
import dev.fedmesh.api.v1.RateLimitSpec;
import dev.fedmesh.policy.document.ClaimKeys;
import dev.fedmesh.policy.document.DataPlane;
import dev.fedmesh.policy.document.Durations;
import dev.fedmesh.policy.document.JsonObjectReader;
import dev.fedmesh.policy.document.PolicyKind;
import dev.fedmesh.policy.document.References;
import dev.fedmesh.policy.document.ServiceSelector;
import dev.fedmesh.policy.document.Target;
import dev.fedmesh.policy.document.Unenforced;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** The {@code RateLimit} kind: reading, validation and wire form of {@link RateLimit}. */
public final class RateLimitKind implements PolicyKind<RateLimit> {
    public static final String NAME = "RateLimit";
    static final long MAX_REQUESTS = 1_000_000;
    static final Duration MIN_INTERVAL = Duration.ofMillis(100);
    static final Duration MAX_INTERVAL = Duration.ofHours(1);
    static final int DEFAULT_HTTP_STATUS = 429;
    static final List<String> METHODS = List.of("GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "CONNECT", "TRACE");

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Class<RateLimit> specType() {
        return RateLimit.class;
    }

    @Override
    public void checkTarget(Target target, JsonObjectReader document) {
        if (target instanceof Target.Mesh) {
            document.reject("target", "a RateLimit limits the requests to one service: "
                    + "set target.service instead of target.mesh");
        }
    }

    @Override
    public RateLimit readSpec(JsonObjectReader spec, Target target) {
        Long requests = spec.requiredInteger("requests", 1, MAX_REQUESTS);
        boolean hasInterval = spec.has("interval");
        Duration interval = spec.optionalDuration("interval", MIN_INTERVAL, MAX_INTERVAL);
        if (!hasInterval) {
            spec.reject("interval", "is required: the time in which `requests` are allowed, e.g. \"1s\" or \"1m\"");
        }
        Long burst = spec.optionalInteger("burst", 0, MAX_REQUESTS);
        boolean hasBurst = spec.has("burst");
        boolean hasMatch = spec.has("match");
        JsonObjectReader matchReader = spec.optionalObject("match");
        RateLimit.RequestMatch match = matchReader == null ? null : readMatch(matchReader);
        boolean hasOnLimit = spec.has("onLimit");
        JsonObjectReader onLimit = spec.optionalObject("onLimit");
        Long httpStatus = onLimit == null ? null : onLimit.optionalInteger("httpStatus", 400, 599);
        boolean hasHttpStatus = onLimit != null && onLimit.has("httpStatus");
        if (onLimit != null) {
            onLimit.rejectUnknownFields();
        }
        boolean complete = requests != null && interval != null
                && hasBurst == (burst != null)
                && hasMatch == (match != null)
                && hasOnLimit == (onLimit != null)
                && hasHttpStatus == (httpStatus != null);
        return complete
                ? new RateLimit(requests.intValue(), interval, burst == null ? 0 : burst.intValue(), match,
                        httpStatus == null ? DEFAULT_HTTP_STATUS : httpStatus.intValue())
                : null;
    }

    private RateLimit.RequestMatch readMatch(JsonObjectReader match) {
        boolean hasPath = match.has("path");
        JsonObjectReader pathReader = match.optionalObject("path");
        RateLimit.PathMatch path = pathReader == null ? null : readPath(pathReader);
        boolean hasMethod = match.has("method");
        String method = match.optionalEnum("method", METHODS);
        match.rejectUnknownFields();
        if (!hasPath && !hasMethod) {
            match.reject("path", "is required when match has no method: set path, method or both, "
                    + "or remove match to limit every request");
            return null;
        }
        return hasPath == (path != null) && hasMethod == (method != null) ? new RateLimit.RequestMatch(path, method) : null;
    }

    private RateLimit.PathMatch readPath(JsonObjectReader path) {
        String exact = path.optionalString("exact");
        String prefix = path.optionalString("prefix");
        path.rejectUnknownFields();
        if (path.has("exact") && path.has("prefix")) {
            path.reject("prefix", "cannot be combined with exact: match the path either exactly or by prefix");
            return null;
        }
        if (!path.has("exact") && !path.has("prefix")) {
            path.reject("prefix", "is required: set path.prefix (e.g. \"/api/\") or path.exact (e.g. \"/login\")");
            return null;
        }
        RateLimit.PathMatchType type = exact != null ? RateLimit.PathMatchType.EXACT : RateLimit.PathMatchType.PREFIX;
        String value = exact != null ? exact : prefix;
        if (value == null) {
            return null;
        }
        if (!RequestPaths.isValid(value)) {
            path.reject(type.field(), RequestPaths.RULE);
            return null;
        }
        return new RateLimit.PathMatch(type, value);
    }

    /** The spec names no cluster or service of its own; target and sources are checked by the API. */
    @Override
    public References references(RateLimit spec) {
        return References.NONE;
    }

    /**
     * Empty: a RateLimit's claims depend on its {@code from}, which this hook does not receive;
     * claiming without it would refuse limits for different sources. See
     * {@link #claims(Target, List, RateLimit)}.
     */
    @Override
    public Set<String> claims(Target target, RateLimit spec) {
        return Set.of();
    }

    /**
     * One key per source ({@code every source} without {@code from}), each with the target and the
     * match, e.g. {@code service greeter from frontend for POST path prefix /api/}: two RateLimits
     * counting the same requests from the same caller contradict each other, while a per-source or
     * per-route limit can sit beside a general one.
     */
    public Set<String> claims(Target target, List<ServiceSelector> from, RateLimit spec) {
        String requests = spec.match() == null ? "every request" : describe(spec.match());
        return ClaimKeys.perSource(target, from, " for " + requests);
    }

    private static String describe(RateLimit.RequestMatch match) {
        List<String> parts = new ArrayList<>();
        if (match.method() != null) {
            parts.add(match.method());
        }
        if (match.path() != null) {
            parts.add("path " + match.path().type().field() + " " + match.path().value());
        }
        return String.join(" ", parts);
    }

    /** gRPC has no rate-limit filter: a proxyless server lets every request through; Envoy sidecars enforce it all. */
    @Override
    public List<Unenforced> unenforced(RateLimit spec) {
        return List.of(new Unenforced(DataPlane.PROXYLESS_GRPC, "spec",
                "gRPC has no rate-limit filter, so a proxyless server serves every request whatever the limit"));
    }

    @Override
    public JsonNode writeSpec(RateLimit spec) {
        ObjectNode json = JsonNodeFactory.instance.objectNode();
        json.put("requests", spec.requests());
        json.put("interval", Durations.format(spec.interval()));
        json.put("burst", spec.burst());
        if (spec.match() != null) {
            ObjectNode match = json.putObject("match");
            if (spec.match().path() != null) {
                match.putObject("path").put(spec.match().path().type().field(), spec.match().path().value());
            }
            if (spec.match().method() != null) {
                match.put("method", spec.match().method());
            }
        }
        json.putObject("onLimit").put("httpStatus", spec.httpStatus());
        return json;
    }

    @Override
    public void writeSpec(RateLimit spec, Policy.Builder policy) {
        RateLimitSpec.Builder wire = RateLimitSpec.newBuilder()
                .setRequests(spec.requests())
                .setInterval(com.google.protobuf.Duration.newBuilder()
                        .setSeconds(spec.interval().getSeconds())
                        .setNanos(spec.interval().getNano()))
                .setBurst(spec.burst())
                .setHttpStatus(spec.httpStatus());
        if (spec.match() != null) {
            RateLimitSpec.RequestMatch.Builder match = RateLimitSpec.RequestMatch.newBuilder();
            RateLimit.PathMatch path = spec.match().path();
            if (path != null && path.type() == RateLimit.PathMatchType.EXACT) {
                match.setPathExact(path.value());
            } else if (path != null) {
                match.setPathPrefix(path.value());
            }
            if (spec.match().method() != null) {
                match.setMethod(spec.match().method());
            }
            wire.setMatch(match);
        }
        policy.setRateLimit(wire);
    }
}
