package dev.fedmesh.trust.x509;

import java.io.IOException;
import java.net.URI;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1IA5String;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.Extensions;
import org.bouncycastle.asn1.x509.ExtensionsGenerator;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.PKCSException;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequest;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;

/**
 * A PKCS#10 certificate signing request: created by whoever holds the key (an agent for its
 * intermediate), read by the CA, which looks at what it asks for before signing anything.
 */
public final class CertificateRequest {

    private final PKCS10CertificationRequest request;

    private CertificateRequest(PKCS10CertificationRequest request) {
        this.request = request;
    }

    /**
     * A request signed with {@code keys}' private key for a certificate with the given subject common
     * name and URI SANs; {@code ca} asks for a CA certificate (basic constraints CA, keyCertSign and
     * cRLSign), otherwise for digitalSignature.
     */
    public static CertificateRequest create(KeyPair keys, String commonName, List<URI> uriSans, boolean ca) {
        try {
            JcaPKCS10CertificationRequestBuilder builder =
                    new JcaPKCS10CertificationRequestBuilder(new X500Name("CN=" + commonName), keys.getPublic());
            ExtensionsGenerator extensions = new ExtensionsGenerator();
            if (!uriSans.isEmpty()) {
                GeneralName[] names = uriSans.stream()
                        .map(uri -> new GeneralName(GeneralName.uniformResourceIdentifier, uri.toString()))
                        .toArray(GeneralName[]::new);
                extensions.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(names));
            }
            extensions.addExtension(Extension.basicConstraints, true, new BasicConstraints(ca));
            extensions.addExtension(Extension.keyUsage, true,
                    new KeyUsage(ca ? KeyUsage.keyCertSign | KeyUsage.cRLSign : KeyUsage.digitalSignature));
            builder.addAttribute(PKCSObjectIdentifiers.pkcs_9_at_extensionRequest, extensions.generate());
            KeyType type = KeyType.of(keys.getPublic()).orElseThrow(() -> new IllegalArgumentException(
                    "cannot sign a request with a " + KeyType.describe(SubjectPublicKeyInfo.getInstance(keys.getPublic().getEncoded()))
                            + " key: use EC P-256, EC P-384 or RSA"));
            return new CertificateRequest(builder.build(new JcaContentSignerBuilder(type.signatureAlgorithm()).build(keys.getPrivate())));
        } catch (IOException | OperatorCreationException e) {
            throw new IllegalStateException("cannot build a certificate request: " + e.getMessage(), e);
        }
    }

    /** Reads one {@code CERTIFICATE REQUEST} PEM block. */
    public static CertificateRequest parse(String pem) {
        return new CertificateRequest(Pem.certificationRequest(pem));
    }

    public static CertificateRequest fromDer(byte[] der) {
        try {
            return new CertificateRequest(new PKCS10CertificationRequest(der));
        } catch (IOException | RuntimeException e) {
            throw new InvalidPemException("not a PKCS#10 certificate request: " + e.getMessage(), e);
        }
    }

    public String toPem() {
        return Pem.write(request);
    }

    public byte[] der() {
        try {
            return request.getEncoded();
        } catch (IOException e) {
            throw new IllegalStateException("a parsed request re-encodes", e);
        }
    }

    public String subject() {
        return request.getSubject().toString();
    }

    public SubjectPublicKeyInfo subjectPublicKeyInfo() {
        return request.getSubjectPublicKeyInfo();
    }

    /** The requested public key as a JCA key; throws for keys the JDK cannot load (see {@link KeyType#of}). */
    public PublicKey publicKey() {
        try {
            return new JcaPKCS10CertificationRequest(request).getPublicKey();
        } catch (GeneralSecurityException e) {
            throw new InvalidPemException("the request's " + KeyType.describe(subjectPublicKeyInfo())
                    + " public key cannot be loaded: " + e.getMessage(), e);
        }
    }

    /** SHA-256 of the DER SubjectPublicKeyInfo: what identifies the key across requests. */
    public byte[] publicKeySha256() {
        return publicKeySha256(subjectPublicKeyInfo());
    }

    public static byte[] publicKeySha256(SubjectPublicKeyInfo key) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(key.getEncoded());
        } catch (NoSuchAlgorithmException | IOException e) {
            throw new IllegalStateException("Java 17 computes SHA-256 of an encoded key", e);
        }
    }

    /** True when the request is signed by the private key of the public key it carries: proof of possession. */
    public boolean signatureVerifies() {
        try {
            return request.isSignatureValid(new JcaContentVerifierProviderBuilder().build(publicKey()));
        } catch (OperatorCreationException | PKCSException | RuntimeException e) {
            return false;
        }
    }

    /** The URI SANs asked for, in order. */
    public List<String> uriSans() {
        List<String> uris = new ArrayList<>();
        for (GeneralName name : subjectAlternativeNames()) {
            if (name.getTagNo() == GeneralName.uniformResourceIdentifier) {
                uris.add(ASN1IA5String.getInstance(name.getName()).getString());
            }
        }
        return uris;
    }

    /** The SANs asked for that are not URIs, as "dns:...", "ip:...", "email:..." or "type N". */
    public List<String> otherSans() {
        List<String> others = new ArrayList<>();
        for (GeneralName name : subjectAlternativeNames()) {
            switch (name.getTagNo()) {
                case GeneralName.uniformResourceIdentifier -> { }
                case GeneralName.dNSName -> others.add("dns:" + name.getName());
                case GeneralName.rfc822Name -> others.add("email:" + name.getName());
                case GeneralName.iPAddress -> others.add("ip:" + name.getName());
                default -> others.add("type " + name.getTagNo() + " name");
            }
        }
        return others;
    }

    /** The basic constraints asked for, if any. */
    public Optional<BasicConstraints> requestedBasicConstraints() {
        return requested(Extension.basicConstraints).map(BasicConstraints::getInstance);
    }

    /** The key usage asked for, if any. */
    public Optional<KeyUsage> requestedKeyUsage() {
        return requested(Extension.keyUsage).map(KeyUsage::getInstance);
    }

    private List<GeneralName> subjectAlternativeNames() {
        return requested(Extension.subjectAlternativeName)
                .map(value -> List.of(GeneralNames.getInstance(value).getNames()))
                .orElse(List.of());
    }

    private Optional<ASN1Encodable> requested(org.bouncycastle.asn1.ASN1ObjectIdentifier oid) {
        Extensions extensions = request.getRequestedExtensions();
        if (extensions == null) {
            return Optional.empty();
        }
        return Optional.ofNullable(extensions.getExtensionParsedValue(oid));
    }

    @Override
    public String toString() {
        return "CertificateRequest[subject=" + subject() + ", key=" + KeyType.describe(subjectPublicKeyInfo())
                + ", uriSans=" + uriSans() + "]";
    }
}
