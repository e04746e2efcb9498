package dev.fedmesh.policy.enforcement;

import dev.fedmesh.api.v1.ClusterInventory;
import dev.fedmesh.api.v1.EndpointDataPlane;
import dev.fedmesh.api.v1.InventoryEndpoint;
import dev.fedmesh.api.v1.InventoryService;
import dev.fedmesh.policy.document.DataPlane;
import dev.fedmesh.policy.document.PolicyDocument;
import dev.fedmesh.policy.document.PolicyKind;
import dev.fedmesh.policy.document.PolicyKinds;
import dev.fedmesh.policy.document.ServiceSelector;
import dev.fedmesh.policy.document.Target;
import dev.fedmesh.policy.document.Unenforced;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Where the data plane does not enforce a policy: each part its kind declares unenforced
 * ({@link PolicyKind#unenforced}), with the clusters whose last inventory holds an endpoint of the
 * policy's target that the data plane in question, or no proxy of ours, serves. A pure function of
 * the policy and the inventories.
 */
public final class NotEnforcedWarnings {

    private NotEnforcedWarnings() {
    }

    /**
     * The warnings for one policy, given each cluster's last inventory by cluster name. A part not
     * enforced gets a warning even where no cluster reports an endpoint it concerns yet: a policy
     * written before its workloads start is not left without a word.
     */
    @SuppressWarnings({"unchecked", "rawtypes"})
    public static List<NotEnforced> of(PolicyDocument document, Map<String, ClusterInventory> inventories) {
        PolicyKind kind = PolicyKinds.find(document.kind()).orElseThrow();
        List<Unenforced> parts = kind.unenforced(document.target(), document.from(), document.spec());
        List<NotEnforced> warnings = new ArrayList<>();
        for (Unenforced part : parts) {
            List<String> clusters = new ArrayList<>();
            new TreeMap<>(inventories).forEach((cluster, inventory) -> {
                if (holdsUnenforcingEndpoint(inventory, document.target(), part.dataPlane())) {
                    clusters.add(cluster);
                }
            });
            warnings.add(new NotEnforced(document.kind(), document.name(), part.dataPlane(), clusters, part.field(),
                    message(document, part, clusters)));
        }
        return warnings;
    }

    /** The warnings of {@code policies} that concern {@code cluster}, as its last inventory shows it. */
    public static List<NotEnforced> onCluster(List<PolicyDocument> policies, String cluster, ClusterInventory inventory) {
        List<NotEnforced> concerning = new ArrayList<>();
        for (PolicyDocument policy : policies) {
            for (NotEnforced warning : of(policy, Map.of(cluster, inventory))) {
                if (!warning.clusters().isEmpty()) {
                    concerning.add(warning);
                }
            }
        }
        return concerning;
    }

    private static boolean holdsUnenforcingEndpoint(ClusterInventory inventory, Target target, DataPlane dataPlane) {
        for (InventoryService service : inventory.getServicesList()) {
            for (InventoryEndpoint endpoint : service.getEndpointsList()) {
                if (selects(target, service.getName(), endpoint) && unenforcing(endpoint.getDataPlane(), dataPlane)) {
                    return true;
                }
            }
        }
        return false;
    }

    private static boolean selects(Target target, String service, InventoryEndpoint endpoint) {
        if (!(target instanceof Target.Service targeted)) {
            return true;
        }
        ServiceSelector selector = targeted.selector();
        return selector.service().equals(service)
                && endpoint.getLabelsMap().entrySet().containsAll(selector.subset().entrySet());
    }

    /** An endpoint leaves a part unenforced when that data plane serves it, or no proxy of ours is known to. */
    private static boolean unenforcing(EndpointDataPlane servedBy, DataPlane dataPlane) {
        return switch (dataPlane) {
            case PROXYLESS_GRPC -> servedBy != EndpointDataPlane.ENDPOINT_DATA_PLANE_ENVOY_SIDECAR;
            case ENVOY_SIDECAR -> servedBy != EndpointDataPlane.ENDPOINT_DATA_PLANE_PROXYLESS_GRPC;
            // A gateway serves no endpoint of its own; what it leaves out is said without clusters.
            case ENVOY_GATEWAY -> false;
        };
    }

    private static String message(PolicyDocument document, Unenforced part, List<String> clusters) {
        String endpoints = document.target() instanceof Target.Service service
                ? "endpoints of " + service.selector().service() : "endpoints";
        String head = document.kind() + " '" + document.name() + "': " + part.field() + " is not enforced by "
                + part.dataPlane().described() + " (" + part.reason() + ")";
        if (part.dataPlane() == DataPlane.ENVOY_GATEWAY) {
            return head + ".";
        }
        String servedBy = " served by " + part.dataPlane().described() + " or by no proxy of fedmesh";
        return clusters.isEmpty()
                ? head + "; no cluster reports " + endpoints + servedBy + " now, but where one runs, it is not enforced."
                : head + "; not enforced on the " + endpoints + servedBy + " in cluster" + (clusters.size() > 1 ? "s " : " ")
                        + String.join(", ", clusters) + ".";
    }
}
