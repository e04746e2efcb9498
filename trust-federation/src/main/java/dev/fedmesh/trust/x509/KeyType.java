package dev.fedmesh.trust.x509;

import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.security.spec.ECGenParameterSpec;
import java.util.Optional;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.sec.SECObjectIdentifiers;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.asn1.x9.ECNamedCurveTable;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;

/**
 * The key types fedmesh's certificates use, each with the signature algorithm its holder signs
 * with: EC P-256 (the default), EC P-384, and RSA. Recognised from the public key's encoding, so
 * keys the JDK cannot load (other curves) are still named in errors.
 */
public enum KeyType {
    EC_P256("SHA256withECDSA"),
    EC_P384("SHA384withECDSA"),
    RSA("SHA256withRSA");

    private static final int RSA_GENERATED_BITS = 2048;

    private final String signatureAlgorithm;

    KeyType(String signatureAlgorithm) {
        this.signatureAlgorithm = signatureAlgorithm;
    }

    /** The JCA name of the algorithm a holder of this key type signs certificates with. */
    public String signatureAlgorithm() {
        return signatureAlgorithm;
    }

    /** A fresh key pair of this type (RSA: 2048 bits). */
    public KeyPair generate() {
        try {
            KeyPairGenerator generator;
            switch (this) {
                case EC_P256 -> {
                    generator = KeyPairGenerator.getInstance("EC");
                    generator.initialize(new ECGenParameterSpec("secp256r1"));
                }
                case EC_P384 -> {
                    generator = KeyPairGenerator.getInstance("EC");
                    generator.initialize(new ECGenParameterSpec("secp384r1"));
                }
                default -> {
                    generator = KeyPairGenerator.getInstance("RSA");
                    generator.initialize(RSA_GENERATED_BITS);
                }
            }
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("Java 17 generates " + this + " keys", e);
        }
    }

    /** The type of {@code key}, or empty for any other algorithm or curve. */
    public static Optional<KeyType> of(PublicKey key) {
        return of(SubjectPublicKeyInfo.getInstance(key.getEncoded()));
    }

    public static Optional<KeyType> of(SubjectPublicKeyInfo key) {
        ASN1ObjectIdentifier algorithm = key.getAlgorithm().getAlgorithm();
        if (algorithm.equals(PKCSObjectIdentifiers.rsaEncryption)) {
            return Optional.of(RSA);
        }
        if (algorithm.equals(X9ObjectIdentifiers.id_ecPublicKey)) {
            Object parameters = key.getAlgorithm().getParameters();
            if (SECObjectIdentifiers.secp256r1.equals(parameters)) {
                return Optional.of(EC_P256);
            }
            if (SECObjectIdentifiers.secp384r1.equals(parameters)) {
                return Optional.of(EC_P384);
            }
        }
        return Optional.empty();
    }

    /** The RSA modulus length in bits, or 0 when {@code key} is not an RSA key. */
    public static int rsaBits(SubjectPublicKeyInfo key) {
        if (!key.getAlgorithm().getAlgorithm().equals(PKCSObjectIdentifiers.rsaEncryption)) {
            return 0;
        }
        try {
            return org.bouncycastle.asn1.pkcs.RSAPublicKey.getInstance(key.parsePublicKey()).getModulus().bitLength();
        } catch (IOException e) {
            return 0;
        }
    }

    /** What the key is, for errors: "RSA 1024-bit", "EC secp256k1", or its algorithm's OID. */
    public static String describe(SubjectPublicKeyInfo key) {
        ASN1ObjectIdentifier algorithm = key.getAlgorithm().getAlgorithm();
        if (algorithm.equals(PKCSObjectIdentifiers.rsaEncryption)) {
            return "RSA " + rsaBits(key) + "-bit";
        }
        if (algorithm.equals(X9ObjectIdentifiers.id_ecPublicKey)) {
            Object parameters = key.getAlgorithm().getParameters();
            if (parameters instanceof ASN1ObjectIdentifier curve) {
                String name = ECNamedCurveTable.getName(curve);
                return "EC " + (name == null ? curve.getId() : name);
            }
            return "EC with explicit curve parameters";
        }
        return switch (algorithm.getId()) {
            case "1.3.101.112" -> "Ed25519";
            case "1.3.101.113" -> "Ed448";
            default -> "algorithm " + algorithm.getId();
        };
    }
}
