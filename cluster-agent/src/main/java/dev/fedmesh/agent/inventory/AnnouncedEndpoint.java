package dev.fedmesh.agent.inventory;

import dev.fedmesh.policy.xds.ServiceEndpoint;
import java.util.Objects;

/** An endpoint as a workload or an operator announces it: where it listens and its service account (may be empty). */
public record AnnouncedEndpoint(ServiceEndpoint endpoint, String serviceAccount) {

    public AnnouncedEndpoint {
        Objects.requireNonNull(endpoint, "endpoint");
        serviceAccount = serviceAccount == null ? "" : serviceAccount;
    }

    /** Whether {@code other} listens at the same place for the same service (labels and account aside). */
    public boolean sameAddress(ServiceEndpoint other) {
        return endpoint.service().equals(other.service()) && endpoint.host().equals(other.host())
                && endpoint.port() == other.port();
    }
}
