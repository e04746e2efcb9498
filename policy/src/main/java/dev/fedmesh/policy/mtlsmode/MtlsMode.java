package dev.fedmesh.policy.mtlsmode;

import dev.fedmesh.policy.document.PolicySpec;

/** Whether the workloads of a service (or of the whole mesh) accept plaintext connections besides mutual TLS. */
public record MtlsMode(Mode mode) implements PolicySpec {

    /** How a workload treats incoming connections. */
    public enum Mode {
        /** Only mutual TLS: plaintext connections are refused. */
        STRICT,
        /** Mutual TLS and plaintext alike, while workloads move into the mesh. */
        PERMISSIVE
    }
}
