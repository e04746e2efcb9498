package dev.fedmesh.agent.trust;

import java.time.Instant;
import java.util.Objects;

/**
 * What a local workload's SVID files hold right now, as PEM, for serving it without reading the
 * files (e.g. over SDS): its SVID followed by the intermediates, the SVID's private key, the trust
 * bundle, and until when the SVID is valid.
 */
public record WorkloadIdentityMaterial(String certificateChainPem, String privateKeyPem, String trustBundlePem,
                                       Instant notAfter) {

    public WorkloadIdentityMaterial {
        Objects.requireNonNull(certificateChainPem, "certificateChainPem");
        Objects.requireNonNull(privateKeyPem, "privateKeyPem");
        Objects.requireNonNull(trustBundlePem, "trustBundlePem");
        Objects.requireNonNull(notAfter, "notAfter");
    }

    /** Leaves the private key out, so a log line or an assertion message never shows it. */
    @Override
    public String toString() {
        return "WorkloadIdentityMaterial[SVID valid until " + notAfter + ", private key (hidden)]";
    }
}
