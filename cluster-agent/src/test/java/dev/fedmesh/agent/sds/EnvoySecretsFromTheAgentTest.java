package dev.fedmesh.agent.sds;

import static dev.fedmesh.agent.sds.OneClustersIdentities.CLUSTER;
import static dev.fedmesh.agent.sds.OneClustersIdentities.DOMAIN;
import static dev.fedmesh.agent.sds.OneClustersIdentities.TENANT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.Gson;
import com.google.protobuf.ByteString;
import com.google.protobuf.TypeRegistry;
import com.google.protobuf.util.JsonFormat;
import dev.fedmesh.agent.AgentSettings;
import dev.fedmesh.agent.ClusterAgent;
import dev.fedmesh.agent.desired.LastKnownGood;
import dev.fedmesh.agent.trust.IntermediateKeyFiles;
import dev.fedmesh.api.v1.ClusterIntermediate;
import dev.fedmesh.api.v1.DesiredConfig;
import dev.fedmesh.api.v1.MeshTrust;
import dev.fedmesh.policy.xds.ServiceEndpoint;
import dev.fedmesh.testing.FreePort;
import dev.fedmesh.trust.ca.BuiltInCertificateAuthority;
import dev.fedmesh.trust.ca.IntermediateSigningRequest;
import dev.fedmesh.trust.ca.SignedIntermediate;
import dev.fedmesh.trust.signing.ConfigSigningKey;
import dev.fedmesh.trust.signing.ConfigVerifier;
import dev.fedmesh.trust.x509.CertificateRequest;
import dev.fedmesh.trust.x509.CertificateUris;
import dev.fedmesh.trust.x509.Pem;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions;
import io.micronaut.core.value.MapPropertyResolver;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.Yaml;

/**
 * SDS as an operator turns it on: {@code fedmesh.agent.sds.socket} set, a running agent serves its
 * static workload's SVID and the bundle on that socket; without it there is no socket at all.
 */
class EnvoySecretsFromTheAgentTest {

    private static final String GREETER = "spiffe://acme.fedmesh.dev/ns/default/sa/greeter";

    @TempDir
    Path dir;

    @Test
    void anAgentWithAnSdsSocketServesItsWorkloadsSvidToAnEnvoyOnIt() throws Exception {
        Path socket = dir.resolve("sds.sock");
        AgentSettings settings = settings(Map.of("fedmesh.agent.sds.socket", socket.toString()));
        BuiltInCertificateAuthority ca = holdingAnIntermediate(settings);

        try (ClusterAgent agent = ClusterAgent.start(settings);
             SdsStream envoy = new SdsStream(socket, GREETER, WorkloadSecrets.bundleName(DOMAIN))) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(socket))).isEqualTo("rw-------");
            List<Secret> secrets = SdsStream.secrets(envoy.next());
            while (secrets.size() < 2) {
                secrets = SdsStream.secrets(envoy.next());
            }
            Secret svid = secrets.stream().filter(s -> s.getName().equals(GREETER)).findFirst().orElseThrow();
            assertThat(CertificateUris.of(Pem.certificates(svid.getTlsCertificate().getCertificateChain()
                    .getInlineBytes().toString(StandardCharsets.US_ASCII)).get(0))).containsExactly(GREETER);
            Secret bundle = secrets.stream().filter(s -> s.getName().equals("spiffe://acme.fedmesh.dev"))
                    .findFirst().orElseThrow();
            assertThat(Pem.certificates(bundle.getValidationContext().getTrustedCa().getInlineBytes()
                    .toString(StandardCharsets.US_ASCII))).isEqualTo(ca.roots(DOMAIN));
        }
        assertThat(socket).as("removed when the agent stops").doesNotExist();
    }

    @Test
    void withoutTheSettingNoSocketIsServed() throws Exception {
        AgentSettings settings = settings(Map.of());
        assertThat(settings.sdsSocket()).isEmpty();
        holdingAnIntermediate(settings);

        try (ClusterAgent agent = ClusterAgent.start(settings)) {
            assertThat(agent.workloadFiles("default", "greeter").directory()).isNotNull();
            try (var files = Files.list(dir)) {
                assertThat(files.filter(path -> !Files.isDirectory(path) && !Files.isRegularFile(path)))
                        .as("sockets in %s", dir).isEmpty();
            }
        }
    }

    @Test
    void theSocketModeIsTheOwnersOrAlsoItsGroupsAndNothingElse() throws Exception {
        AgentSettings grouped = settings(Map.of("fedmesh.agent.sds.socket", "/run/fedmesh/sds.sock",
                "fedmesh.agent.sds.socket-mode", "0660"));
        assertThat(grouped.sdsSocket()).contains(new SdsSocket(Path.of("/run/fedmesh/sds.sock"), "0660"));

        assertThatThrownBy(() -> settings(Map.of("fedmesh.agent.sds.socket", "/run/fedmesh/sds.sock",
                "fedmesh.agent.sds.socket-mode", "0666")))
                .hasMessageContaining("fedmesh.agent.sds.socket-mode")
                .hasMessageContaining("'0666'")
                .hasMessageContaining("0600")
                .hasMessageContaining("FEDMESH_AGENT_SDS_SOCKET_MODE");
        assertThatThrownBy(() -> settings(Map.of("fedmesh.agent.sds.socket-mode", "0660")))
                .hasMessageContaining("Missing setting fedmesh.agent.sds.socket");
    }

    @Test
    void theEnvoyBootstrapInTheDocsIsEnvoysAndNamesTheAgentsSecrets() throws Exception {
        String page = Files.readString(Path.of("..", "docs", "trust.md"));
        String section = page.substring(page.indexOf("## SDS for Envoy"));
        String yaml = section.substring(section.indexOf("```yaml\n") + 8, section.indexOf("```\n", section.indexOf("```yaml")));
        Object tree = new Yaml().load(yaml);
        Bootstrap.Builder bootstrap = Bootstrap.newBuilder();
        JsonFormat.parser().usingTypeRegistry(TypeRegistry.newBuilder()
                        .add(TcpProxy.getDescriptor())
                        .add(DownstreamTlsContext.getDescriptor())
                        .add(HttpProtocolOptions.getDescriptor())
                        .build())
                .merge(new Gson().toJson(tree), bootstrap);

        DownstreamTlsContext tls = bootstrap.getStaticResources().getListeners(0).getFilterChains(0)
                .getTransportSocket().getTypedConfig().unpack(DownstreamTlsContext.class);
        assertThat(tls.getCommonTlsContext().getTlsCertificateSdsSecretConfigs(0).getName())
                .isEqualTo(DOMAIN.workload("shop", "greeter").toString());
        assertThat(tls.getCommonTlsContext().getCombinedValidationContext().getValidationContextSdsSecretConfig()
                .getName()).isEqualTo(WorkloadSecrets.bundleName(DOMAIN));
        assertThat(bootstrap.getStaticResources().getClusters(0).getLoadAssignment().getEndpoints(0)
                .getLbEndpoints(0).getEndpoint().getAddress().getPipe().getPath()).isEqualTo("/run/fedmesh/sds.sock");
    }

    private AgentSettings settings(Map<String, String> sds) throws Exception {
        Path verifyingKey = dir.resolve("config-verifying-key.pem");
        if (!Files.exists(verifyingKey)) {
            ConfigSigningKey.generate().writePublicKey(verifyingKey);
        }
        Map<String, Object> properties = new HashMap<>(sds);
        properties.put("fedmesh.agent.tenant", TENANT);
        properties.put("fedmesh.agent.cluster", CLUSTER);
        properties.put("fedmesh.agent.config-verifying-keys", verifyingKey.toString());
        properties.put("fedmesh.agent.bootstrap-credential-file",
                Files.writeString(dir.resolve("bootstrap-credential"), "fmb_" + CLUSTER).toString());
        // No Kafka answers there: the agent runs on its last-known-good config.
        properties.put("fedmesh.agent.kafka.bootstrap-servers", "127.0.0.1:" + FreePort.find());
        properties.put("fedmesh.agent.xds.port", "0");
        properties.put("fedmesh.agent.state-dir", dir.resolve("state").toString());
        properties.put("fedmesh.agent.endpoints", "greeter|127.0.0.1:8080");
        return AgentSettings.from(new MapPropertyResolver(properties));
    }

    /**
     * Leaves the agent an intermediate key and a last-known-good config carrying its certificate
     * and the roots, as a restarted agent finds them; returns the CA.
     */
    private BuiltInCertificateAuthority holdingAnIntermediate(AgentSettings settings) throws Exception {
        BuiltInCertificateAuthority ca = BuiltInCertificateAuthority.open(dir.resolve("ca"), Clock.systemUTC());
        KeyPair key = new IntermediateKeyFiles(settings.stateDirectory().resolve(TENANT).resolve(CLUSTER)).newCurrent();
        SignedIntermediate intermediate = ca.signIntermediate(IntermediateSigningRequest.leavesOnly(DOMAIN,
                CertificateRequest.create(key, "fedmesh agent " + CLUSTER, List.of(), true), Duration.ofDays(1)));
        MeshTrust.Builder trust = MeshTrust.newBuilder().setTrustDomain(DOMAIN.name());
        ca.roots(DOMAIN).forEach(root -> trust.addRootCertificatesPem(Pem.write(root)));
        new LastKnownGood(settings.stateDirectory(), TENANT, CLUSTER).save(DesiredConfig.newBuilder()
                .setTenant(TENANT).setCluster(CLUSTER).setRevision(1).setTrust(trust)
                .addIntermediates(ClusterIntermediate.newBuilder()
                        .setPublicKeySha256(ByteString.copyFrom(MessageDigest.getInstance("SHA-256")
                                .digest(key.getPublic().getEncoded())))
                        .setChainPem(intermediate.chainPem()))
                .build());
        return ca;
    }
}
