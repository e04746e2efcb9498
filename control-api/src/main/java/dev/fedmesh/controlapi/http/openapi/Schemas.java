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
            @Schema(example = "vpc-1", description = "clusters on the same network reach each other's endpoint"
                    + " addresses; empty is a network of its own") String network,
            @Schema(example = "gw.east.example.com:15443", description = "host:port where callers on other networks"
                    + " reach the cluster's services (the service named in the TLS SNI): the host a DNS name, an IPv4"
                    + " address or a bracketed IPv6 address, the port 1-65535. A cluster on a non-empty network is"
                    + " reachable from other networks only through it. Absent or empty: none") String eastWestGateway,
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
            @Schema(accessMode = Schema.AccessMode.READ_ONLY) String updatedAt,
            @Schema(accessMode = Schema.AccessMode.READ_ONLY, description = "in the answer to a write or a read: what"
                    + " the data plane does not enforce of this policy; absent when it enforces all of it")
            List<PolicyWarning> warnings) {
    }

    @Schema(name = "PolicyWarning", description = "a part of a policy a data plane does not enforce; each is also sent"
            + " as a header Warning: 299 fedmesh \"<message>\"")
    public record PolicyWarning(
            @Schema(example = "not-enforced") String code,
            @Schema(description = "only in a cluster's status: the policy's kind", example = "RateLimit") String kind,
            @Schema(description = "only in a cluster's status: the policy's name", example = "greeter-limit") String policy,
            @Schema(example = "proxyless-grpc", allowableValues = {"proxyless-grpc", "envoy-sidecar", "envoy-gateway"})
            String dataPlane,
            @Schema(description = "the clusters whose last inventory holds an endpoint of the policy's target served by"
                    + " that data plane or by no proxy of fedmesh; empty when none reports one yet") List<String> clusters,
            @Schema(example = "spec", description = "the part not enforced; spec for all of it") String field,
            String message) {
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
                                @Schema(description = "added and removed services") Map<String, List<String>> services,
                                @Schema(description = "added, changed and removed peers (the tenant's clusters as this"
                                        + " one sees them: locality, network, east-west gateway), by cluster name")
                                Map<String, List<String>> peers) {
    }

    @Schema(name = "DryRun", description = "the answer to dryRun=true: nothing was written")
    public record DryRun(boolean dryRun, String currentRevision, String wouldBeRevision,
                         @Schema(type = "object", description = "the resource as it would be") Map<String, Object> result,
                         List<ClusterChange> clusters,
                         @Schema(description = "for a policy: what the data plane would not enforce of it; absent when"
                                 + " it would enforce all of it") List<PolicyWarning> warnings) {
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

    @Schema(name = "FailoverStepCluster")
    public record FailoverStepCluster(@Schema(example = "west") String cluster,
                                      @Schema(description = "the service's endpoints its last inventory reports") int endpoints,
                                      @Schema(description = "of them healthy (HEALTHY or UNKNOWN); 0 when down") int healthy,
                                      @Schema(description = "taken down by the preview's down") boolean down) {
    }

    @Schema(name = "FailoverStep", description = "one group of clusters traffic can go to")
    public record FailoverStep(@Schema(example = "region us-east1", description = "own cluster, zone <zone>, region"
                                       + " <region>, anywhere, or order[<i>]: … of the Failover policy") String reason,
                               @Schema(description = "served steps: 0 takes the traffic, the others follow in order;"
                                       + " null for a step left out") Integer priority,
                               boolean takesTraffic, int endpoints, int healthy, List<FailoverStepCluster> clusters) {
    }

    @Schema(name = "CallerFailover", description = "where the service's traffic from one calling cluster goes")
    public record CallerFailover(@Schema(example = "west") String cluster,
                                 @Schema(description = "the caller itself is taken down") boolean down,
                                 @Schema(description = "no step has a healthy endpoint, so every step is served as it is") boolean panic,
                                 @Schema(description = "in priority order; the first takes the traffic") List<FailoverStep> served,
                                 @Schema(description = "steps with no healthy endpoint, left out") List<FailoverStep> unserved) {
    }

    @Schema(name = "PreviewInventory", description = "how old a cluster's inventory is and what it reports of the service")
    public record PreviewInventory(@Schema(example = "east") String cluster,
                                   @Schema(description = "false when its agent never reported an inventory") boolean reported,
                                   @Schema(description = "the broker's time of the inventory; null when none") String reportedAt,
                                   @Schema(description = "seconds from reportedAt to at; null when none") Long ageSeconds,
                                   int endpoints, int healthy) {
    }

    @Schema(name = "FailoverPreview", description = "what-if: where a service's traffic would go with some clusters down; nothing changes")
    public record FailoverPreview(@Schema(example = "acme") String tenant, @Schema(example = "greeter") String service,
                                  @Schema(description = "as asked") List<String> down,
                                  @Schema(description = "the service's Failover policy; null: nearest first") String policy,
                                  @Schema(example = "70") int thresholdPercent,
                                  @Schema(description = "the database's clock when read; ages count from it") String at,
                                  List<PreviewInventory> inventories, List<CallerFailover> callers) {
    }
}
