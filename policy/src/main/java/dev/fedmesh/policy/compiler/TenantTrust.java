package dev.fedmesh.policy.compiler;

import java.util.List;
import java.util.Objects;

/** A tenant's trust domain and the roots every one of its clusters must trust (more than one during a root rotation), PEM. */
public record TenantTrust(String trustDomain, List<String> rootCertificatesPem) {

    /** No trust compiled in: a config without {@code trust}. */
    public static final TenantTrust NONE = new TenantTrust("", List.of());

    public TenantTrust {
        Objects.requireNonNull(trustDomain, "trustDomain");
        rootCertificatesPem = List.copyOf(rootCertificatesPem);
    }
}
