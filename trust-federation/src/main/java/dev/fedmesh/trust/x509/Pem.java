package dev.fedmesh.trust.x509;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.util.io.pem.PemObject;
import org.bouncycastle.util.io.pem.PemReader;

/**
 * Certificates, chains, private keys and CSRs as PEM text (RFC 7468), the form openssl, Vault and
 * Envoy read and write. Private keys are written as PKCS#8 ({@code PRIVATE KEY}); openssl's older
 * {@code EC PRIVATE KEY} and {@code RSA PRIVATE KEY} forms are read too.
 */
public final class Pem {

    /** One block of PEM text, whatever it holds: its label (e.g. {@code PUBLIC KEY}) and its DER bytes. */
    public record Block(String label, byte[] der) {
    }

    private Pem() {
    }

    /** Every block of the text, in order, whatever its label; text outside blocks is ignored, as openssl does. */
    public static List<Block> blocks(String pem) {
        List<Block> blocks = new ArrayList<>();
        try (PemReader reader = new PemReader(new StringReader(pem))) {
            for (PemObject object = reader.readPemObject(); object != null; object = reader.readPemObject()) {
                blocks.add(new Block(object.getType(), object.getContent()));
            }
        } catch (IOException | RuntimeException e) {
            throw new InvalidPemException("malformed PEM: " + e.getMessage(), e);
        }
        return List.copyOf(blocks);
    }

    /** Every certificate of the text, in order (a chain: leaf or intermediate first). */
    public static List<X509Certificate> certificates(String pem) {
        List<X509Certificate> certificates = new ArrayList<>();
        for (Object object : objects(pem)) {
            if (!(object instanceof X509CertificateHolder holder)) {
                throw new InvalidPemException("expected only CERTIFICATE blocks, found " + describe(object));
            }
            try {
                certificates.add(new JcaX509CertificateConverter().getCertificate(holder));
            } catch (java.security.cert.CertificateException e) {
                throw new InvalidPemException("a CERTIFICATE block is not an X.509 certificate: " + e.getMessage(), e);
            }
        }
        if (certificates.isEmpty()) {
            throw new InvalidPemException("no '-----BEGIN CERTIFICATE-----' block found");
        }
        return List.copyOf(certificates);
    }

    /** The one certificate of the text. */
    public static X509Certificate certificate(String pem) {
        List<X509Certificate> certificates = certificates(pem);
        if (certificates.size() != 1) {
            throw new InvalidPemException("expected one certificate, found " + certificates.size());
        }
        return certificates.get(0);
    }

    /** The one private key of the text: PKCS#8, or openssl's EC/RSA PRIVATE KEY (unencrypted). */
    public static PrivateKey privateKey(String pem) {
        List<Object> objects = objects(pem);
        if (objects.size() != 1) {
            throw new InvalidPemException("expected one private key block, found " + objects.size() + " PEM blocks");
        }
        Object object = objects.get(0);
        JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
        try {
            if (object instanceof PrivateKeyInfo info) {
                return converter.getPrivateKey(info);
            }
            if (object instanceof PEMKeyPair pair) {
                return converter.getPrivateKey(pair.getPrivateKeyInfo());
            }
        } catch (IOException e) {
            throw new InvalidPemException("the private key cannot be read: " + e.getMessage(), e);
        }
        throw new InvalidPemException("expected an unencrypted PRIVATE KEY block, found " + describe(object));
    }

    /** The one PKCS#10 certificate signing request of the text. */
    public static PKCS10CertificationRequest certificationRequest(String pem) {
        List<Object> objects = objects(pem);
        if (objects.size() != 1 || !(objects.get(0) instanceof PKCS10CertificationRequest request)) {
            throw new InvalidPemException("expected one '-----BEGIN CERTIFICATE REQUEST-----' block, found "
                    + (objects.isEmpty() ? "none" : describe(objects.get(0)) + " among " + objects.size() + " blocks"));
        }
        return request;
    }

    /** The certificates as consecutive CERTIFICATE blocks, in the given order. */
    public static String write(List<X509Certificate> certificates) {
        return writeObjects(List.copyOf(certificates));
    }

    public static String write(X509Certificate certificate) {
        return writeObjects(List.of(certificate));
    }

    /** The key as one PKCS#8 PRIVATE KEY block. */
    public static String write(PrivateKey key) {
        return write("PRIVATE KEY", key.getEncoded());
    }

    /** One block of DER bytes under {@code label}, e.g. a {@code PUBLIC KEY} in its X.509 encoding. */
    public static String write(String label, byte[] der) {
        return writeObjects(List.of(new PemObject(label, der)));
    }

    public static String write(PKCS10CertificationRequest request) {
        return writeObjects(List.of(request));
    }

    private static String writeObjects(List<Object> objects) {
        StringWriter text = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(text)) {
            for (Object object : objects) {
                writer.writeObject(object);
            }
        } catch (IOException e) {
            throw new IllegalStateException("writing PEM to a string does not fail", e);
        }
        return text.toString();
    }

    private static List<Object> objects(String pem) {
        List<Object> objects = new ArrayList<>();
        try (PEMParser parser = new PEMParser(new StringReader(pem))) {
            for (Object object = parser.readObject(); object != null; object = parser.readObject()) {
                objects.add(object);
            }
        } catch (IOException | RuntimeException e) {
            throw new InvalidPemException("malformed PEM: " + e.getMessage(), e);
        }
        return objects;
    }

    private static String describe(Object object) {
        String name = object.getClass().getSimpleName();
        return switch (name) {
            case "X509CertificateHolder" -> "a CERTIFICATE";
            case "PKCS10CertificationRequest" -> "a CERTIFICATE REQUEST";
            case "PrivateKeyInfo", "PEMKeyPair" -> "a PRIVATE KEY";
            case "PKCS8EncryptedPrivateKeyInfo", "PEMEncryptedKeyPair" -> "an encrypted private key (decrypt it first)";
            case "SubjectPublicKeyInfo" -> "a PUBLIC KEY";
            default -> "a " + name;
        };
    }
}
