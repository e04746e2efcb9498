package dev.fedmesh.agent.trust;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fedmesh.agent.ClusterPki;
import dev.fedmesh.agent.identity.WorkloadCertificateFiles;
import dev.fedmesh.policy.xds.ServiceEndpoint;
import dev.fedmesh.trust.svid.SvidIssuer;
import dev.fedmesh.trust.svid.X509Svid;
import dev.fedmesh.trust.x509.CertificateUris;
import dev.fedmesh.trust.x509.Pem;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The files the agent writes for one local workload, checked at chosen instants: the first SVID
 * with its key and the bundle, and a renewal with a fresh key at half the SVID's lifetime, not
 * before. Real keys, a real CA and real files.
 */
class WorkloadSvidsTest {

    private static final ServiceEndpoint GREETER_IN_SHOP = new ServiceEndpoint("greeter", "127.0.0.1", 8080,
            Map.of(WorkloadSvids.NAMESPACE_LABEL, "shop"));

    @TempDir
    Path dir;
    private ClusterPki acme;
    private SvidIssuer east;
    private WorkloadSvids svids;

    @BeforeEach
    void clusterWithItsIntermediate() {
        acme = new ClusterPki(dir.resolve("ca"), "acme.fedmesh.dev");
        east = acme.clusterIssuer("east");
        svids = new WorkloadSvids(dir.resolve("workloads"));
    }

    @Test
    void aWorkloadsFirstSvidIsWrittenInItsNamespaceWithItsKeyAndTheBundle() throws Exception {
        assertThat(refreshAt(Instant.now())).isEqualTo(1);

        WorkloadCertificateFiles files = svids.files("shop", "greeter");
        List<X509Certificate> chain = Pem.certificates(Files.readString(files.certificateFile()));
        assertThat(chain).hasSize(2);
        assertThat(CertificateUris.of(chain.get(0))).containsExactly("spiffe://acme.fedmesh.dev/ns/shop/sa/greeter");
        assertThat(Pem.certificates(Files.readString(files.trustBundleFile()))).isEqualTo(acme.roots());
        assertThat(keyMatches(files, chain.get(0))).as("the key file holds the SVID's private key").isTrue();
    }

    @Test
    void anSvidIsRenewedWithAFreshKeyFromHalfItsLifetimeAndNotBefore() throws Exception {
        refreshAt(Instant.now());
        WorkloadCertificateFiles files = svids.files("shop", "greeter");
        String firstChain = Files.readString(files.certificateFile());
        X509Certificate first = Pem.certificates(firstChain).get(0);
        Instant renewAt = X509Svid.renewalTime(first);

        assertThat(refreshAt(renewAt.minusSeconds(1))).isZero();
        assertThat(Files.readString(files.certificateFile())).isEqualTo(firstChain);

        assertThat(refreshAt(renewAt)).isEqualTo(1);
        X509Certificate renewed = Pem.certificates(Files.readString(files.certificateFile())).get(0);
        assertThat(renewed).isNotEqualTo(first);
        assertThat(renewed.getPublicKey()).as("a fresh key").isNotEqualTo(first.getPublicKey());
        assertThat(keyMatches(files, renewed)).isTrue();
    }

    private int refreshAt(Instant now) {
        return svids.refresh(List.of(GREETER_IN_SHOP), east, "", acme.trustDomain(), acme.roots(), now);
    }

    private static boolean keyMatches(WorkloadCertificateFiles files, X509Certificate certificate) throws Exception {
        byte[] data = "proof of possession".getBytes(StandardCharsets.US_ASCII);
        Signature signer = Signature.getInstance("SHA256withECDSA");
        signer.initSign(Pem.privateKey(Files.readString(files.privateKeyFile())));
        signer.update(data);
        byte[] signature = signer.sign();
        Signature verifier = Signature.getInstance("SHA256withECDSA");
        verifier.initVerify(certificate.getPublicKey());
        verifier.update(data);
        return verifier.verify(signature);
    }
}
