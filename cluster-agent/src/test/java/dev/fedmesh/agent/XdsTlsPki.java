package dev.fedmesh.agent;

import dev.fedmesh.agent.xds.XdsServerTls;
import dev.fedmesh.trust.x509.CertificateBuilder;
import dev.fedmesh.trust.x509.KeyType;
import dev.fedmesh.trust.x509.Pem;
import java.io.IOException;
import java.net.URI;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;

/**
 * Certificates for the agent's xDS listener beyond loopback, as an operator's own CA issues them
 * (e.g. cert-manager): a CA, and leaf certificates it signs for the agent (a server, named by IP
 * address) and for its proxies (clients), each written as the PEM files the settings and an xDS
 * bootstrap name.
 */
public final class XdsTlsPki {

    private final String name;
    private final KeyPair keys;
    private final X509Certificate certificate;
    private final Path directory;

    private XdsTlsPki(String name, KeyPair keys, X509Certificate certificate, Path directory) {
        this.name = name;
        this.keys = keys;
        this.certificate = certificate;
        this.directory = directory;
    }

    /** A new CA named {@code name}, writing its files under {@code directory}. */
    public static XdsTlsPki ca(String name, Path directory) throws IOException {
        KeyPair keys = KeyType.EC_P256.generate();
        Instant now = Instant.now();
        X509Certificate certificate = CertificateBuilder.forKey(keys.getPublic())
                .commonName(name)
                .validity(now.minus(Duration.ofMinutes(5)), now.plus(Duration.ofDays(30)))
                .ca(0)
                .selfSigned(keys.getPrivate());
        Files.createDirectories(directory);
        Path file = directory.resolve(name + ".pem");
        Files.writeString(file, Pem.write(List.of(certificate)));
        return new XdsTlsPki(name, keys, certificate, directory);
    }

    /** This CA's certificate, as the agent's client CA or a bootstrap's {@code ca_certificate_file}. */
    public Path certificateFile() {
        return directory.resolve(name + ".pem");
    }

    /** The agent's server certificate for these addresses, and its key. */
    public Leaf server(List<InetAddress> addresses) throws IOException {
        KeyPair leafKeys = KeyType.EC_P256.generate();
        CertificateBuilder builder = leaf(leafKeys, "fedmesh agent").extendedKeyUsage(KeyPurposeId.id_kp_serverAuth);
        addresses.forEach(builder::ipSan);
        return write("agent", leafKeys, builder);
    }

    /** A proxy's client certificate, and its key. */
    public Leaf client(String proxy) throws IOException {
        KeyPair leafKeys = KeyType.EC_P256.generate();
        return write(proxy, leafKeys, leaf(leafKeys, proxy).extendedKeyUsage(KeyPurposeId.id_kp_clientAuth));
    }

    /** A proxy's client certificate naming the workload {@code spiffeId} (its URI SAN), and its key. */
    public Leaf client(String proxy, URI spiffeId) throws IOException {
        KeyPair leafKeys = KeyType.EC_P256.generate();
        return write(proxy, leafKeys, leaf(leafKeys, proxy).extendedKeyUsage(KeyPurposeId.id_kp_clientAuth)
                .uriSan(spiffeId));
    }

    /** The agent's settings for a listener serving {@code server}'s certificate to clients of this CA. */
    public XdsServerTls serverTls(Leaf server) {
        return new XdsServerTls(server.certificateFile(), server.privateKeyFile(), certificateFile());
    }

    private CertificateBuilder leaf(KeyPair leafKeys, String commonName) {
        Instant now = Instant.now();
        return CertificateBuilder.forKey(leafKeys.getPublic())
                .commonName(commonName)
                .validity(now.minus(Duration.ofMinutes(1)), now.plus(Duration.ofDays(1)))
                .keyUsage(KeyUsage.digitalSignature);
    }

    private Leaf write(String leafName, KeyPair leafKeys, CertificateBuilder builder) throws IOException {
        X509Certificate leaf = builder.signedBy(certificate, keys.getPrivate());
        Path certificateFile = Files.writeString(directory.resolve(name + "-" + leafName + ".pem"),
                Pem.write(List.of(leaf, certificate)));
        Path keyFile = Files.writeString(directory.resolve(name + "-" + leafName + "-key.pem"),
                Pem.write(leafKeys.getPrivate()));
        return new Leaf(certificateFile, keyFile);
    }

    /** A leaf certificate's files: the certificate followed by its CA's, and its PKCS#8 key. */
    public record Leaf(Path certificateFile, Path privateKeyFile) {
    }
}
