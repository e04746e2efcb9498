package dev.fedmesh.controlapi.http.openapi;

import io.swagger.v3.oas.annotations.media.ArraySchema;
import io.swagger.v3.oas.annotations.media.Schema;

import java.util.List;
import java.util.Map;

/**
 * The OpenAPI shape of each policy kind's {@code spec}, field for field as docs/policies/<Kind>.md
 * describes it. Ranges the policy core checks beyond a field's type (sums of weights, repeats)
 * are in the descriptions; a spec breaking them is refused with 400 naming the field.
 */
public final class PolicySpecs {
    static final String DURATION = "^[0-9]{1,9}(ms|s|m|h)$";
    static final String DURATION_TEXT = "a whole number and a unit: ms, s, m or h, e.g. \"250ms\"; written back in the"
            + " largest exact unit";
    static final String PATH_CHOICE = "exactly one of exact and prefix";

    private PolicySpecs() {
    }

    @Schema(name = "CircuitBreakerSpec", minProperties = 1, description = "at least one field; a field left out keeps"
            + " the proxy's default")
    public record CircuitBreakerSpec(
            @Schema(minimum = "1", maximum = "1000000") Integer maxConnections,
            @Schema(minimum = "1", maximum = "1000000") Integer maxPendingRequests,
            @Schema(minimum = "1", maximum = "1000000") Integer maxRequests,
            @Schema(minimum = "0", maximum = "1000000") Integer maxRetries,
            OutlierDetection outlierDetection) {
    }

    @Schema(name = "OutlierDetection", description = "ejects failing endpoints; {} turns it on with the proxy's defaults")
    public record OutlierDetection(
            @Schema(minimum = "1", maximum = "1000000") Integer consecutive5xx,
            @Schema(minimum = "1", maximum = "1000000") Integer consecutiveGatewayErrors,
            @Schema(pattern = DURATION, description = DURATION_TEXT + "; 100ms-1h") String interval,
            @Schema(pattern = DURATION, description = DURATION_TEXT + "; 100ms-1h") String baseEjectionTime,
            @Schema(minimum = "0", maximum = "100") Integer maxEjectionPercent,
            @Schema(description = "ejects an endpoint whose share of failed requests in one interval reaches a"
                    + " threshold; absent means off, {} on with the defaults") FailurePercentage failurePercentage) {
    }

    @Schema(name = "FailurePercentage", description = "failure-percentage ejection; every field optional")
    public record FailurePercentage(
            @Schema(minimum = "0", maximum = "100", description = "failed share, in percent, at which an endpoint is"
                    + " ejected (default 85)") Integer threshold,
            @Schema(minimum = "1", maximum = "1000000", description = "fewest endpoints for this ejection to run"
                    + " (default 5)") Integer minimumHosts,
            @Schema(minimum = "1", maximum = "1000000", description = "fewest requests an endpoint needs in one"
                    + " interval to be judged (default 50)") Integer requestVolume) {
    }

    @Schema(name = "FailoverSpec", requiredProperties = "order")
    public record FailoverSpec(
            @ArraySchema(minItems = 1, maxItems = 10, arraySchema = @Schema(description = "where traffic goes, first to last"))
            List<FailoverOrderStep> order,
            @Schema(minimum = "1", maximum = "100", description = "below this percentage of healthy endpoints traffic"
                    + " moves on; 70 when left out, always in answers") Integer healthyPercentThreshold) {
    }

    @Schema(name = "FailoverOrderStep", minProperties = 1, maxProperties = 1, description = "exactly one of cluster and locality")
    public record FailoverOrderStep(@Schema(description = "a registered cluster of the tenant") String cluster,
                               FailoverLocality locality) {
    }

    @Schema(name = "FailoverLocality", requiredProperties = "region")
    public record FailoverLocality(@Schema(example = "us-east1") String region,
                                   @Schema(example = "us-east1-b", description = "absent: the whole region") String zone) {
    }

    @Schema(name = "FaultInjectionSpec", minProperties = 1, description = "delay, abort or both")
    public record FaultInjectionSpec(FaultDelay delay, FaultAbort abort) {
    }

    @Schema(name = "FaultDelay", requiredProperties = {"duration", "percentage"})
    public record FaultDelay(@Schema(pattern = DURATION, description = DURATION_TEXT + "; 1ms-10m") String duration,
                             @Schema(minimum = "0", maximum = "100", description = "share of requests, in percent")
                             Double percentage) {
    }

    @Schema(name = "FaultAbort", requiredProperties = "percentage", description = "exactly one of httpStatus and grpcStatus")
    public record FaultAbort(@Schema(minimum = "200", maximum = "599") Integer httpStatus,
                             @Schema(allowableValues = {"CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED",
                                     "NOT_FOUND", "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED",
                                     "FAILED_PRECONDITION", "ABORTED", "OUT_OF_RANGE", "UNIMPLEMENTED", "INTERNAL",
                                     "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED"}) String grpcStatus,
                             @Schema(minimum = "0", maximum = "100", description = "share of requests, in percent")
                             Double percentage) {
    }

    @Schema(name = "HealthCheckSpec", requiredProperties = {"interval", "timeout"},
            description = "exactly one of http, grpc and tcp")
    public record HealthCheckSpec(
            @Schema(pattern = DURATION, description = DURATION_TEXT + "; 1s-1h") String interval,
            @Schema(pattern = DURATION, description = DURATION_TEXT + "; 10ms-1h, shorter than interval") String timeout,
            @Schema(minimum = "1", maximum = "1000", description = "3 when left out; always in answers") Integer unhealthyThreshold,
            @Schema(minimum = "1", maximum = "1000", description = "1 when left out; always in answers") Integer healthyThreshold,
            HttpProbe http, GrpcProbe grpc, TcpProbe tcp) {
    }

    @Schema(name = "HttpProbe", requiredProperties = "path")
    public record HttpProbe(@Schema(example = "/healthz") String path,
                            @ArraySchema(minItems = 1, maxItems = 16, uniqueItems = true,
                                    arraySchema = @Schema(description = "[200] when left out; always in answers"),
                                    schema = @Schema(minimum = "100", maximum = "599")) List<Integer> expectedStatuses) {
    }

    @Schema(name = "GrpcProbe")
    public record GrpcProbe(@Schema(example = "greeter.v1.Greeter", description = "\"\" (the default, always in"
            + " answers) asks about the whole server") String serviceName) {
    }

    @Schema(name = "TcpProbe", description = "{}: passes when a TCP connection opens")
    public record TcpProbe() {
    }

    @Schema(name = "MtlsModeSpec", requiredProperties = "mode")
    public record MtlsModeSpec(@Schema(allowableValues = {"STRICT", "PERMISSIVE"}) String mode) {
    }

    @Schema(name = "RateLimitSpec", requiredProperties = {"requests", "interval"})
    public record RateLimitSpec(
            @Schema(minimum = "1", maximum = "1000000") Integer requests,
            @Schema(pattern = DURATION, description = DURATION_TEXT + "; 100ms-1h") String interval,
            @Schema(minimum = "0", maximum = "1000000", description = "0 when left out; always in answers") Integer burst,
            RateLimitMatch match,
            RateLimitOnLimit onLimit) {
    }

    @Schema(name = "RateLimitMatch", minProperties = 1, description = "path, method or both; absent: every request")
    public record RateLimitMatch(PathMatch path,
                                 @Schema(allowableValues = {"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS",
                                         "CONNECT", "TRACE"}) String method) {
    }

    @Schema(name = "RateLimitOnLimit", description = "always in answers")
    public record RateLimitOnLimit(@Schema(minimum = "400", maximum = "599", description = "429 when left out")
                                   Integer httpStatus) {
    }

    @Schema(name = "PathMatch", minProperties = 1, maxProperties = 1, description = PATH_CHOICE)
    public record PathMatch(@Schema(example = "/login") String exact, @Schema(example = "/api/") String prefix) {
    }

    @Schema(name = "RetrySpec", requiredProperties = {"attempts", "retryOn"})
    public record RetrySpec(
            @Schema(minimum = "1", maximum = "10") Integer attempts,
            @Schema(pattern = DURATION, description = DURATION_TEXT + "; 1ms-1h") String perTryTimeout,
            @ArraySchema(minItems = 1, arraySchema = @Schema(description = "each condition once; written back sorted"),
                    schema = @Schema(allowableValues = {"unavailable", "reset", "connect-failure", "5xx", "gateway-error",
                            "retriable-4xx", "cancelled", "deadline-exceeded", "resource-exhausted"})) List<String> retryOn,
            RetryBackoff backoff) {
    }

    @Schema(name = "RetryBackoff", requiredProperties = "base")
    public record RetryBackoff(@Schema(pattern = DURATION, description = DURATION_TEXT + "; 1ms-1m") String base,
                               @Schema(pattern = DURATION, description = DURATION_TEXT + "; 1ms-10m, at least base") String max) {
    }

    @Schema(name = "TimeoutSpec", minProperties = 1, description = "at least one field; a field left out keeps the"
            + " proxy's default")
    public record TimeoutSpec(
            @Schema(pattern = DURATION, description = DURATION_TEXT + "; 1ms-1m") String connect,
            @Schema(pattern = DURATION, description = DURATION_TEXT + "; 1ms-1h") String request,
            @Schema(pattern = DURATION, description = DURATION_TEXT + "; 1s-24h") String idle) {
    }

    @Schema(name = "TrafficPermissionSpec", description = "rules is required, except on a mesh target that sets default;"
            + " always in answers")
    public record TrafficPermissionSpec(
            @Schema(name = "default", allowableValues = {"ALLOW", "DENY"}, description = "the mesh's answer to requests"
                    + " no rule matches; only with target {\"mesh\": true}") String meshDefault,
            @ArraySchema(maxItems = 100) List<PermissionRule> rules) {
    }

    @Schema(name = "PermissionRule", requiredProperties = {"action", "sources"})
    public record PermissionRule(
            @Schema(allowableValues = {"ALLOW", "DENY"}) String action,
            @ArraySchema(minItems = 1, maxItems = 100, uniqueItems = true) List<PermissionSource> sources,
            PermissionHttp http) {
    }

    @Schema(name = "PermissionSource", minProperties = 1, maxProperties = 1,
            description = "exactly one of spiffeId, service, namespace and cluster")
    public record PermissionSource(@Schema(example = "spiffe://acme.example/ns/shop/sa/frontend") String spiffeId,
                                   String service, String namespace, String cluster) {
    }

    @Schema(name = "PermissionHttp", minProperties = 1, description = "methods, paths or both")
    public record PermissionHttp(
            @ArraySchema(minItems = 1, arraySchema = @Schema(description = "each method once"),
                    schema = @Schema(allowableValues = {"GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS",
                            "TRACE", "PATCH"})) List<String> methods,
            @ArraySchema(minItems = 1, maxItems = 50, uniqueItems = true) List<PathMatch> paths) {
    }

    @Schema(name = "TrafficRouteSpec", minProperties = 1, maxProperties = 1, description = "exactly one of split (one"
            + " rule that takes every call) and rules (tried in order)")
    public record TrafficRouteSpec(
            @ArraySchema(minItems = 1, maxItems = 16, arraySchema = @Schema(description = "weights add up to 100"))
            List<RouteShare> split,
            @ArraySchema(minItems = 1, maxItems = 32) List<RouteRule> rules) {
    }

    @Schema(name = "RouteRule", requiredProperties = "split")
    public record RouteRule(
            RouteMatch match,
            @ArraySchema(minItems = 1, maxItems = 16, arraySchema = @Schema(description = "weights add up to 100"))
            List<RouteShare> split,
            RouteRewrite rewrite,
            @Schema(pattern = DURATION, description = DURATION_TEXT + "; 1ms-1h") String timeout) {
    }

    @Schema(name = "RouteRewrite", requiredProperties = "prefix", description = "replaces the matched match.path.prefix")
    public record RouteRewrite(@Schema(example = "/v2/") String prefix) {
    }

    @Schema(name = "RouteMatch", description = "every part that is set must fit; absent or {}: every call, and then"
            + " left out of answers")
    public record RouteMatch(RoutePathMatch path,
                             @Schema(allowableValues = {"GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS",
                                     "TRACE", "PATCH"}) String method,
                             @ArraySchema(maxItems = 16) List<HeaderMatch> headers) {
    }

    @Schema(name = "RoutePathMatch", minProperties = 1, maxProperties = 1, description = "exactly one of exact, prefix and regex")
    public record RoutePathMatch(String exact, String prefix,
                                 @Schema(description = "RE2, matched against the whole path") String regex) {
    }

    @Schema(name = "HeaderMatch", requiredProperties = "name", minProperties = 2, maxProperties = 2,
            description = "name and exactly one of exact, prefix and present")
    public record HeaderMatch(@Schema(example = "x-canary") String name, String exact, String prefix,
                              @Schema(description = "true: the header is present, whatever its value") Boolean present) {
    }

    @Schema(name = "RouteShare", requiredProperties = {"subset", "weight"})
    public record RouteShare(
            @Schema(description = "the endpoints whose labels contain these; {} is every endpoint") Map<String, String> subset,
            @Schema(description = "only that registered cluster's endpoints; absent: where the caller runs") String cluster,
            @Schema(minimum = "0", maximum = "100", description = "share of the calls, in percent") Integer weight) {
    }
}
