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

    static final String NAME_PATTERN = PolicySchemas.NAME_PATTERN;
    static final String LAST_PAGE = "absent on the last page";

    @Schema(name = "Tenant", requiredProperties = "name",
            description = "trustDomain is optional in a request; answers always carry every field")
    public record Tenant(
            @Schema(example = "acme", pattern = NAME_PATTERN, description = "a DNS label: 1-63 lowercase letters, digits"
                    + " and '-'") String name,
            @Schema(example = "acme.fedmesh.dev", description = "the tenant's SPIFFE trust domain: lower-case letters,"
                    + " digits, '.', '-' and '_'; set once, when the tenant is created (default <name>.fedmesh.local),"
                    + " never changed") String trustDomain,
            @Schema(accessMode = Schema.AccessMode.READ_ONLY, description = "raised by one with every write") String revision,
            @Schema(accessMode = Schema.AccessMode.READ_ONLY) String createdAt,
            @Schema(accessMode = Schema.AccessMode.READ_ONLY) String updatedAt) {
    }

    @Schema(name = "Cluster",
            description = "name is required to register and optional when the path names the cluster; answers always"
                    + " carry name, labels, resourceVersion, createdAt and updatedAt, and leave out region, zone, network and eastWestGateway when not set")
    public record Cluster(
            @Schema(example = "east", pattern = NAME_PATTERN) String name,
            @Schema(example = "us-east1") String region,
            @Schema(example = "us-east1-b") String zone,
            @Schema(example = "vpc-1", description = "clusters on the same network reach each other's endpoint"
                    + " addresses; absent or empty is a network of its own") String network,
            @Schema(example = "gw.east.example.com:15443", description = "host:port where callers on other networks"
                    + " reach the cluster's services (the service named in the TLS SNI): the host a DNS name, an IPv4"
                    + " address or a bracketed IPv6 address, the port 1-65535. A cluster on a non-empty network is"
                    + " reachable from other networks only through it. Absent or empty: none") String eastWestGateway,
            @Schema(description = "{} when none") Map<String, String> labels,
            @Schema(accessMode = Schema.AccessMode.READ_ONLY, description = "in the registration answer only: shown once")
            String bootstrapCredential,
            @Schema(accessMode = Schema.AccessMode.READ_ONLY) String resourceVersion,
            @Schema(accessMode = Schema.AccessMode.READ_ONLY) String createdAt,
            @Schema(accessMode = Schema.AccessMode.READ_ONLY) String updatedAt) {
    }

    @Schema(name = "BootstrapCredential", requiredProperties = {"cluster", "bootstrapCredential"},
            description = "a cluster's new bootstrap credential, shown once; the old one stopped working")
    public record BootstrapCredential(@Schema(example = "east") String cluster,
                                      @Schema(example = "fmb_...") String bootstrapCredential) {
    }

    @Schema(name = "Service",
            description = "answers always carry every field; in a request every field is optional")
    public record Service(
            @Schema(example = "greeter", pattern = NAME_PATTERN) String name,
            @Schema(description = "{} when none") Map<String, String> labels,
            @Schema(accessMode = Schema.AccessMode.READ_ONLY) String resourceVersion,
            @Schema(accessMode = Schema.AccessMode.READ_ONLY) String createdAt,
            @Schema(accessMode = Schema.AccessMode.READ_ONLY) String updatedAt) {
    }

    @Schema(name = "ServiceSelector", requiredProperties = "service",
            description = "a service, or the subset of its endpoints carrying these labels")
    public record ServiceSelector(@Schema(example = "greeter", pattern = NAME_PATTERN) String service,
                                  @Schema(description = "absent in answers when empty") Map<String, String> subset) {
    }

    @Schema(name = "Target", minProperties = 1, description = "either {\"mesh\": true} (the whole mesh) or a service"
            + " selector: service, and optionally subset; answers carry exactly one of the two forms")
    public record Target(@Schema(description = "true: the whole mesh; cannot be combined with service") Boolean mesh,
                         @Schema(example = "greeter", pattern = NAME_PATTERN) String service,
                         @Schema(description = "needs service; absent in answers when empty") Map<String, String> subset) {
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

    @Schema(name = "PolicyPage", requiredProperties = "items")
    public record PolicyPage(List<PolicySchemas.Policy> items, @Schema(description = LAST_PAGE) String nextPageToken) {
    }

    @Schema(name = "ClusterPage", requiredProperties = "items")
    public record ClusterPage(List<Cluster> items, @Schema(description = LAST_PAGE) String nextPageToken) {
    }

    @Schema(name = "ServicePage", requiredProperties = "items")
    public record ServicePage(List<Service> items, @Schema(description = LAST_PAGE) String nextPageToken) {
    }

    @Schema(name = "AuditEntry", requiredProperties = {"id", "revision", "actor", "action", "resourceKind", "resourceName", "at"})
    public record AuditEntry(String id, String revision, String actor,
                             @Schema(allowableValues = {"create", "update", "delete"}) String action,
                             String resourceKind, String resourceName,
                             @Schema(type = "object", description = "the resource before; absent on create") Object before,
                             @Schema(type = "object", description = "the resource after; absent on delete") Object after,
                             String at) {
    }

    @Schema(name = "AuditPage", requiredProperties = "items")
    public record AuditPage(List<AuditEntry> items, @Schema(description = LAST_PAGE) String nextPageToken) {
    }

    @Schema(name = "ClusterChange", requiredProperties = {"cluster", "changed", "policies", "services", "peers"},
            description = "what one cluster's desired config would change: policies (as Kind/name) and services added,"
                    + " changed or removed, and peers (the tenant's clusters as this one sees them: locality, network,"
                    + " east-west gateway, by cluster name)")
    public record ClusterChange(String cluster, boolean changed,
                                @Schema(description = "true when the write adds the cluster; absent otherwise") Boolean clusterAdded,
                                @Schema(description = "true when the write removes the cluster; absent otherwise") Boolean clusterRemoved,
                                AddedChangedRemoved policies, AddedRemoved services, AddedChangedRemoved peers) {
    }

    @Schema(name = "AddedChangedRemoved", requiredProperties = {"added", "changed", "removed"})
    public record AddedChangedRemoved(List<String> added, List<String> changed, List<String> removed) {
    }

    @Schema(name = "AddedRemoved", requiredProperties = {"added", "removed"})
    public record AddedRemoved(List<String> added, List<String> removed) {
    }

    @Schema(name = "DryRun", requiredProperties = {"dryRun", "currentRevision", "wouldBeRevision", "clusters"},
            description = "the answer to dryRun=true: nothing was written")
    public record DryRun(@Schema(description = "always true") boolean dryRun, String currentRevision, String wouldBeRevision,
                         @Schema(type = "object", description = "the resource as it would be; absent for a delete")
                         Object result,
                         List<ClusterChange> clusters,
                         @Schema(description = "for a policy: what the data plane would not enforce of it; absent when"
                                 + " it would enforce all of it") List<PolicyWarning> warnings) {
    }

    @Schema(name = "FieldProblem", requiredProperties = {"field", "problem"})
    public record FieldProblem(@Schema(example = "spec.split", description = "the JSON path of the field; \"\" for the"
                                       + " whole body") String field,
                               @Schema(example = "weights add up to 90; they must add up to 100") String problem) {
    }

    @Schema(name = "Problem", requiredProperties = {"type", "title", "status", "code", "message", "detail", "details"},
            description = "RFC 9457 problem details, with a stable code and one entry per bad field")
    public record Problem(@Schema(example = "urn:fedmesh:problem:invalid_request", description = "urn:fedmesh:problem:<code>")
                          String type,
                          @Schema(example = "Bad Request", description = "the HTTP status's reason phrase") String title,
                          @Schema(example = "400") int status,
                          @Schema(example = "invalid_request", description = "stable: what clients switch on") String code,
                          @Schema(description = "for people: what was wrong and the fix") String message,
                          @Schema(description = "the same as message (RFC 9457's member)") String detail,
                          @Schema(description = "one per bad field; [] when the problem is not about a field")
                          List<FieldProblem> details) {
    }

    @Schema(name = "FailoverStepCluster", requiredProperties = {"cluster", "endpoints", "healthy", "down"})
    public record FailoverStepCluster(@Schema(example = "west") String cluster,
                                      @Schema(description = "the service's endpoints its last inventory reports") int endpoints,
                                      @Schema(description = "of them healthy (HEALTHY or UNKNOWN); 0 when down") int healthy,
                                      @Schema(description = "taken down by the preview's down") boolean down) {
    }

    @Schema(name = "FailoverStep", requiredProperties = {"reason", "priority", "takesTraffic", "endpoints", "healthy", "clusters"}, description = "one group of clusters traffic can go to")
    public record FailoverStep(@Schema(example = "region us-east1", description = "own cluster, zone <zone>, region"
                                       + " <region>, anywhere, or order[<i>]: … of the Failover policy") String reason,
                               @Schema(nullable = true, description = "served steps: 0 takes the traffic, the others follow in order;"
                                       + " null for a step left out") Integer priority,
                               boolean takesTraffic, int endpoints, int healthy, List<FailoverStepCluster> clusters) {
    }

    @Schema(name = "CallerFailover", requiredProperties = {"cluster", "down", "panic", "served", "unserved"}, description = "where the service's traffic from one calling cluster goes")
    public record CallerFailover(@Schema(example = "west") String cluster,
                                 @Schema(description = "the caller itself is taken down") boolean down,
                                 @Schema(description = "no step has a healthy endpoint, so every step is served as it is") boolean panic,
                                 @Schema(description = "in priority order; the first takes the traffic") List<FailoverStep> served,
                                 @Schema(description = "steps with no healthy endpoint, left out") List<FailoverStep> unserved) {
    }

    @Schema(name = "PreviewInventory", requiredProperties = {"cluster", "reported", "reportedAt", "ageSeconds", "endpoints", "healthy"}, description = "how old a cluster's inventory is and what it reports of the service")
    public record PreviewInventory(@Schema(example = "east") String cluster,
                                   @Schema(description = "false when its agent never reported an inventory") boolean reported,
                                   @Schema(nullable = true, description = "the broker's time of the inventory; null when none") String reportedAt,
                                   @Schema(nullable = true, description = "seconds from reportedAt to at; null when none") Long ageSeconds,
                                   int endpoints, int healthy) {
    }

    @Schema(name = "FailoverPreview", requiredProperties = {"tenant", "service", "down", "policy", "thresholdPercent", "at", "inventories", "callers"}, description = "what-if: where a service's traffic would go with some clusters down; nothing changes")
    public record FailoverPreview(@Schema(example = "acme") String tenant, @Schema(example = "greeter") String service,
                                  @Schema(description = "as asked") List<String> down,
                                  @Schema(nullable = true, description = "the service's Failover policy; null: nearest first") String policy,
                                  @Schema(example = "70") int thresholdPercent,
                                  @Schema(description = "the database's clock when read; ages count from it") String at,
                                  List<PreviewInventory> inventories, List<CallerFailover> callers) {
    }
}
