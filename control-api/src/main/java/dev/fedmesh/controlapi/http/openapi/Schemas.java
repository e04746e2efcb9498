package dev.fedmesh.controlapi.http.openapi;

import io.swagger.v3.oas.annotations.media.Schema;

import java.util.List;
import java.util.Map;

/**
 * The shapes of the REST API's JSON, for the OpenAPI document only: the controllers read and
 * write JSON through the policy core, which is where the rules themselves live.
 */
public final class Schemas {
    private Schemas() {
    }

    @Schema(name = "Tenant")
    public record Tenant(
            @Schema(example = "acme", description = "a DNS label: 1-63 lowercase letters, digits and '-'") String name,
            @Schema(example = "acme.fedmesh.dev", description = "the tenant's SPIFFE trust domain: lower-case letters,"
                    + " digits, '.', '-' and '_'; set once, when the tenant is created (default <name>.fedmesh.local),"
                    + " never changed") String trustDomain,
            @Schema(accessMode = Schema.AccessMode.READ_ONLY, description = "raised by one with every write") String revision,
            @Schema(accessMode = Schema.AccessMode.READ_ONLY) String createdAt,
            @Schema(accessMode = Schema.AccessMode.READ_ONLY) String updatedAt) {
    }

    @Schema(name = "Cluster")
    public record Cluster(
            @Schema(example = "east") String name,
            @Schema(example = "us-east1") String region,
            @Schema(example = "us-east1-b") String zone,
            @Schema(example = "vpc-1") String network,
            Map<String, String> labels,
            @Schema(accessMode = Schema.AccessMode.READ_ONLY, description = "shown once, when registered") String bootstrapCredential,
            @Schema(accessMode = Schema.AccessMode.READ_ONLY) String resourceVersion,
            @Schema(accessMode = Schema.AccessMode.READ_ONLY) String createdAt,
            @Schema(accessMode = Schema.AccessMode.READ_ONLY) String updatedAt) {
    }

    @Schema(name = "Service")
    public record Service(
            @Schema(example = "greeter") String name,
            Map<String, String> labels,
            @Schema(accessMode = Schema.AccessMode.READ_ONLY) String resourceVersion,
            @Schema(accessMode = Schema.AccessMode.READ_ONLY) String createdAt,
            @Schema(accessMode = Schema.AccessMode.READ_ONLY) String updatedAt) {
    }

    @Schema(name = "ServiceSelector", description = "a service, or the subset of its endpoints carrying these labels")
    public record ServiceSelector(@Schema(example = "greeter") String service, Map<String, String> subset) {
    }

    @Schema(name = "Target", description = "either {\"mesh\": true} or a service selector")
    public record Target(Boolean mesh, @Schema(example = "greeter") String service, Map<String, String> subset) {
    }

    @Schema(name = "Policy", description = "every policy kind has this shape; spec is the kind's own part, "
            + "described in docs/policies/<Kind>.md")
    public record Policy(
            @Schema(example = "TrafficRoute", allowableValues = {"CircuitBreaker", "Failover", "FaultInjection",
                    "HealthCheck", "MtlsMode", "RateLimit", "Retry", "Timeout", "TrafficPermission", "TrafficRoute"})
            String kind,
            @Schema(example = "greeter-split") String name,
            Map<String, String> labels,
            Target target,
            List<ServiceSelector> from,
            @Schema(type = "object", example = "{\"split\": [{\"subset\": {\"version\": \"v1\"}, \"weight\": 20}, "
                    + "{\"subset\": {\"version\": \"v2\"}, \"weight\": 80}]}") Map<String, Object> spec,
            @Schema(accessMode = Schema.AccessMode.READ_ONLY, description = "also the ETag; send it back in If-Match")
            String resourceVersion,
            @Schema(accessMode = Schema.AccessMode.READ_ONLY) String createdAt,
            @Schema(accessMode = Schema.AccessMode.READ_ONLY) String updatedAt) {
    }

    @Schema(name = "PolicyPage")
    public record PolicyPage(List<Policy> items, @Schema(description = "absent on the last page") String nextPageToken) {
    }

    @Schema(name = "ClusterPage")
    public record ClusterPage(List<Cluster> items, String nextPageToken) {
    }

    @Schema(name = "ServicePage")
    public record ServicePage(List<Service> items, String nextPageToken) {
    }

    @Schema(name = "AuditEntry")
    public record AuditEntry(String id, String revision, String actor,
                             @Schema(allowableValues = {"create", "update", "delete"}) String action,
                             String resourceKind, String resourceName,
                             @Schema(type = "object") Map<String, Object> before,
                             @Schema(type = "object") Map<String, Object> after, String at) {
    }

    @Schema(name = "AuditPage")
    public record AuditPage(List<AuditEntry> items, String nextPageToken) {
    }

    @Schema(name = "ClusterChange", description = "what one cluster's desired config would change")
    public record ClusterChange(String cluster, boolean changed, Boolean clusterAdded, Boolean clusterRemoved,
                                @Schema(description = "added, changed and removed policies, as Kind/name")
                                Map<String, List<String>> policies,
                                @Schema(description = "added and removed services") Map<String, List<String>> services) {
    }

    @Schema(name = "DryRun", description = "the answer to dryRun=true: nothing was written")
    public record DryRun(boolean dryRun, String currentRevision, String wouldBeRevision,
                         @Schema(type = "object", description = "the resource as it would be") Map<String, Object> result,
                         List<ClusterChange> clusters) {
    }

    @Schema(name = "FieldProblem")
    public record FieldProblem(@Schema(example = "spec.split") String field,
                               @Schema(example = "weights add up to 90; they must add up to 100") String problem) {
    }

    @Schema(name = "Problem", description = "RFC 9457 problem details, with a stable code and one entry per bad field")
    public record Problem(@Schema(example = "urn:fedmesh:problem:invalid_request") String type,
                          @Schema(example = "Bad Request") String title,
                          @Schema(example = "400") int status,
                          @Schema(example = "invalid_request") String code,
                          String message, String detail, List<FieldProblem> details) {
    }
}
