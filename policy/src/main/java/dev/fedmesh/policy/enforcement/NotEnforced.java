package dev.fedmesh.policy.enforcement;

import dev.fedmesh.policy.document.DataPlane;

import java.util.List;
import java.util.Objects;

/**
 * A warning that part of a policy is not enforced by one data plane: which policy, which data plane,
 * the clusters where the policy's target has endpoints that data plane (or no proxy of ours) serves
 * now (empty when no cluster reports one yet), the field, and a message a user reads.
 */
public record NotEnforced(String kind, String policy, DataPlane dataPlane, List<String> clusters, String field,
                          String message) {
    /** The warning's stable code, as the API answers it. */
    public static final String CODE = "not-enforced";

    public NotEnforced {
        Objects.requireNonNull(dataPlane, "dataPlane");
        clusters = List.copyOf(clusters);
    }
}
