package dev.fedmesh.agent.sds;

import dev.fedmesh.agent.trust.WorkloadIdentityMaterial;
import dev.fedmesh.agent.trust.WorkloadSvids;
import dev.fedmesh.policy.xds.ServiceEndpoint;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The current certificates of the cluster's local workloads: one per service and namespace with an
 * endpoint in the inventory, as the agent's trust holds them (none for a workload without an SVID yet).
 */
public final class LocalWorkloads implements Supplier<List<WorkloadIdentityMaterial>> {

    /** A workload's current certificates, by its namespace and service. */
    @FunctionalInterface
    public interface Certificates {
        Optional<WorkloadIdentityMaterial> of(String namespace, String service);
    }

    private static final String DEFAULT_NAMESPACE = "default";

    private final Supplier<List<ServiceEndpoint>> endpoints;
    private final Certificates certificates;

    public LocalWorkloads(Supplier<List<ServiceEndpoint>> endpoints, Certificates certificates) {
        this.endpoints = Objects.requireNonNull(endpoints, "endpoints");
        this.certificates = Objects.requireNonNull(certificates, "certificates");
    }

    @Override
    public List<WorkloadIdentityMaterial> get() {
        Set<List<String>> workloads = new LinkedHashSet<>();
        for (ServiceEndpoint endpoint : endpoints.get()) {
            workloads.add(List.of(endpoint.labels().getOrDefault(WorkloadSvids.NAMESPACE_LABEL, DEFAULT_NAMESPACE),
                    endpoint.service()));
        }
        return workloads.stream()
                .map(workload -> certificates.of(workload.get(0), workload.get(1)))
                .flatMap(Optional::stream)
                .toList();
    }
}
