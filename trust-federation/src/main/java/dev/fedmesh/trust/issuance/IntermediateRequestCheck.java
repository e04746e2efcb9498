package dev.fedmesh.trust.issuance;

import dev.fedmesh.trust.spiffe.TrustDomain;
import dev.fedmesh.trust.x509.CertificateRequest;
import dev.fedmesh.trust.x509.KeyType;
import java.util.List;
import java.util.Optional;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;

/**
 * What an agent's intermediate CSR must be before any CA sees it: a key strong enough, a signature
 * by that key (proof of possession), exactly the URI SAN {@code spiffe://<trust domain>} and no other
 * SAN, and a request to be a CA that signs certificates. Pure: the first problem found, or none.
 */
public final class IntermediateRequestCheck {

    private static final int MIN_RSA_BITS = 2048;

    private IntermediateRequestCheck() {
    }

    public static Optional<Refusal> problem(TrustDomain trustDomain, CertificateRequest csr) {
        SubjectPublicKeyInfo key = csr.subjectPublicKeyInfo();
        Optional<KeyType> type = KeyType.of(key);
        if (type.isEmpty()) {
            return refuse(Refusal.Code.WEAK_KEY, "the CSR's key is " + KeyType.describe(key)
                    + ": an intermediate key must be EC P-256, EC P-384 or RSA of at least " + MIN_RSA_BITS + " bits");
        }
        if (type.get() == KeyType.RSA && KeyType.rsaBits(key) < MIN_RSA_BITS) {
            return refuse(Refusal.Code.WEAK_KEY, "the CSR's key is " + KeyType.describe(key)
                    + ": an RSA intermediate key must have at least " + MIN_RSA_BITS + " bits (EC P-256 is preferred)");
        }
        if (!csr.signatureVerifies()) {
            return refuse(Refusal.Code.SIGNATURE_INVALID, "the CSR's signature does not verify with the key it carries:"
                    + " it must be signed by the intermediate's own private key (proof of possession)");
        }
        String expected = trustDomain.id().toString();
        List<String> uris = csr.uriSans();
        if (!uris.equals(List.of(expected))) {
            return refuse(Refusal.Code.WRONG_URI_SAN, "the CSR asks for URI SANs " + uris + ": an intermediate of this"
                    + " tenant must carry exactly one, " + expected);
        }
        if (!csr.otherSans().isEmpty()) {
            return refuse(Refusal.Code.EXTRA_SAN, "the CSR asks for SANs " + csr.otherSans() + " besides " + expected
                    + ": remove them, an intermediate names only its trust domain");
        }
        boolean ca = csr.requestedBasicConstraints().map(BasicConstraints::isCA).orElse(false);
        if (!ca) {
            return refuse(Refusal.Code.NOT_A_CA, "the CSR does not ask to be a CA: request basicConstraints CA:TRUE");
        }
        boolean signsCertificates = csr.requestedKeyUsage().map(usage -> usage.hasUsages(KeyUsage.keyCertSign)).orElse(false);
        if (!signsCertificates) {
            return refuse(Refusal.Code.NOT_A_CA, "the CSR's key usage lacks keyCertSign: request keyUsage"
                    + " keyCertSign (and cRLSign) for an intermediate CA");
        }
        return Optional.empty();
    }

    private static Optional<Refusal> refuse(Refusal.Code code, String reason) {
        return Optional.of(new Refusal(code, reason));
    }
}
