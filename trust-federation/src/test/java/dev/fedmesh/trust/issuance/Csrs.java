package dev.fedmesh.trust.issuance;

import dev.fedmesh.trust.x509.CertificateRequest;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.spec.ECGenParameterSpec;
import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.ExtensionsGenerator;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;

/** CSRs as a careless or hostile agent might send them: any SANs, any key usage, signed by any key. */
final class Csrs {

    private KeyPair keys;
    private PrivateKey signingKey;
    private final List<GeneralName> sans = new ArrayList<>();
    private boolean ca = true;
    private int keyUsage = KeyUsage.keyCertSign | KeyUsage.cRLSign;

    static Csrs forKeys(KeyPair keys) {
        Csrs csrs = new Csrs();
        csrs.keys = keys;
        csrs.signingKey = keys.getPrivate();
        return csrs;
    }

    static KeyPair ec(String curve) throws GeneralSecurityException {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec(curve));
        return generator.generateKeyPair();
    }

    static KeyPair rsa(int bits) throws GeneralSecurityException {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(bits);
        return generator.generateKeyPair();
    }

    Csrs uri(String uri) {
        sans.add(new GeneralName(GeneralName.uniformResourceIdentifier, uri));
        return this;
    }

    Csrs dns(String name) {
        sans.add(new GeneralName(GeneralName.dNSName, name));
        return this;
    }

    Csrs leaf() {
        ca = false;
        keyUsage = KeyUsage.digitalSignature;
        return this;
    }

    Csrs keyUsage(int bits) {
        keyUsage = bits;
        return this;
    }

    Csrs signedWith(PrivateKey other) {
        signingKey = other;
        return this;
    }

    CertificateRequest build() throws Exception {
        JcaPKCS10CertificationRequestBuilder builder =
                new JcaPKCS10CertificationRequestBuilder(new X500Name("CN=east"), keys.getPublic());
        ExtensionsGenerator extensions = new ExtensionsGenerator();
        if (!sans.isEmpty()) {
            extensions.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(sans.toArray(GeneralName[]::new)));
        }
        extensions.addExtension(Extension.basicConstraints, true, new BasicConstraints(ca));
        extensions.addExtension(Extension.keyUsage, true, new KeyUsage(keyUsage));
        builder.addAttribute(PKCSObjectIdentifiers.pkcs_9_at_extensionRequest, extensions.generate());
        String algorithm = switch (signingKey.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            case "EdDSA", "Ed25519" -> "Ed25519";
            default -> signingKey.getAlgorithm();
        };
        return CertificateRequest.fromDer(builder.build(new JcaContentSignerBuilder(algorithm).build(signingKey)).getEncoded());
    }
}
