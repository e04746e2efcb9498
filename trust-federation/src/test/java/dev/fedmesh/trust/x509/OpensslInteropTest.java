package dev.fedmesh.trust.x509;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.fedmesh.trust.spiffe.TrustDomain;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An agent's CSR made by openssl reads as such, and openssl validates our chains and their name constraint; skipped without openssl. */
class OpensslInteropTest {

    private static final TrustDomain ACME = TrustDomain.of("acme.fedmesh.dev");

    @TempDir
    Path dir;

    @Test
    void anOpensslCsrForAnIntermediateSaysWhatItAsksFor() throws Exception {
        assumeTrue(run("openssl", "version").exitCode() == 0, "openssl is not installed");
        Path key = dir.resolve("key.pem");
        Path csr = dir.resolve("csr.pem");
        assertThat(run("openssl", "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-keyout", key.toString(), "-out", csr.toString(), "-subj", "/CN=east",
                "-addext", "subjectAltName=URI:spiffe://acme.fedmesh.dev",
                "-addext", "basicConstraints=critical,CA:TRUE",
                "-addext", "keyUsage=critical,keyCertSign,cRLSign").exitCode()).isZero();

        CertificateRequest request = CertificateRequest.parse(Files.readString(csr));

        assertThat(request.uriSans()).containsExactly("spiffe://acme.fedmesh.dev");
        assertThat(request.signatureVerifies()).isTrue();
        assertThat(request.requestedBasicConstraints()).hasValueSatisfying(bc -> assertThat(bc.isCA()).isTrue());
        assertThat(Pem.privateKey(Files.readString(key)).getAlgorithm()).isEqualTo("EC");
    }

    @Test
    void opensslAcceptsALeafOfTheTrustDomainAndRefusesOneOfAnotherUnderTheConstrainedIntermediate() throws Exception {
        assumeTrue(run("openssl", "version").exitCode() == 0, "openssl is not installed");
        Instant now = Instant.now().minusSeconds(60);
        KeyPair rootKeys = KeyType.EC_P256.generate();
        X509Certificate root = RootCertificate.selfSigned(rootKeys, ACME, now, Duration.ofDays(1));
        KeyPair agentKeys = KeyType.EC_P256.generate();
        X509Certificate intermediate = IntermediateCertificate.fromRequest(
                CertificateRequest.create(agentKeys, "east", List.of(ACME.id().toUri()), true), ACME, now,
                Duration.ofHours(12), 0, root, rootKeys.getPrivate());
        Path rootFile = Files.writeString(dir.resolve("root.pem"), Pem.write(root));
        Path intermediateFile = Files.writeString(dir.resolve("intermediate.pem"), Pem.write(intermediate));

        Result inDomain = verify(rootFile, intermediateFile, leaf("spiffe://acme.fedmesh.dev/ns/shop/sa/cart", intermediate,
                agentKeys, now));
        Result foreign = verify(rootFile, intermediateFile, leaf("spiffe://globex.fedmesh.dev/ns/shop/sa/cart", intermediate,
                agentKeys, now));

        assertThat(inDomain.exitCode()).as(inDomain.output()).isZero();
        assertThat(foreign.exitCode()).isNotZero();
        assertThat(foreign.output()).contains("permitted subtree violation");
    }

    private Path leaf(String id, X509Certificate intermediate, KeyPair agentKeys, Instant now) throws IOException {
        X509Certificate leaf = CertificateBuilder.forKey(KeyType.EC_P256.generate().getPublic())
                .validity(now, now.plus(Duration.ofHours(1)))
                .uriSan(URI.create(id))
                .keyUsage(KeyUsage.digitalSignature)
                .extendedKeyUsage(KeyPurposeId.id_kp_clientAuth)
                .signedBy(intermediate, agentKeys.getPrivate());
        return Files.writeString(dir.resolve("leaf-" + Math.abs(id.hashCode()) + ".pem"), Pem.write(leaf));
    }

    private Result verify(Path root, Path intermediate, Path leaf) throws Exception {
        return run("openssl", "verify", "-CAfile", root.toString(), "-untrusted", intermediate.toString(), leaf.toString());
    }

    private record Result(int exitCode, String output) {
    }

    private static Result run(String... command) throws InterruptedException {
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            return new Result(process.waitFor(), output);
        } catch (IOException e) {
            return new Result(-1, e.toString());
        }
    }
}
