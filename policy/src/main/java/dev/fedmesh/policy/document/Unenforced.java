package dev.fedmesh.policy.document;

import java.util.Objects;

/**
 * A part of a policy that one data plane does not enforce: the data plane, the field (e.g.
 * {@code spec} for the whole spec, {@code spec.requests}) and why, in a sentence a user reads.
 */
public record Unenforced(DataPlane dataPlane, String field, String reason) {
    public Unenforced {
        Objects.requireNonNull(dataPlane, "dataPlane");
        Objects.requireNonNull(field, "field");
        Objects.requireNonNull(reason, "reason");
    }
}
