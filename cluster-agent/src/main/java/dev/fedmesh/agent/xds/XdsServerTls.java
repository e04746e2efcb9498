package dev.fedmesh.agent.xds;

import dev.fedmesh.trust.x509.Pem;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Objects;

/**
 * The files an xDS listener beyond loopback serves TLS with and authenticates its clients by: the
 * agent's certificate chain and private key, and the CA certificates a client's certificate must
 * chain to ({@code fedmesh.agent.xds.tls.*}). PEM; the key PKCS#8, SEC1 (EC) or PKCS#1 (RSA).
 */
public record XdsServerTls(Path certificateFile, Path privateKeyFile, Path clientCaFile) {

    public static final String CERTIFICATE_PROPERTY = "fedmesh.agent.xds.tls.certificate-file";
    public static final String PRIVATE_KEY_PROPERTY = "fedmesh.agent.xds.tls.private-key-file";
    public static final String CLIENT_CA_PROPERTY = "fedmesh.agent.xds.tls.client-ca-file";

    public XdsServerTls {
        certificateFile = Objects.requireNonNull(certificateFile, "certificateFile").toAbsolutePath();
        privateKeyFile = Objects.requireNonNull(privateKeyFile, "privateKeyFile").toAbsolutePath();
        clientCaFile = Objects.requireNonNull(clientCaFile, "clientCaFile").toAbsolutePath();
    }

    /** What the three files hold now. */
    public record Material(List<X509Certificate> chain, PrivateKey key, List<X509Certificate> clientCas) {
    }

    /**
     * Reads the three files; throws {@link InvalidTlsFileException} naming the setting and the file
     * that cannot be read or does not hold what it should (never quoting a key).
     */
    public Material read() {
        List<X509Certificate> chain = certificates(CERTIFICATE_PROPERTY, certificateFile, "the agent's certificate chain");
        PrivateKey key;
        try {
            key = Pem.privateKey(text(PRIVATE_KEY_PROPERTY, privateKeyFile));
        } catch (RuntimeException e) {
            throw invalid(PRIVATE_KEY_PROPERTY, privateKeyFile, "the private key of the agent's certificate (PEM: PRIVATE"
                    + " KEY, EC PRIVATE KEY or RSA PRIVATE KEY), but it does not hold one (" + e.getClass().getSimpleName()
                    + ")");
        }
        if (!belongsTo(key, chain.get(0))) {
            throw invalid(PRIVATE_KEY_PROPERTY, privateKeyFile, "the private key of the certificate in "
                    + certificateFile + ", but it is another key");
        }
        return new Material(chain, key, certificates(CLIENT_CA_PROPERTY, clientCaFile,
                "the CA certificates clients' certificates must chain to"));
    }

    private static List<X509Certificate> certificates(String property, Path file, String what) {
        List<X509Certificate> certificates;
        try {
            certificates = Pem.certificates(text(property, file));
        } catch (InvalidTlsFileException e) {
            throw e;
        } catch (RuntimeException e) {
            throw invalid(property, file, what + " as PEM CERTIFICATE blocks (" + e.getMessage() + ")");
        }
        if (certificates.isEmpty()) {
            throw invalid(property, file, what + " as PEM CERTIFICATE blocks, but it holds none");
        }
        return certificates;
    }

    private static String text(String property, Path file) {
        try {
            return Files.readString(file, StandardCharsets.US_ASCII);
        } catch (IOException | UncheckedIOException e) {
            throw invalid(property, file, "a file the agent can read (" + e.getClass().getSimpleName() + ")");
        }
    }

    // Signs a few bytes and verifies them with the certificate's key: whether they are a pair, whatever the key type.
    private static boolean belongsTo(PrivateKey key, X509Certificate certificate) {
        String algorithm = key.getAlgorithm().equals("EC") ? "SHA256withECDSA" : "SHA256with" + key.getAlgorithm();
        byte[] probe = "fedmesh-xds-tls".getBytes(StandardCharsets.US_ASCII);
        try {
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(probe);
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(certificate.getPublicKey());
            verifier.update(probe);
            return verifier.verify(signer.sign());
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    private static InvalidTlsFileException invalid(String property, Path file, String expected) {
        return new InvalidTlsFileException("Invalid setting " + property + " = '" + file + "': expected " + expected);
    }

    /** A TLS file of the xDS listener cannot be used; the message names the setting, the file and what it should hold. */
    public static final class InvalidTlsFileException extends IllegalArgumentException {

        public InvalidTlsFileException(String message) {
            super(message);
        }
    }
}
