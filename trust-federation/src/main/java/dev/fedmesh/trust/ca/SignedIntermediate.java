package dev.fedmesh.trust.ca;

import dev.fedmesh.trust.x509.Pem;
import java.security.cert.X509Certificate;
import java.util.List;

/** A signed intermediate: its certificate first, then its issuers up to the root as the back end returned them. */
public record SignedIntermediate(List<X509Certificate> chain) {

    public SignedIntermediate {
        chain = List.copyOf(chain);
        if (chain.isEmpty()) {
            throw new IllegalArgumentException("a signed intermediate has at least its own certificate");
        }
    }

    public X509Certificate certificate() {
        return chain.get(0);
    }

    public String chainPem() {
        return Pem.write(chain);
    }
}
