package dev.fedmesh.trust.x509;

import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/** The URI SANs of a certificate: where a SPIFFE ID lives in an X.509-SVID or a CA of a trust domain. */
public final class CertificateUris {

    private static final int URI_NAME = 6;

    private CertificateUris() {
    }

    public static List<String> of(X509Certificate certificate) {
        Collection<List<?>> names;
        try {
            names = certificate.getSubjectAlternativeNames();
        } catch (CertificateParsingException e) {
            throw new InvalidPemException("the certificate's subject alternative names cannot be read: " + e.getMessage(), e);
        }
        List<String> uris = new ArrayList<>();
        if (names != null) {
            for (List<?> name : names) {
                if (((Integer) name.get(0)) == URI_NAME) {
                    uris.add((String) name.get(1));
                }
            }
        }
        return uris;
    }
}
