package dev.fedmesh.agent.trust;

import dev.fedmesh.trust.x509.CertificateFingerprint;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Optional;

/**
 * Which root of a trust bundle an intermediate's chain leads to: the bundle root whose public key
 * verifies the top of the chain (the root itself, when the chain ends with it).
 */
public final class IntermediateChainRoot {

    private IntermediateChainRoot() {
    }

    /**
     * The root of {@code bundle} that {@code chain} (the intermediate first) leads to, preferring the
     * one named by {@code preferredSha256} (hex) when more than one verifies it, as a root re-issued
     * with the same key does; empty when none does.
     */
    public static Optional<X509Certificate> of(List<X509Certificate> chain, List<X509Certificate> bundle,
                                               String preferredSha256) {
        X509Certificate top = chain.get(chain.size() - 1);
        Optional<X509Certificate> found = Optional.empty();
        for (X509Certificate root : bundle) {
            if (!verifies(top, root)) {
                continue;
            }
            if (CertificateFingerprint.sha256Hex(root).equals(preferredSha256)) {
                return Optional.of(root);
            }
            if (found.isEmpty()) {
                found = Optional.of(root);
            }
        }
        return found;
    }

    /**
     * True when the config names a root new intermediates are issued under ({@code signingRootSha256},
     * hex, empty when none) and {@code chain} does not lead to it in {@code bundle}: the agent needs a
     * new intermediate.
     */
    public static boolean needsNewRoot(List<X509Certificate> chain, List<X509Certificate> bundle,
                                       String signingRootSha256) {
        if (signingRootSha256.isEmpty()) {
            return false;
        }
        return of(chain, bundle, signingRootSha256)
                .map(root -> !CertificateFingerprint.sha256Hex(root).equals(signingRootSha256))
                .orElse(true);
    }

    private static boolean verifies(X509Certificate certificate, X509Certificate root) {
        if (!certificate.getIssuerX500Principal().equals(root.getSubjectX500Principal())) {
            return false;
        }
        try {
            certificate.verify(root.getPublicKey());
            return true;
        } catch (GeneralSecurityException | RuntimeException e) {
            return false;
        }
    }
}
