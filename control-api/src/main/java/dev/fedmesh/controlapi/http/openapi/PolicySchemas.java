package dev.fedmesh.controlapi.http.openapi;

import io.swagger.v3.oas.annotations.media.ArraySchema;
import io.swagger.v3.oas.annotations.media.DiscriminatorMapping;
import io.swagger.v3.oas.annotations.media.Schema;

import java.util.List;
import java.util.Map;

/**
 * The OpenAPI shapes of policies: one schema per kind, chosen by {@code kind}, each with its own
 * spec ({@link PolicySpecs}). PolicyContractTest holds them to the kinds the policy core registers
 * and to the documents of docs/policies.
 */
public final class PolicySchemas {
    static final String NAME = "1-63 lower-case letters, digits and '-', starting with a letter; in a request optional"
            + " when the path names the policy, and then the same; always in answers";
    static final String NAME_PATTERN = "^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$";
    static final String LABELS = "always in answers, {} when none";
    static final String FROM = "narrows the policy to calls from these sources; always in answers, [] when none";
    static final String FROM_REFUSED = "this kind cannot be narrowed to some sources: absent or []; always [] in answers";
    static final String RESOURCE_VERSION = "also the ETag; send it back in If-Match; like createdAt and updatedAt,"
            + " always in answers and ignored in requests";

    static final String WARNINGS = "in the answer to a write or a read: what the data plane does not enforce of this"
            + " policy; absent when it enforces all of it";

    private PolicySchemas() {
    }

    /** Any policy: the schema of its kind. */
    @Schema(name = "Policy", description = "every policy has this shape; kind chooses the schema of spec",
            oneOf = {CircuitBreakerPolicy.class, FailoverPolicy.class, FaultInjectionPolicy.class, HealthCheckPolicy.class, MtlsModePolicy.class, RateLimitPolicy.class, RetryPolicy.class, TimeoutPolicy.class, TrafficPermissionPolicy.class, TrafficRoutePolicy.class},
            discriminatorProperty = "kind",
            discriminatorMapping = {
                    @DiscriminatorMapping(value = "CircuitBreaker", schema = CircuitBreakerPolicy.class),
                    @DiscriminatorMapping(value = "Failover", schema = FailoverPolicy.class),
                    @DiscriminatorMapping(value = "FaultInjection", schema = FaultInjectionPolicy.class),
                    @DiscriminatorMapping(value = "HealthCheck", schema = HealthCheckPolicy.class),
                    @DiscriminatorMapping(value = "MtlsMode", schema = MtlsModePolicy.class),
                    @DiscriminatorMapping(value = "RateLimit", schema = RateLimitPolicy.class),
                    @DiscriminatorMapping(value = "Retry", schema = RetryPolicy.class),
                    @DiscriminatorMapping(value = "Timeout", schema = TimeoutPolicy.class),
                    @DiscriminatorMapping(value = "TrafficPermission", schema = TrafficPermissionPolicy.class),
                    @DiscriminatorMapping(value = "TrafficRoute", schema = TrafficRoutePolicy.class)
            })
    public interface Policy {
    }

    @Schema(name = "CircuitBreakerPolicy", description = "a CircuitBreaker: limits the connections and requests a target's endpoints get, and ejects failing endpoints (docs/policies/CircuitBreaker.md)",
            requiredProperties = {"kind", "target", "spec"})
    public record CircuitBreakerPolicy(
            @Schema(allowableValues = "CircuitBreaker") String kind,
            @Schema(description = NAME, pattern = NAME_PATTERN, example = "greeter-policy") String name,
            @Schema(description = LABELS) Map<String, String> labels,
            Schemas.Target target,
            @ArraySchema(maxItems = 0, arraySchema = @Schema(description = FROM_REFUSED)) List<Schemas.ServiceSelector> from,
            PolicySpecs.CircuitBreakerSpec spec,
            @Schema(accessMode = Schema.AccessMode.READ_ONLY, description = RESOURCE_VERSION) String resourceVersion,
            @Schema(accessMode = Schema.AccessMode.READ_ONLY) String createdAt,
            @Schema(accessMode = Schema.AccessMode.READ_ONLY) String updatedAt,
            @Schema(accessMode = Schema.AccessMode.READ_ONLY, description = WARNINGS) List<Schemas.PolicyWarning> warnings) {
    }

    @Schema(name = "FailoverPolicy", description = "a Failover: the order of clusters and localities a service's traffic fails over to (docs/policies/Failover.md)",
            requiredProperties = {"kind", "target", "spec"})
    public record FailoverPolicy(
            @Schema(allowableValues = "Failover") String kind,
            @Schema(description = NAME, pattern = NAME_PATTERN, example = "greeter-policy") String name,
            @Schema(description = LABELS) Map<String, String> labels,
            Schemas.Target target,
            @ArraySchema(maxItems = 0, arraySchema = @Schema(description = FROM_REFUSED)) List<Schemas.ServiceSelector> from,
            PolicySpecs.FailoverSpec spec,
            @Schema(accessMode = Schema.AccessMode.READ_ONLY, description = RESOURCE_VERSION) String resourceVersion,
            @Schema(accessMode = Schema.AccessMode.READ_ONLY) String createdAt,
            @Schema(accessMode = Schema.AccessMode.READ_ONLY) String updatedAt,
            @Schema(accessMode = Schema.AccessMode.READ_ONLY, description = WARNINGS) List<Schemas.PolicyWarning> warnings) {
    }

    @Schema(name = "FaultInjectionPolicy", description = "a FaultInjection: delays or aborts a share of the requests to a target, to test how callers cope (docs/policies/FaultInjection.md)",
            requiredProperties = {"kind", "target", "spec"})
    public record FaultInjectionPolicy(
            @Schema(allowableValues = "FaultInjection") String kind,
            @Schema(description = NAME, pattern = NAME_PATTERN, example = "greeter-policy") String name,
            @Schema(description = LABELS) Map<String, String> labels,
            Schemas.Target target,
            @Schema(description = FROM) List<Schemas.ServiceSelector> from,
            PolicySpecs.FaultInjectionSpec spec,
            @Schema(accessMode = Schema.AccessMode.READ_ONLY, description = RESOURCE_VERSION) String resourceVersion,
            @Schema(accessMode = Schema.AccessMode.READ_ONLY) String createdAt,
            @Schema(accessMode = Schema.AccessMode.READ_ONLY) String updatedAt,
            @Schema(accessMode = Schema.AccessMode.READ_ONLY, description = WARNINGS) List<Schemas.PolicyWarning> warnings) {
    }

    @Schema(name = "HealthCheckPolicy", description = "a HealthCheck: how the proxies check the endpoints of a target (docs/policies/HealthCheck.md)",
            requiredProperties = {"kind", "target", "spec"})
    public record HealthCheckPolicy(
            @Schema(allowableValues = "HealthCheck") String kind,
            @Schema(description = NAME, pattern = NAME_PATTERN, example = "greeter-policy") String name,
            @Schema(description = LABELS) Map<String, String> labels,
            Schemas.Target target,
            @ArraySchema(maxItems = 0, arraySchema = @Schema(description = FROM_REFUSED)) List<Schemas.ServiceSelector> from,
            PolicySpecs.HealthCheckSpec spec,
            @Schema(accessMode = Schema.AccessMode.READ_ONLY, description = RESOURCE_VERSION) String resourceVersion,
            @Schema(accessMode = Schema.AccessMode.READ_ONLY) String createdAt,
            @Schema(accessMode = Schema.AccessMode.READ_ONLY) String updatedAt,
            @Schema(accessMode = Schema.AccessMode.READ_ONLY, description = WARNINGS) List<Schemas.PolicyWarning> warnings) {
    }

    @Schema(name = "MtlsModePolicy", description = "a MtlsMode: whether the workloads of a target accept plaintext besides mutual TLS (docs/policies/MtlsMode.md)",
            requiredProperties = {"kind", "target", "spec"})
    public record MtlsModePolicy(
            @Schema(allowableValues = "MtlsMode") String kind,
            @Schema(description = NAME, pattern = NAME_PATTERN, example = "greeter-policy") String name,
            @Schema(description = LABELS) Map<String, String> labels,
            Schemas.Target target,
            @ArraySchema(maxItems = 0, arraySchema = @Schema(description = FROM_REFUSED)) List<Schemas.ServiceSelector> from,
            PolicySpecs.MtlsModeSpec spec,
            @Schema(accessMode = Schema.AccessMode.READ_ONLY, description = RESOURCE_VERSION) String resourceVersion,
            @Schema(accessMode = Schema.AccessMode.READ_ONLY) String createdAt,
            @Schema(accessMode = Schema.AccessMode.READ_ONLY) String updatedAt,
            @Schema(accessMode = Schema.AccessMode.READ_ONLY, description = WARNINGS) List<Schemas.PolicyWarning> warnings) {
    }

    @Schema(name = "RateLimitPolicy", description = "a RateLimit: how many requests a target's endpoints take per interval (docs/policies/RateLimit.md)",
            requiredProperties = {"kind", "target", "spec"})
    public record RateLimitPolicy(
            @Schema(allowableValues = "RateLimit") String kind,
            @Schema(description = NAME, pattern = NAME_PATTERN, example = "greeter-policy") String name,
            @Schema(description = LABELS) Map<String, String> labels,
            Schemas.Target target,
            @Schema(description = FROM) List<Schemas.ServiceSelector> from,
            PolicySpecs.RateLimitSpec spec,
            @Schema(accessMode = Schema.AccessMode.READ_ONLY, description = RESOURCE_VERSION) String resourceVersion,
            @Schema(accessMode = Schema.AccessMode.READ_ONLY) String createdAt,
            @Schema(accessMode = Schema.AccessMode.READ_ONLY) String updatedAt,
            @Schema(accessMode = Schema.AccessMode.READ_ONLY, description = WARNINGS) List<Schemas.PolicyWarning> warnings) {
    }

    @Schema(name = "RetryPolicy", description = "a Retry: how failed calls to a target are tried again (docs/policies/Retry.md)",
            requiredProperties = {"kind", "target", "spec"})
    public record RetryPolicy(
            @Schema(allowableValues = "Retry") String kind,
            @Schema(description = NAME, pattern = NAME_PATTERN, example = "greeter-policy") String name,
            @Schema(description = LABELS) Map<String, String> labels,
            Schemas.Target target,
            @ArraySchema(maxItems = 0, arraySchema = @Schema(description = FROM_REFUSED)) List<Schemas.ServiceSelector> from,
            PolicySpecs.RetrySpec spec,
            @Schema(accessMode = Schema.AccessMode.READ_ONLY, description = RESOURCE_VERSION) String resourceVersion,
            @Schema(accessMode = Schema.AccessMode.READ_ONLY) String createdAt,
            @Schema(accessMode = Schema.AccessMode.READ_ONLY) String updatedAt,
            @Schema(accessMode = Schema.AccessMode.READ_ONLY, description = WARNINGS) List<Schemas.PolicyWarning> warnings) {
    }

    @Schema(name = "TimeoutPolicy", description = "a Timeout: how long connections and calls to a target may take (docs/policies/Timeout.md)",
            requiredProperties = {"kind", "target", "spec"})
    public record TimeoutPolicy(
            @Schema(allowableValues = "Timeout") String kind,
            @Schema(description = NAME, pattern = NAME_PATTERN, example = "greeter-policy") String name,
            @Schema(description = LABELS) Map<String, String> labels,
            Schemas.Target target,
            @ArraySchema(maxItems = 0, arraySchema = @Schema(description = FROM_REFUSED)) List<Schemas.ServiceSelector> from,
            PolicySpecs.TimeoutSpec spec,
            @Schema(accessMode = Schema.AccessMode.READ_ONLY, description = RESOURCE_VERSION) String resourceVersion,
            @Schema(accessMode = Schema.AccessMode.READ_ONLY) String createdAt,
            @Schema(accessMode = Schema.AccessMode.READ_ONLY) String updatedAt,
            @Schema(accessMode = Schema.AccessMode.READ_ONLY, description = WARNINGS) List<Schemas.PolicyWarning> warnings) {
    }

    @Schema(name = "TrafficPermissionPolicy", description = "a TrafficPermission: which callers may reach a target (docs/policies/TrafficPermission.md)",
            requiredProperties = {"kind", "target", "spec"})
    public record TrafficPermissionPolicy(
            @Schema(allowableValues = "TrafficPermission") String kind,
            @Schema(description = NAME, pattern = NAME_PATTERN, example = "greeter-policy") String name,
            @Schema(description = LABELS) Map<String, String> labels,
            Schemas.Target target,
            @ArraySchema(maxItems = 0, arraySchema = @Schema(description = FROM_REFUSED)) List<Schemas.ServiceSelector> from,
            PolicySpecs.TrafficPermissionSpec spec,
            @Schema(accessMode = Schema.AccessMode.READ_ONLY, description = RESOURCE_VERSION) String resourceVersion,
            @Schema(accessMode = Schema.AccessMode.READ_ONLY) String createdAt,
            @Schema(accessMode = Schema.AccessMode.READ_ONLY) String updatedAt,
            @Schema(accessMode = Schema.AccessMode.READ_ONLY, description = WARNINGS) List<Schemas.PolicyWarning> warnings) {
    }

    @Schema(name = "TrafficRoutePolicy", description = "a TrafficRoute: where a target's calls go: by match, to weighted subsets and clusters (docs/policies/TrafficRoute.md)",
            requiredProperties = {"kind", "target", "spec"})
    public record TrafficRoutePolicy(
            @Schema(allowableValues = "TrafficRoute") String kind,
            @Schema(description = NAME, pattern = NAME_PATTERN, example = "greeter-policy") String name,
            @Schema(description = LABELS) Map<String, String> labels,
            Schemas.Target target,
            @ArraySchema(maxItems = 0, arraySchema = @Schema(description = FROM_REFUSED)) List<Schemas.ServiceSelector> from,
            PolicySpecs.TrafficRouteSpec spec,
            @Schema(accessMode = Schema.AccessMode.READ_ONLY, description = RESOURCE_VERSION) String resourceVersion,
            @Schema(accessMode = Schema.AccessMode.READ_ONLY) String createdAt,
            @Schema(accessMode = Schema.AccessMode.READ_ONLY) String updatedAt,
            @Schema(accessMode = Schema.AccessMode.READ_ONLY, description = WARNINGS) List<Schemas.PolicyWarning> warnings) {
    }
}
