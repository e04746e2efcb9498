package dev.fedmesh.agent.sds;

import static dev.fedmesh.agent.sds.OneClustersIdentities.DOMAIN;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.fedmesh.agent.trust.WorkloadSvids;
import dev.fedmesh.testing.TestResources;
import dev.fedmesh.trust.ca.BuiltInCertificateAuthority;
import dev.fedmesh.trust.x509.CertificateUris;
import dev.fedmesh.trust.x509.KeyType;
import dev.fedmesh.trust.x509.Pem;
import dev.fedmesh.trust.x509.RootCertificate;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * The agent's SDS as an Envoy sidecar sees it: a real grpc-java SDS client on the agent's Unix
 * socket names the secrets it wants and gets the workload's SVID and key and the tenant's roots,
 * issued by the agent's own trust from a real CA, and every renewal and bundle change after.
 */
class SecretDiscoveryOverAUnixSocketTest {

    private static final String GREETER = "spiffe://acme.fedmesh.dev/ns/default/sa/greeter";
    private static final String FRONTEND = "spiffe://acme.fedmesh.dev/ns/shop/sa/frontend";
    private static final String BUNDLE = "spiffe://acme.fedmesh.dev";

    @TempDir
    Path dir;

    @AutoClose
    private final TestResources resources = new TestResources();

    @Test
    void aProxyGetsTheSvidAndKeyOfTheWorkloadItNamesAndTheTenantsRoots() throws Exception {
        OneClustersIdentities cluster = cluster(Duration.ofHours(1));
        SdsServer sds = serve(cluster, SdsSocket.ownerOnly(dir.resolve("sds.sock")));

        SdsStream greeter = stream(sds, GREETER, BUNDLE);
        List<Secret> secrets = await(greeter, served -> names(served).equals(List.of(BUNDLE, GREETER)));

        assertThat(WorkloadSecrets.bundleName(DOMAIN)).isEqualTo(BUNDLE);
        assertIsTheSvidOf(GREETER, secret(secrets, GREETER), cluster.roots());
        assertThat(bundle(secret(secrets, BUNDLE))).isEqualTo(cluster.roots());
    }

    @Test
    void theOpenStreamReceivesEachRenewedSvidWithItsNewKey() throws Exception {
        // Renewed at half-life: every second.
        OneClustersIdentities cluster = cluster(Duration.ofSeconds(2));
        SdsServer sds = serve(cluster, SdsSocket.ownerOnly(dir.resolve("sds.sock")));
        SdsStream greeter = stream(sds, GREETER);
        X509Certificate first = leaf(secret(await(greeter, served -> names(served).contains(GREETER)), GREETER));

        List<Secret> renewed = await(greeter, served -> names(served).contains(GREETER)
                && !leaf(secret(served, GREETER)).equals(first));

        assertIsTheSvidOf(GREETER, secret(renewed, GREETER), cluster.roots());
        assertThat(leaf(secret(renewed, GREETER)).getPublicKey()).isNotEqualTo(first.getPublicKey());
    }

    @Test
    void aRootAddedToTheBundleReachesTheOpenStreamAtOnce() throws Exception {
        OneClustersIdentities cluster = cluster(Duration.ofHours(1));
        SdsServer sds = serve(cluster, SdsSocket.ownerOnly(dir.resolve("sds.sock")));
        SdsStream proxy = stream(sds, BUNDLE, GREETER);
        await(proxy, served -> names(served).equals(List.of(BUNDLE, GREETER)));
        List<X509Certificate> nextRoots = BuiltInCertificateAuthority.open(dir.resolve("next-ca"), Clock.systemUTC())
                .roots(DOMAIN);
        List<X509Certificate> both = new ArrayList<>(cluster.roots());
        both.addAll(nextRoots);

        // The first step of a root rotation: the desired config's bundle gains the next root.
        cluster.applyRoots(both);

        List<Secret> rotated = await(proxy, served -> names(served).contains(BUNDLE)
                && bundle(secret(served, BUNDLE)).size() == 2);
        assertThat(bundle(secret(rotated, BUNDLE))).isEqualTo(both);
        assertIsTheSvidOf(GREETER, secret(rotated, GREETER), cluster.roots());
    }

    @Test
    void duringARootRotationTheOpenStreamGetsEverySvidReissuedUnderTheNewRoot() throws Exception {
        OneClustersIdentities cluster = cluster(Duration.ofHours(1));
        SdsServer sds = serve(cluster, SdsSocket.ownerOnly(dir.resolve("sds.sock")));
        SdsStream proxy = stream(sds, GREETER, FRONTEND, BUNDLE);
        await(proxy, served -> names(served).equals(List.of(BUNDLE, GREETER, FRONTEND)));
        KeyPair newRootKeys = KeyType.EC_P256.generate();
        X509Certificate newRoot = RootCertificate.selfSigned(newRootKeys, DOMAIN, Instant.now(), Duration.ofDays(365));
        List<X509Certificate> both = new ArrayList<>(cluster.roots());
        both.add(newRoot);
        cluster.applyRoots(both);

        X509Certificate underNewRoot = cluster.signUnder(newRoot, newRootKeys);

        List<Secret> rotated = await(proxy, served -> served.size() == 3
                && chain(secret(served, GREETER)).get(1).equals(underNewRoot)
                && chain(secret(served, FRONTEND)).get(1).equals(underNewRoot));
        assertIsTheSvidOf(GREETER, secret(rotated, GREETER), List.of(newRoot));
        assertIsTheSvidOf(FRONTEND, secret(rotated, FRONTEND), List.of(newRoot));
        assertThat(bundle(secret(rotated, BUNDLE))).isEqualTo(both);
    }

    @Test
    void aNameThatIsNoLocalWorkloadGetsNoSecretAndNoOtherWorkloadsKey() throws Exception {
        OneClustersIdentities cluster = cluster(Duration.ofHours(1));
        SdsServer sds = serve(cluster, SdsSocket.ownerOnly(dir.resolve("sds.sock")));
        await(stream(sds, GREETER, FRONTEND), served -> names(served).equals(List.of(GREETER, FRONTEND)));

        SdsStream stranger = stream(sds, "spiffe://acme.fedmesh.dev/ns/default/sa/payments",
                "spiffe://globex.fedmesh.dev/ns/default/sa/greeter", "default", "ROOTCA");

        DiscoveryResponse answer = stranger.next();
        assertThat(answer.getResourcesList()).isEmpty();
        assertThat(answer.toString()).doesNotContain("PRIVATE KEY");
    }

    @Test
    void onlyTheAgentsUserOrGroupMayConnectAndTheSocketGoesWithTheAgent() throws Exception {
        OneClustersIdentities cluster = cluster(Duration.ofHours(1));
        Path ownerOnly = dir.resolve("run").resolve("sds.sock");
        SdsServer sds = serve(cluster, SdsSocket.ownerOnly(ownerOnly));
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(ownerOnly))).isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(ownerOnly.getParent())))
                .isEqualTo("rwxr-x---");
        assertThat(names(await(stream(sds, GREETER), served -> !served.isEmpty()))).containsExactly(GREETER);
        sds.close();
        assertThat(ownerOnly).doesNotExist();

        Path grouped = dir.resolve("grouped.sock");
        serve(cluster, new SdsSocket(grouped, SdsSocket.OWNER_AND_GROUP));
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(grouped))).isEqualTo("rw-rw----");
        assertThat(Files.list(dir).map(path -> path.getFileName().toString()))
                .as("no staging directory left beside the socket").noneMatch(name -> name.startsWith(".sds-"));
    }

    @Test
    void aSocketLeftByAnEarlierRunIsReplacedAndAnyOtherFileStopsTheStart() throws Exception {
        OneClustersIdentities cluster = cluster(Duration.ofHours(1));
        Path stale = dir.resolve("stale.sock");
        try (ServerSocketChannel earlier = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            earlier.bind(UnixDomainSocketAddress.of(stale));
        }
        assertThat(stale).exists();

        SdsServer sds = serve(cluster, SdsSocket.ownerOnly(stale));
        assertThat(names(await(stream(sds, GREETER), served -> !served.isEmpty()))).containsExactly(GREETER);

        Path notASocket = dir.resolve("notes.txt");
        Files.writeString(notASocket, "keep me");
        assertThatThrownBy(() -> SdsServer.start(cluster.secrets.cache(), SdsSocket.ownerOnly(notASocket)))
                .hasMessageContaining("fedmesh.agent.sds.socket")
                .hasMessageContaining(notASocket.toString());
        assertThat(Files.readString(notASocket)).isEqualTo("keep me");
    }

    @Test
    void noLogLineCarriesAPrivateKey() throws Exception {
        ListAppender<ILoggingEvent> logs = new ListAppender<>();
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        Level rootLevel = root.getLevel();
        root.setLevel(Level.DEBUG);
        logs.start();
        root.addAppender(logs);
        resources.add(() -> {
            root.detachAppender(logs);
            root.setLevel(rootLevel);
        });
        OneClustersIdentities cluster = cluster(Duration.ofSeconds(2));
        SdsServer sds = serve(cluster, SdsSocket.ownerOnly(dir.resolve("sds.sock")));
        SdsStream greeter = stream(sds, GREETER, BUNDLE);
        List<Secret> first = await(greeter, served -> names(served).contains(GREETER));
        List<Secret> renewed = await(greeter, served -> names(served).contains(GREETER)
                && !secret(served, GREETER).equals(secret(first, GREETER)));

        List<ILoggingEvent> lines;
        // The appender adds to its list holding its own lock.
        synchronized (logs) {
            lines = List.copyOf(logs.list);
        }
        assertThat(lines).anyMatch(line -> line.getFormattedMessage().contains("SDS now serves"));
        for (Secret secret : List.of(secret(first, GREETER), secret(renewed, GREETER))) {
            String keyPem = secret.getTlsCertificate().getPrivateKey().getInlineBytes().toString(StandardCharsets.US_ASCII);
            String keyBody = keyPem.lines().filter(line -> !line.startsWith("-----")).reduce("", String::concat);
            assertThat(keyBody).isNotEmpty();
            // Also as the hex a frame logger would dump.
            String keyHex = HexFormat.of().formatHex(keyBody.substring(0, 40).getBytes(StandardCharsets.US_ASCII));
            for (ILoggingEvent event : lines) {
                assertThat(event.getFormattedMessage().replace("\n", ""))
                        .doesNotContain(keyBody.substring(0, 40))
                        .doesNotContainIgnoringCase(keyHex);
            }
        }
    }

    private OneClustersIdentities cluster(Duration svidTtl) {
        OneClustersIdentities cluster = new OneClustersIdentities(dir, svidTtl);
        resources.add(cluster);
        cluster.register("greeter", Map.of());
        cluster.register("frontend", Map.of(WorkloadSvids.NAMESPACE_LABEL, "shop"));
        return cluster;
    }

    private SdsServer serve(OneClustersIdentities cluster, SdsSocket socket) {
        SdsServer sds = SdsServer.start(cluster.secrets.cache(), socket);
        resources.add(sds);
        return sds;
    }

    private SdsStream stream(SdsServer sds, String... names) {
        SdsStream stream = new SdsStream(sds.path(), names);
        resources.add(stream);
        return stream;
    }

    /** The secrets of the first response that satisfies {@code expected}, acknowledging every one before it. */
    private static List<Secret> await(SdsStream stream, Predicate<List<Secret>> expected) throws Exception {
        while (true) {
            List<Secret> secrets = SdsStream.secrets(stream.next());
            if (expected.test(secrets)) {
                return secrets;
            }
        }
    }

    /** The names of {@code secrets}, sorted: a response lists them in the order the request named them. */
    private static List<String> names(List<Secret> secrets) {
        return secrets.stream().map(Secret::getName).sorted().toList();
    }

    private static Secret secret(List<Secret> secrets, String name) {
        Optional<Secret> secret = secrets.stream().filter(s -> s.getName().equals(name)).findFirst();
        assertThat(secret).as("secret %s among %s", name, names(secrets)).isPresent();
        return secret.get();
    }

    private static X509Certificate leaf(Secret secret) {
        return chain(secret).get(0);
    }

    private static List<X509Certificate> chain(Secret secret) {
        return Pem.certificates(secret.getTlsCertificate().getCertificateChain().getInlineBytes()
                .toString(StandardCharsets.US_ASCII));
    }

    private static List<X509Certificate> bundle(Secret secret) {
        return Pem.certificates(secret.getValidationContext().getTrustedCa().getInlineBytes()
                .toString(StandardCharsets.US_ASCII));
    }

    private static void assertIsTheSvidOf(String spiffeId, Secret secret, List<X509Certificate> roots) throws Exception {
        List<X509Certificate> chain = chain(secret);
        assertThat(CertificateUris.of(chain.get(0))).containsExactly(spiffeId);
        PKIXParameters parameters = new PKIXParameters(new HashSet<>(roots.stream()
                .map(root -> new TrustAnchor(root, null)).toList()));
        parameters.setRevocationEnabled(false);
        CertPathValidator.getInstance("PKIX").validate(CertificateFactory.getInstance("X.509").generateCertPath(chain),
                parameters);
        PrivateKey key = Pem.privateKey(secret.getTlsCertificate().getPrivateKey().getInlineBytes()
                .toString(StandardCharsets.US_ASCII));
        Signature signing = Signature.getInstance("SHA256withECDSA");
        signing.initSign(key);
        signing.update(spiffeId.getBytes(StandardCharsets.UTF_8));
        byte[] signature = signing.sign();
        Signature verifying = Signature.getInstance("SHA256withECDSA");
        verifying.initVerify(chain.get(0).getPublicKey());
        verifying.update(spiffeId.getBytes(StandardCharsets.UTF_8));
        assertThat(verifying.verify(signature)).as("the key is the certificate's").isTrue();
    }
}
