package dev.fedmesh.trust.issuance;

import dev.fedmesh.trust.spiffe.TrustDomain;
import java.util.Objects;
import java.util.UUID;

/** Who asks for an intermediate: a cluster of a tenant, whose trust domain the intermediate belongs to. */
public record IntermediateOwner(UUID tenantId, String cluster, TrustDomain trustDomain) {

    public IntermediateOwner {
        Objects.requireNonNull(tenantId, "tenantId");
        Objects.requireNonNull(cluster, "cluster");
        Objects.requireNonNull(trustDomain, "trustDomain");
    }

    @Override
    public String toString() {
        return "cluster " + cluster + " of tenant " + tenantId + " (" + trustDomain.id() + ")";
    }
}
