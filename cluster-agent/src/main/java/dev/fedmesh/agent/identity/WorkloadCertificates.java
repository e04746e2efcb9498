package dev.fedmesh.agent.identity;

import java.util.Objects;

/**
 * What one workload needs for mutual TLS, as PEM: its SVID followed by the intermediates up to the
 * root, the SVID's private key, and the trust bundle (every root it validates peers against).
 */
public record WorkloadCertificates(String certificateChainPem, String privateKeyPem, String trustBundlePem) {

    public WorkloadCertificates {
        Objects.requireNonNull(certificateChainPem, "certificateChainPem");
        Objects.requireNonNull(privateKeyPem, "privateKeyPem");
        Objects.requireNonNull(trustBundlePem, "trustBundlePem");
    }

    /** Leaves the private key out, so a log line or an assertion message never shows it. */
    @Override
    public String toString() {
        return "WorkloadCertificates[chain of " + count(certificateChainPem) + " certificate(s), private key (hidden), "
                + count(trustBundlePem) + " root(s)]";
    }

    private static int count(String pem) {
        return pem.split("-----BEGIN CERTIFICATE-----", -1).length - 1;
    }
}
