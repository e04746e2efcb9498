package dev.fedmesh.trust.x509;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.HexFormat;

/** A certificate's SHA-256 fingerprint (of its DER): how roots are named in bundles, reports and the API. */
public final class CertificateFingerprint {

    private CertificateFingerprint() {
    }

    /** SHA-256 of {@code certificate}'s DER encoding, 32 bytes. */
    public static byte[] sha256(X509Certificate certificate) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(certificate.getEncoded());
        } catch (NoSuchAlgorithmException | CertificateEncodingException e) {
            throw new IllegalStateException("cannot fingerprint certificate " + certificate.getSubjectX500Principal(), e);
        }
    }

    /** The same fingerprint as 64 lower-case hex digits. */
    public static String sha256Hex(X509Certificate certificate) {
        return HexFormat.of().formatHex(sha256(certificate));
    }
}
