package dev.fedmesh.trust.x509;

import java.math.BigInteger;
import java.net.InetAddress;
import java.net.URI;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Objects;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.GeneralSubtree;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.asn1.x509.NameConstraints;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Builds one X.509 v3 certificate from what it must say: subject key and name, validity, URI or IP SANs,
 * CA or leaf, key usages, and URI name constraints. The issuer's key type picks the signature
 * algorithm; the serial number is 128 random bits.
 */
public final class CertificateBuilder {

    private static final SecureRandom SERIALS = new SecureRandom();

    private final PublicKey subjectKey;
    private String commonName = "";
    private Instant notBefore;
    private Instant notAfter;
    private final List<GeneralName> sans = new ArrayList<>();
    private boolean ca;
    private Integer pathLength;
    private int keyUsage;
    private final List<KeyPurposeId> extendedKeyUsages = new ArrayList<>();
    private final List<String> permittedUriHosts = new ArrayList<>();

    private CertificateBuilder(PublicKey subjectKey) {
        this.subjectKey = Objects.requireNonNull(subjectKey, "subjectKey");
    }

    public static CertificateBuilder forKey(PublicKey subjectKey) {
        return new CertificateBuilder(subjectKey);
    }

    public CertificateBuilder commonName(String commonName) {
        this.commonName = Objects.requireNonNull(commonName, "commonName");
        return this;
    }

    public CertificateBuilder validity(Instant notBefore, Instant notAfter) {
        if (!notAfter.isAfter(notBefore)) {
            throw new IllegalArgumentException("notAfter " + notAfter + " must be after notBefore " + notBefore);
        }
        this.notBefore = notBefore;
        this.notAfter = notAfter;
        return this;
    }

    public CertificateBuilder uriSan(URI uri) {
        sans.add(new GeneralName(GeneralName.uniformResourceIdentifier, uri.toString()));
        return this;
    }

    /** An IP address SAN, for servers reached by address (a Vault or test server on 127.0.0.1). */
    public CertificateBuilder ipSan(InetAddress address) {
        sans.add(new GeneralName(GeneralName.iPAddress, new DEROctetString(address.getAddress())));
        return this;
    }

    /** A CA certificate (keyCertSign, cRLSign); {@code pathLength} null for no limit. */
    public CertificateBuilder ca(Integer pathLength) {
        this.ca = true;
        this.pathLength = pathLength;
        this.keyUsage |= KeyUsage.keyCertSign | KeyUsage.cRLSign;
        return this;
    }

    /** Adds {@link KeyUsage} bits, e.g. {@code KeyUsage.digitalSignature}. */
    public CertificateBuilder keyUsage(int bits) {
        this.keyUsage |= bits;
        return this;
    }

    public CertificateBuilder extendedKeyUsage(KeyPurposeId purpose) {
        extendedKeyUsages.add(purpose);
        return this;
    }

    /**
     * Permits only URI names whose host is {@code host} below this CA (RFC 5280 4.2.1.10: a URI
     * constraint names the host): {@code acme.fedmesh.dev} permits {@code spiffe://acme.fedmesh.dev/...}.
     */
    public CertificateBuilder permitUriHost(String host) {
        permittedUriHosts.add(host);
        return this;
    }

    /** Signed by the subject's own key: a root. */
    public X509Certificate selfSigned(PrivateKey subjectPrivateKey) {
        X500Name subject = subjectName();
        return build(subject, subject, subjectKey, subjectPrivateKey);
    }

    /** Signed by {@code issuer}'s key; validity must lie within the issuer's. */
    public X509Certificate signedBy(X509Certificate issuer, PrivateKey issuerKey) {
        if (notBefore != null && (notBefore.isBefore(issuer.getNotBefore().toInstant())
                || notAfter.isAfter(issuer.getNotAfter().toInstant()))) {
            throw new IllegalArgumentException("validity " + notBefore + ".." + notAfter + " is not within the issuer's "
                    + issuer.getNotBefore().toInstant() + ".." + issuer.getNotAfter().toInstant());
        }
        return build(X500Name.getInstance(issuer.getSubjectX500Principal().getEncoded()), subjectName(),
                issuer.getPublicKey(), issuerKey);
    }

    private X500Name subjectName() {
        return commonName.isEmpty() ? new X500Name(new org.bouncycastle.asn1.x500.RDN[0]) : new X500Name("CN=" + commonName);
    }

    private X509Certificate build(X500Name issuer, X500Name subject, PublicKey issuerPublicKey, PrivateKey issuerKey) {
        if (notBefore == null) {
            throw new IllegalStateException("validity is not set");
        }
        KeyType issuerType = KeyType.of(issuerPublicKey)
                .orElseThrow(() -> new IllegalArgumentException("issuer key type is not EC P-256, EC P-384 or RSA"));
        try {
            JcaX509ExtensionUtils utils = new JcaX509ExtensionUtils();
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(issuer, new BigInteger(128, SERIALS).setBit(127),
                    Date.from(notBefore), Date.from(notAfter), subject, subjectKey);
            builder.addExtension(Extension.basicConstraints, true,
                    ca && pathLength != null ? new BasicConstraints(pathLength) : new BasicConstraints(ca));
            if (keyUsage != 0) {
                builder.addExtension(Extension.keyUsage, true, new KeyUsage(keyUsage));
            }
            if (!extendedKeyUsages.isEmpty()) {
                builder.addExtension(Extension.extendedKeyUsage, false,
                        new ExtendedKeyUsage(extendedKeyUsages.toArray(KeyPurposeId[]::new)));
            }
            if (!sans.isEmpty()) {
                // With an empty subject the SAN carries the identity alone and must be critical (RFC 5280 4.2.1.6).
                builder.addExtension(Extension.subjectAlternativeName, commonName.isEmpty(),
                        new GeneralNames(sans.toArray(GeneralName[]::new)));
            }
            if (!permittedUriHosts.isEmpty()) {
                GeneralSubtree[] permitted = permittedUriHosts.stream()
                        .map(host -> new GeneralSubtree(new GeneralName(GeneralName.uniformResourceIdentifier, host)))
                        .toArray(GeneralSubtree[]::new);
                builder.addExtension(Extension.nameConstraints, true, new NameConstraints(permitted, null));
            }
            builder.addExtension(Extension.subjectKeyIdentifier, false, utils.createSubjectKeyIdentifier(subjectKey));
            builder.addExtension(Extension.authorityKeyIdentifier, false, utils.createAuthorityKeyIdentifier(issuerPublicKey));
            return new JcaX509CertificateConverter().getCertificate(
                    builder.build(new JcaContentSignerBuilder(issuerType.signatureAlgorithm()).build(issuerKey)));
        } catch (CertIOException | OperatorCreationException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot build certificate for " + subject + ": " + e.getMessage(), e);
        }
    }
}
