package dev.fedmesh.policy.compiler;

import com.google.protobuf.ByteString;
import java.util.List;
import java.util.Objects;

/**
 * A tenant's trust domain, the roots every one of its clusters must trust (more than one during a
 * root rotation), PEM, and the SHA-256 of the root new intermediates are issued under (empty when
 * not known).
 */
public record TenantTrust(String trustDomain, List<String> rootCertificatesPem, ByteString signingRootSha256) {

    /** No trust compiled in: a config without {@code trust}. */
    public static final TenantTrust NONE = new TenantTrust("", List.of());

    public TenantTrust {
        Objects.requireNonNull(trustDomain, "trustDomain");
        rootCertificatesPem = List.copyOf(rootCertificatesPem);
        Objects.requireNonNull(signingRootSha256, "signingRootSha256");
    }

    /** Trust without a named signing root. */
    public TenantTrust(String trustDomain, List<String> rootCertificatesPem) {
        this(trustDomain, rootCertificatesPem, ByteString.EMPTY);
    }
}
