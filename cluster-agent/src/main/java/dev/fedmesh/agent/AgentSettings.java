package dev.fedmesh.agent;

import dev.fedmesh.agent.health.ProbeSettings;
import dev.fedmesh.agent.registration.RegistrationApiSettings;
import dev.fedmesh.agent.sds.SdsSocket;
import dev.fedmesh.agent.trust.BootstrapCredential;
import dev.fedmesh.agent.trust.TrustSettings;
import dev.fedmesh.agent.xds.XdsServerTls;
import dev.fedmesh.api.KafkaClientSecurity;
import dev.fedmesh.api.KafkaTopics;
import dev.fedmesh.policy.xds.ServiceEndpoint;
import dev.fedmesh.trust.credential.ClusterCredentialKeys;
import dev.fedmesh.trust.signing.ConfigVerifier;
import dev.fedmesh.trust.signing.InvalidKeyFileException;
import io.micronaut.context.ApplicationContext;
import io.micronaut.core.value.PropertyResolver;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What one cluster agent needs to run: whose config it serves, where it reads it, whose signature
 * it trusts, where it serves xDS and SDS, where it keeps its last-known-good config, and any static
 * local endpoints.
 *
 * <p>Built by {@link #builder(String, String)}, or read from Micronaut configuration
 * (application.yml, system properties, environment) by {@link #load()} and {@link #from}; either way
 * every setting is checked in one place, and a missing or invalid one is refused naming the property:
 * <ul>
 *   <li>{@code fedmesh.agent.tenant} (FEDMESH_AGENT_TENANT), required</li>
 *   <li>{@code fedmesh.agent.cluster} (FEDMESH_AGENT_CLUSTER), required</li>
 *   <li>{@code fedmesh.agent.kafka.bootstrap-servers} (FEDMESH_AGENT_KAFKA_BOOTSTRAP_SERVERS),
 *       default {@code localhost:9092}</li>
 *   <li>{@code fedmesh.agent.topic-prefix} (FEDMESH_AGENT_TOPIC_PREFIX), default {@code fedmesh}</li>
 *   <li>{@code fedmesh.agent.xds.port} (FEDMESH_AGENT_XDS_PORT), default 18000, 0 = any free port</li>
 *   <li>{@code fedmesh.agent.xds.host} (FEDMESH_AGENT_XDS_HOST), default {@code 127.0.0.1}: the address xDS
 *       is served on; one other machines can reach requires the three {@code xds.tls.*} settings</li>
 *   <li>{@code fedmesh.agent.xds.tls.certificate-file}, {@code xds.tls.private-key-file} and
 *       {@code xds.tls.client-ca-file}, default none: serve xDS over TLS to proxies presenting a
 *       certificate that chains to the client CA; all three or none</li>
 *   <li>{@code fedmesh.agent.state-dir} (FEDMESH_AGENT_STATE_DIR), default {@code fedmesh-agent-state}</li>
 *   <li>{@code fedmesh.agent.endpoints} (FEDMESH_AGENT_ENDPOINTS): entries
 *       {@code service|host:port|k=v,k=v}, as a YAML list or separated by {@code ;}</li>
 *   <li>{@code fedmesh.agent.config-verifying-keys} (FEDMESH_AGENT_CONFIG_VERIFYING_KEYS), required:
 *       the control plane's public key files (PEM), as a YAML list or separated by {@code ,}</li>
 *   <li>{@code fedmesh.agent.kafka.security-protocol} ({@code PLAINTEXT}, {@code SASL_PLAINTEXT} or
 *       {@code SASL_SSL}), {@code kafka.sasl-mechanism} (default {@code SCRAM-SHA-512}),
 *       {@code kafka.truststore-file}, {@code kafka.truststore-type}, {@code kafka.truststore-password-file}:
 *       see 'Kafka security' in docs/operations.md. The agent's Kafka user and password derive from its
 *       bootstrap credential.</li>
 *   <li>{@code fedmesh.agent.bootstrap-credential-file} (FEDMESH_AGENT_BOOTSTRAP_CREDENTIAL_FILE), required:
 *       the file holding the cluster's bootstrap credential, the agent's identity: it authenticates every
 *       status report, names and unlocks its Kafka user, and proves its first intermediate request</li>
 *   <li>{@code fedmesh.agent.svid-ttl} (FEDMESH_AGENT_SVID_TTL), default {@code PT1H}: workload SVIDs' lifetime</li>
 *   <li>{@code fedmesh.agent.sds.socket} (FEDMESH_AGENT_SDS_SOCKET), default none (no SDS): the Unix socket
 *       the agent serves its workloads' SVIDs and the trust bundle on to Envoy proxies</li>
 *   <li>{@code fedmesh.agent.sds.socket-mode} (FEDMESH_AGENT_SDS_SOCKET_MODE), default {@code 0600}: who may
 *       connect, {@code 0600} (the agent's user) or {@code 0660} (and its group)</li>
 *   <li>{@code fedmesh.agent.registration.token-file} (FEDMESH_AGENT_REGISTRATION_TOKEN_FILE), default none (no
 *       registration API): the file holding the bearer token callers of the registration API present</li>
 *   <li>{@code fedmesh.agent.registration.host} and {@code registration.port}, default {@code 127.0.0.1} and
 *       18001 (0 = any free port): where the registration API listens</li>
 *   <li>{@code fedmesh.agent.reconnect-grace-period} (FEDMESH_AGENT_RECONNECT_GRACE_PERIOD), default {@code PT30S}:
 *       how long endpoints of workloads connected before a restart are kept for them to reconnect</li>
 *   <li>{@code fedmesh.agent.probes.*}: how the agent probes its local endpoints and the other clusters on the data
 *       path ({@link ProbeSettings})</li>
 * </ul>
 */
public final class AgentSettings {

    public static final String PREFIX = "fedmesh.agent.";
    public static final String DEFAULT_KAFKA_BOOTSTRAP_SERVERS = "localhost:9092";
    public static final String DEFAULT_TOPIC_PREFIX = KafkaTopics.DEFAULT_PREFIX;
    public static final int DEFAULT_XDS_PORT = 18000;
    /** Loopback: only this machine reaches the agent's xDS port unless the operator says otherwise. */
    public static final String DEFAULT_XDS_HOST = "127.0.0.1";
    public static final Path DEFAULT_STATE_DIRECTORY = Path.of("fedmesh-agent-state");
    /** Long enough for workloads to notice a restarted agent and reconnect, short enough that a gone one leaves soon. */
    public static final Duration DEFAULT_RECONNECT_GRACE_PERIOD = Duration.ofSeconds(30);

    private final String tenant;
    private final String cluster;
    private final String kafkaBootstrapServers;
    private final String topicPrefix;
    private final int xdsPort;
    private final String xdsHost;
    private final Optional<XdsServerTls> xdsTls;
    private final Path stateDirectory;
    private final List<ServiceEndpoint> endpoints;
    private final ConfigVerifier configVerifier;
    private final KafkaClientSecurity kafkaSecurity;
    private final TrustSettings trust;
    private final Optional<SdsSocket> sdsSocket;
    private final Optional<RegistrationApiSettings> registrationApi;
    private final Duration reconnectGracePeriod;
    private final ProbeSettings probes;

    // Every setting is checked here, once, however the settings were built.
    private AgentSettings(Builder builder) {
        tenant = requireName("tenant", builder.tenant);
        cluster = requireName("cluster", builder.cluster);
        kafkaBootstrapServers = requireText("kafka.bootstrap-servers", builder.kafkaBootstrapServers);
        topicPrefix = requireName("topic-prefix", builder.topicPrefix);
        if (builder.xdsPort < 0 || builder.xdsPort > 65535) {
            throw invalid("xds.port", String.valueOf(builder.xdsPort), "a port 1..65535, or 0 for any free port");
        }
        xdsPort = builder.xdsPort;
        xdsHost = requireText("xds.host", builder.xdsHost).trim();
        xdsTls = Objects.requireNonNull(builder.xdsTls, "xdsTls");
        if (!isLoopback(xdsHost) && xdsTls.isEmpty()) {
            throw new InvalidAgentSettingsException("Setting " + PREFIX + "xds.host = '" + xdsHost + "' lets other"
                    + " machines reach the agent's xDS port, and whoever connects gets the cluster's whole"
                    + " configuration (every route, cluster and endpoint address) and is listed as a proxy in its"
                    + " status: such a listener must authenticate its clients. Set " + XdsServerTls.CERTIFICATE_PROPERTY
                    + ", " + XdsServerTls.PRIVATE_KEY_PROPERTY + " and " + XdsServerTls.CLIENT_CA_PROPERTY + " ("
                    + envName("xds.tls.certificate-file") + ", " + envName("xds.tls.private-key-file") + ", "
                    + envName("xds.tls.client-ca-file") + "), or serve this machine only with " + envName("xds.host")
                    + "=" + DEFAULT_XDS_HOST);
        }
        stateDirectory = Objects.requireNonNull(builder.stateDirectory, "stateDirectory");
        endpoints = List.copyOf(builder.endpoints);
        if (builder.configVerifier == null) {
            throw missing("config-verifying-keys", "/etc/fedmesh/config-verifying-key.pem");
        }
        configVerifier = builder.configVerifier;
        kafkaSecurity = Objects.requireNonNull(builder.kafkaSecurity, "kafkaSecurity");
        trust = Objects.requireNonNull(builder.trust, "trust");
        sdsSocket = builder.sdsSocket;
        registrationApi = Objects.requireNonNull(builder.registrationApi, "registrationApi");
        if (builder.reconnectGracePeriod == null || builder.reconnectGracePeriod.isNegative()) {
            throw invalid("reconnect-grace-period", String.valueOf(builder.reconnectGracePeriod),
                    "a duration of zero or more such as PT30S");
        }
        reconnectGracePeriod = builder.reconnectGracePeriod;
        probes = Objects.requireNonNull(builder.probes, "probes");
    }

    /**
     * Settings of the agent of {@code cluster} of {@code tenant}, with the defaults for everything
     * but the control plane's public keys ({@link Builder#configVerifier}), which {@link Builder#build()}
     * requires.
     */
    public static Builder builder(String tenant, String cluster) {
        return new Builder(tenant, cluster);
    }

    /** A builder holding these settings, to change some of them. */
    public Builder toBuilder() {
        return new Builder(tenant, cluster)
                .kafkaBootstrapServers(kafkaBootstrapServers)
                .topicPrefix(topicPrefix)
                .xdsPort(xdsPort)
                .xdsHost(xdsHost)
                .xdsTls(xdsTls)
                .stateDirectory(stateDirectory)
                .endpoints(endpoints)
                .configVerifier(configVerifier)
                .kafkaSecurity(kafkaSecurity)
                .trust(trust)
                .sdsSocket(sdsSocket)
                .registrationApi(registrationApi)
                .reconnectGracePeriod(reconnectGracePeriod)
                .probes(probes);
    }

    public String tenant() {
        return tenant;
    }

    public String cluster() {
        return cluster;
    }

    public String kafkaBootstrapServers() {
        return kafkaBootstrapServers;
    }

    public String topicPrefix() {
        return topicPrefix;
    }

    /** The ADS port; 0 picks a free one. */
    public int xdsPort() {
        return xdsPort;
    }

    /** The address the ADS port listens on: {@value #DEFAULT_XDS_HOST} (this machine only) unless set. */
    public String xdsHost() {
        return xdsHost;
    }

    /**
     * The certificate xDS is served with and the CA its clients' certificates must chain to; empty
     * for plaintext, which only a loopback {@link #xdsHost()} allows.
     */
    public Optional<XdsServerTls> xdsTls() {
        return xdsTls;
    }

    /** Where the last-known-good config, the intermediate keys and the workloads' SVID files are kept. */
    public Path stateDirectory() {
        return stateDirectory;
    }

    /** Local endpoints given statically, registered at start. */
    public List<ServiceEndpoint> endpoints() {
        return endpoints;
    }

    /** The control plane's public keys: the only signers whose configs the agent applies. */
    public ConfigVerifier configVerifier() {
        return configVerifier;
    }

    public KafkaClientSecurity kafkaSecurity() {
        return kafkaSecurity;
    }

    /** How the agent gets and uses its intermediate CA. */
    public TrustSettings trust() {
        return trust;
    }

    /** Where SDS is served; empty: no SDS. */
    public Optional<SdsSocket> sdsSocket() {
        return sdsSocket;
    }

    /** Where the registration API listens and the file of its token; empty: no registration API. */
    public Optional<RegistrationApiSettings> registrationApi() {
        return registrationApi;
    }

    /** How long the endpoints of workloads connected before a restart are kept for them to reconnect. */
    public Duration reconnectGracePeriod() {
        return reconnectGracePeriod;
    }

    /** How the agent probes its local endpoints and the other clusters on the data path. */
    public ProbeSettings probes() {
        return probes;
    }

    /** The settings for a log line; no password or credential appears in it. */
    @Override
    public String toString() {
        return "AgentSettings[tenant=" + tenant + ", cluster=" + cluster + ", kafka=" + kafkaBootstrapServers + " ("
                + kafkaSecurity + "), topicPrefix=" + topicPrefix + ", xds=" + xdsHost + ":" + xdsPort
                + xdsTls.map(tls -> " (TLS, clients of " + tls.clientCaFile() + ")").orElse(" (plaintext)")
                + ", stateDirectory="
                + stateDirectory + ", endpoints=" + endpoints.size() + ", configVerifyingKeys="
                + configVerifier.keyIds() + ", trust=" + trust + ", sds=" + sdsSocket.map(SdsSocket::path)
                + ", registrationApi=" + registrationApi.map(api -> api.host() + ":" + api.port())
                + ", reconnectGracePeriod=" + reconnectGracePeriod + ", probes=" + probes + "]";
    }

    /** Builds {@link AgentSettings}; each setting left alone keeps its default. */
    public static final class Builder {

        private final String tenant;
        private final String cluster;
        private String kafkaBootstrapServers = DEFAULT_KAFKA_BOOTSTRAP_SERVERS;
        private String topicPrefix = DEFAULT_TOPIC_PREFIX;
        private int xdsPort = DEFAULT_XDS_PORT;
        private String xdsHost = DEFAULT_XDS_HOST;
        private Optional<XdsServerTls> xdsTls = Optional.empty();
        private Path stateDirectory = DEFAULT_STATE_DIRECTORY;
        private List<ServiceEndpoint> endpoints = List.of();
        private ConfigVerifier configVerifier;
        private KafkaClientSecurity kafkaSecurity = KafkaClientSecurity.plaintext();
        private TrustSettings trust = TrustSettings.DEFAULT;
        private Optional<SdsSocket> sdsSocket = Optional.empty();
        private Optional<RegistrationApiSettings> registrationApi = Optional.empty();
        private Duration reconnectGracePeriod = DEFAULT_RECONNECT_GRACE_PERIOD;
        private ProbeSettings probes = ProbeSettings.DEFAULT;

        private Builder(String tenant, String cluster) {
            this.tenant = tenant;
            this.cluster = cluster;
        }

        public Builder kafkaBootstrapServers(String servers) {
            this.kafkaBootstrapServers = servers;
            return this;
        }

        public Builder topicPrefix(String prefix) {
            this.topicPrefix = prefix;
            return this;
        }

        /** The ADS port; 0 picks a free one. */
        public Builder xdsPort(int port) {
            this.xdsPort = port;
            return this;
        }

        /**
         * The address to serve xDS on; one that is not loopback (another address of this machine, or
         * {@code 0.0.0.0} for all) requires {@link #xdsTls}.
         */
        public Builder xdsHost(String host) {
            this.xdsHost = host;
            return this;
        }

        /** Serves xDS over TLS, only to clients with a certificate of {@code tls}'s client CA. */
        public Builder xdsTls(XdsServerTls tls) {
            return xdsTls(Optional.of(tls));
        }

        /** Serves xDS over TLS to clients of the client CA when given, plaintext otherwise. */
        public Builder xdsTls(Optional<XdsServerTls> tls) {
            this.xdsTls = Objects.requireNonNull(tls, "xdsTls");
            return this;
        }

        public Builder stateDirectory(Path directory) {
            this.stateDirectory = directory;
            return this;
        }

        public Builder endpoints(List<ServiceEndpoint> staticEndpoints) {
            this.endpoints = Objects.requireNonNull(staticEndpoints, "endpoints");
            return this;
        }

        /** The control plane's public keys, the only signers whose configs the agent applies: required. */
        public Builder configVerifier(ConfigVerifier verifier) {
            this.configVerifier = verifier;
            return this;
        }

        /** How the agent authenticates to Kafka; PLAINTEXT unless set. */
        public Builder kafkaSecurity(KafkaClientSecurity security) {
            this.kafkaSecurity = security;
            return this;
        }

        /** How the agent gets and uses the cluster's intermediate CA. */
        public Builder trust(TrustSettings trustSettings) {
            this.trust = trustSettings;
            return this;
        }

        /** Serves SDS on {@code socket}. */
        public Builder sdsSocket(SdsSocket socket) {
            return sdsSocket(Optional.of(socket));
        }

        /** Serves SDS on the socket, if any. */
        public Builder sdsSocket(Optional<SdsSocket> socket) {
            this.sdsSocket = Objects.requireNonNull(socket, "sdsSocket");
            return this;
        }

        /** Serves the registration API as {@code settings} say. */
        public Builder registrationApi(RegistrationApiSettings settings) {
            return registrationApi(Optional.of(settings));
        }

        /** Serves the registration API when given; none otherwise. */
        public Builder registrationApi(Optional<RegistrationApiSettings> settings) {
            this.registrationApi = Objects.requireNonNull(settings, "registrationApi");
            return this;
        }

        /** How long endpoints of workloads connected before a restart wait for them to reconnect; zero or more. */
        public Builder reconnectGracePeriod(Duration grace) {
            this.reconnectGracePeriod = grace;
            return this;
        }

        /** How local endpoints and other clusters are probed (interval, timeout, fall, rise, targets per cluster). */
        public Builder probes(ProbeSettings probes) {
            this.probes = probes;
            return this;
        }

        /** The settings; a missing or invalid one is refused naming the property and the fix. */
        public AgentSettings build() {
            return new AgentSettings(this);
        }
    }

    /**
     * How the agent of {@code cluster} in {@code tenant} logs in to Kafka with SASL ({@code security}
     * gives the protocol, mechanism and trust store): as the user the distributor gives it,
     * {@code <topicPrefix>-agent.<tenant>.<cluster>.<credential id>}, with the password derived from
     * its bootstrap credential.
     */
    public static KafkaClientSecurity kafkaLogin(KafkaClientSecurity security, String topicPrefix, String tenant,
                                                 String cluster, BootstrapCredential credential) {
        ClusterCredentialKeys keys = credential.keys();
        return security.as(KafkaTopics.agentUsername(topicPrefix, tenant, cluster, keys.id()),
                keys.kafkaPassword(tenant, cluster));
    }

    /** The tenant's compacted desired-config topic: {@code <topicPrefix>.<tenant>.desired}. */
    public String desiredTopic() {
        return KafkaTopics.desired(topicPrefix, tenant);
    }

    /** Reads the settings from application.yml, system properties and environment variables. */
    public static AgentSettings load() {
        try (ApplicationContext context = ApplicationContext.builder().banner(false).start()) {
            return from(context.getEnvironment());
        }
    }

    /** Reads the settings from any Micronaut property source. */
    public static AgentSettings from(PropertyResolver properties) {
        String tenant = text(properties, "tenant").orElseThrow(() -> missing("tenant", "acme"));
        String cluster = text(properties, "cluster").orElseThrow(() -> missing("cluster", "eu-west-1"));
        String kafka = text(properties, "kafka.bootstrap-servers").orElse(DEFAULT_KAFKA_BOOTSTRAP_SERVERS);
        String topicPrefix = text(properties, "topic-prefix").orElse(DEFAULT_TOPIC_PREFIX);
        int port = text(properties, "xds.port").map(AgentSettings::port).orElse(DEFAULT_XDS_PORT);
        String xdsHost = text(properties, "xds.host").orElse(DEFAULT_XDS_HOST);
        Path stateDir = text(properties, "state-dir").map(Path::of).orElse(DEFAULT_STATE_DIRECTORY);
        List<String> entries = properties.get(PREFIX + "endpoints", io.micronaut.core.type.Argument.listOf(String.class))
                .orElse(List.of());
        TrustSettings trust = trustSettings(properties);
        BootstrapCredential credential = trust.bootstrapCredential().orElseThrow(() -> new InvalidAgentSettingsException(
                "Missing setting " + PREFIX + "bootstrap-credential-file: the cluster's bootstrap credential (the"
                        + " 'bootstrapCredential' of the answer that registered the cluster, or of a re-issue) is the"
                        + " agent's identity: it authenticates its status reports, names its Kafka user and proves its"
                        + " first intermediate request. Save it in a file only the agent can read and set "
                        + envName("bootstrap-credential-file") + "=/etc/fedmesh/bootstrap-credential"));
        return builder(tenant, cluster)
                .kafkaBootstrapServers(kafka)
                .topicPrefix(topicPrefix)
                .xdsPort(port)
                .xdsHost(xdsHost)
                .xdsTls(xdsTls(properties))
                .stateDirectory(stateDir)
                .endpoints(endpoints(entries))
                .configVerifier(configVerifier(properties))
                .kafkaSecurity(kafkaSecurity(properties, topicPrefix, tenant, cluster, credential))
                .trust(trust)
                .sdsSocket(sdsSocket(properties))
                .registrationApi(registrationApi(properties))
                .reconnectGracePeriod(reconnectGracePeriod(properties))
                .probes(ProbeSettings.from(properties))
                .build();
    }

    /** Reads where the registration API listens; none unless {@code registration.token-file} is set. */
    static Optional<RegistrationApiSettings> registrationApi(PropertyResolver properties) {
        Optional<String> tokenFile = text(properties, "registration.token-file");
        Optional<String> host = text(properties, "registration.host");
        Optional<String> port = text(properties, "registration.port");
        if (tokenFile.isEmpty()) {
            if (host.isPresent() || port.isPresent()) {
                throw missing("registration.token-file", "/etc/fedmesh/registration-token");
            }
            return Optional.empty();
        }
        int portNumber = RegistrationApiSettings.DEFAULT_PORT;
        if (port.isPresent()) {
            try {
                portNumber = Integer.parseInt(port.get());
            } catch (NumberFormatException e) {
                portNumber = -1;
            }
            if (portNumber < 0 || portNumber > 65535) {
                throw invalid("registration.port", port.get(), "a port 1..65535, or 0 for any free port");
            }
        }
        String hostName = host.orElse(RegistrationApiSettings.DEFAULT_HOST);
        try {
            InetAddress.getByName(hostName);
        } catch (UnknownHostException e) {
            throw invalid("registration.host", hostName, "an address of this machine to serve the registration API on: "
                    + RegistrationApiSettings.DEFAULT_HOST + " (this machine only) or another of its addresses");
        }
        Path file = Path.of(tokenFile.get());
        if (!Files.isReadable(file)) {
            throw invalid("registration.token-file", file.toString(), "a file the agent can read holding the"
                    + " registration API's bearer token");
        }
        return Optional.of(new RegistrationApiSettings(hostName, portNumber, file));
    }

    /** Reads how long endpoints of workloads connected before a restart wait for them to reconnect. */
    static Duration reconnectGracePeriod(PropertyResolver properties) {
        Optional<String> grace = text(properties, "reconnect-grace-period");
        if (grace.isEmpty()) {
            return DEFAULT_RECONNECT_GRACE_PERIOD;
        }
        Duration parsed;
        try {
            parsed = Duration.parse(grace.get());
        } catch (DateTimeParseException e) {
            throw invalid("reconnect-grace-period", grace.get(), "an ISO-8601 duration such as PT30S");
        }
        if (parsed.isNegative()) {
            throw invalid("reconnect-grace-period", grace.get(), "a duration of zero or more such as PT30S");
        }
        return parsed;
    }

    /**
     * Reads the xDS listener's TLS files, all three or none, and checks now that they hold a certificate
     * chain, its key and CA certificates, so a wrong file stops the start rather than every proxy's
     * connection.
     */
    static Optional<XdsServerTls> xdsTls(PropertyResolver properties) {
        List<String> names = List.of("xds.tls.certificate-file", "xds.tls.private-key-file", "xds.tls.client-ca-file");
        List<Optional<String>> files = names.stream().map(name -> text(properties, name)).toList();
        if (files.stream().allMatch(Optional::isEmpty)) {
            return Optional.empty();
        }
        for (int i = 0; i < names.size(); i++) {
            if (files.get(i).isEmpty()) {
                throw new InvalidAgentSettingsException("Missing setting " + PREFIX + names.get(i) + ": xDS over TLS"
                        + " needs all of " + PREFIX + String.join(", " + PREFIX, names) + " (set "
                        + envName(names.get(i)) + "), or none of them for plaintext on loopback");
            }
        }
        XdsServerTls tls = new XdsServerTls(Path.of(files.get(0).get()), Path.of(files.get(1).get()),
                Path.of(files.get(2).get()));
        try {
            tls.read();
        } catch (XdsServerTls.InvalidTlsFileException e) {
            throw new InvalidAgentSettingsException(e.getMessage());
        }
        return Optional.of(tls);
    }

    // Resolves a name (no lookup for an address): "localhost" is loopback, "0.0.0.0" is every interface.
    private static boolean isLoopback(String host) {
        try {
            return InetAddress.getByName(host).isLoopbackAddress();
        } catch (UnknownHostException e) {
            throw invalid("xds.host", host, "an address of this machine to serve xDS on: " + DEFAULT_XDS_HOST
                    + " (this machine only), or another of its addresses, or 0.0.0.0 (all of them)");
        }
    }

    /** Reads where SDS is served; none unless {@code sds.socket} is set. */
    static Optional<SdsSocket> sdsSocket(PropertyResolver properties) {
        Optional<String> path = text(properties, "sds.socket");
        String mode = text(properties, "sds.socket-mode").orElse(SdsSocket.OWNER_ONLY);
        if (path.isEmpty()) {
            if (text(properties, "sds.socket-mode").isPresent()) {
                throw missing("sds.socket", "/run/fedmesh/sds.sock");
            }
            return Optional.empty();
        }
        if (!mode.equals(SdsSocket.OWNER_ONLY) && !mode.equals(SdsSocket.OWNER_AND_GROUP)) {
            throw invalid("sds.socket-mode", mode, SdsSocket.OWNER_ONLY + " (the agent's user only) or "
                    + SdsSocket.OWNER_AND_GROUP + " (and its group): whoever connects gets the workloads' private keys");
        }
        return Optional.of(new SdsSocket(Path.of(path.get()), mode));
    }

    /** Reads how the agent authenticates to Kafka; a half-given setup stops the start. */
    static KafkaClientSecurity kafkaSecurity(PropertyResolver properties, String topicPrefix, String tenant,
                                             String cluster, BootstrapCredential credential) {
        String protocolName = text(properties, "kafka.security-protocol").orElse("PLAINTEXT");
        KafkaClientSecurity.Protocol protocol;
        try {
            protocol = KafkaClientSecurity.Protocol.valueOf(protocolName.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw invalid("kafka.security-protocol", protocolName, "PLAINTEXT, SASL_PLAINTEXT or SASL_SSL");
        }
        for (String setting : List.of("kafka.username", "kafka.password-file")) {
            if (text(properties, setting).isPresent()) {
                throw new InvalidAgentSettingsException("Setting " + PREFIX + setting + " is given but no longer used:"
                        + " the agent's Kafka user and password derive from its bootstrap credential"
                        + " (fedmesh.agent.bootstrap-credential-file), as the distributor provisions them. Unset "
                        + envName(setting));
            }
        }
        if (!protocol.usesSasl()) {
            for (String setting : List.of("kafka.truststore-file")) {
                if (text(properties, setting).isPresent()) {
                    throw new InvalidAgentSettingsException("Setting " + PREFIX + setting + " is given but "
                            + PREFIX + "kafka.security-protocol is " + protocol + ", which sends no credentials: set "
                            + envName("kafka.security-protocol") + "=SASL_SSL (or SASL_PLAINTEXT), or unset "
                            + envName(setting));
                }
            }
            return KafkaClientSecurity.plaintext();
        }
        String mechanismName = text(properties, "kafka.sasl-mechanism").orElse("SCRAM-SHA-512");
        KafkaClientSecurity.Mechanism mechanism = KafkaClientSecurity.Mechanism.named(mechanismName);
        if (mechanism == null) {
            throw invalid("kafka.sasl-mechanism", mechanismName, "SCRAM-SHA-512 or SCRAM-SHA-256");
        }
        Path truststore = null;
        String truststoreType = null;
        String truststorePassword = null;
        if (protocol == KafkaClientSecurity.Protocol.SASL_SSL) {
            truststore = text(properties, "kafka.truststore-file").map(Path::of)
                    .orElseThrow(() -> missing("kafka.truststore-file", "/etc/fedmesh/kafka-ca.pem"));
            if (!Files.isReadable(truststore)) {
                throw invalid("kafka.truststore-file", truststore.toString(), "a readable file of the CA certificates"
                        + " the brokers' TLS certificates are checked against");
            }
            truststoreType = text(properties, "kafka.truststore-type").orElse("PEM");
            if (!KafkaClientSecurity.TRUSTSTORE_TYPES.contains(truststoreType.toUpperCase(Locale.ROOT))) {
                throw invalid("kafka.truststore-type", truststoreType, String.join(", ", KafkaClientSecurity.TRUSTSTORE_TYPES));
            }
            Optional<Path> truststorePasswordFile = text(properties, "kafka.truststore-password-file").map(Path::of);
            if (truststorePasswordFile.isPresent()) {
                truststorePassword = secretFile("kafka.truststore-password-file", truststorePasswordFile.get());
            }
        }
        ClusterCredentialKeys keys = credential.keys();
        return new KafkaClientSecurity(protocol, mechanism, KafkaTopics.agentUsername(topicPrefix, tenant, cluster, keys.id()),
                keys.kafkaPassword(tenant, cluster), truststore, truststoreType, truststorePassword);
    }

    /** The file's content without surrounding white space; errors name the file, never its content. */
    private static String secretFile(String property, Path file) {
        String content;
        try {
            content = Files.readString(file, StandardCharsets.UTF_8).strip();
        } catch (IOException | UncheckedIOException e) {
            throw invalid(property, file.toString(), "a file the agent can read (" + e.getClass().getSimpleName() + ")");
        }
        if (content.isEmpty()) {
            throw invalid(property, file.toString(), "a file holding the password, but it is empty");
        }
        return content;
    }

    /** Reads the bootstrap credential now, so a wrong path stops the start rather than the first intermediate request. */
    static TrustSettings trustSettings(PropertyResolver properties) {
        TrustSettings trust = TrustSettings.DEFAULT;
        Optional<String> ttl = text(properties, "svid-ttl");
        if (ttl.isPresent()) {
            Duration parsed;
            try {
                parsed = Duration.parse(ttl.get());
            } catch (DateTimeParseException e) {
                throw invalid("svid-ttl", ttl.get(), "an ISO-8601 duration such as PT1H");
            }
            if (parsed.isNegative() || parsed.isZero()) {
                throw invalid("svid-ttl", ttl.get(), "a positive duration such as PT1H");
            }
            trust = trust.withSvidTtl(parsed);
        }
        Optional<Path> file = text(properties, "bootstrap-credential-file").map(Path::of);
        if (file.isPresent()) {
            String credential;
            try {
                credential = Files.readString(file.get(), StandardCharsets.UTF_8).strip();
            } catch (IOException | UncheckedIOException e) {
                throw invalid("bootstrap-credential-file", file.get().toString(), "a file the agent can read ("
                        + e.getClass().getSimpleName() + ") holding the cluster's bootstrap credential");
            }
            if (credential.isEmpty()) {
                throw invalid("bootstrap-credential-file", file.get().toString(),
                        "a file holding the cluster's bootstrap credential, but it is empty");
            }
            trust = trust.withBootstrapCredential(new BootstrapCredential(credential));
        }
        return trust;
    }

    /** Reads every trusted public key file now, so a wrong path stops the start instead of refusing every config. */
    private static ConfigVerifier configVerifier(PropertyResolver properties) {
        String property = "config-verifying-keys";
        List<Path> files = properties.get(PREFIX + property, io.micronaut.core.type.Argument.listOf(String.class))
                .orElse(List.of()).stream()
                .map(String::trim)
                .filter(file -> !file.isEmpty())
                .map(Path::of)
                .toList();
        if (files.isEmpty()) {
            throw missing(property, "/etc/fedmesh/config-verifying-key.pem");
        }
        try {
            return ConfigVerifier.readPublicKeys(files);
        } catch (InvalidKeyFileException e) {
            throw invalid(property, files.toString(), "PEM files of the control plane's Ed25519 public keys ("
                    + e.getMessage() + ")");
        }
    }

    /**
     * Parses endpoint entries {@code service|host:port|k=v,k=v}. Micronaut splits a plain string
     * property at commas, so a piece without {@code |} continues the previous entry's labels.
     */
    static List<ServiceEndpoint> endpoints(List<String> pieces) {
        List<String> entries = new ArrayList<>();
        for (String piece : pieces) {
            for (String part : piece.split(";")) {
                String trimmed = part.trim();
                if (trimmed.isEmpty()) {
                    continue;
                }
                if (!trimmed.contains("|") && !entries.isEmpty()) {
                    entries.set(entries.size() - 1, entries.get(entries.size() - 1) + "," + trimmed);
                } else {
                    entries.add(trimmed);
                }
            }
        }
        List<ServiceEndpoint> endpoints = new ArrayList<>();
        for (String entry : entries) {
            endpoints.add(endpoint(entry));
        }
        return endpoints;
    }

    private static ServiceEndpoint endpoint(String entry) {
        String expected = "service|host:port|k=v,k=v (labels optional), e.g. greeter|10.0.0.7:8080|version=v2";
        String[] fields = entry.split("\\|", -1);
        if (fields.length < 2 || fields.length > 3) {
            throw invalid("endpoints", entry, expected);
        }
        String address = fields[1].trim();
        int colon = address.lastIndexOf(':');
        if (colon <= 0) {
            throw invalid("endpoints", entry, expected);
        }
        int port;
        try {
            port = Integer.parseInt(address.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw invalid("endpoints", entry, expected);
        }
        Map<String, String> labels = new LinkedHashMap<>();
        if (fields.length == 3 && !fields[2].isBlank()) {
            for (String label : fields[2].split(",")) {
                int eq = label.indexOf('=');
                if (eq <= 0) {
                    throw invalid("endpoints", entry, expected);
                }
                labels.put(label.substring(0, eq).trim(), label.substring(eq + 1).trim());
            }
        }
        try {
            return new ServiceEndpoint(fields[0].trim(), address.substring(0, colon), port, labels);
        } catch (IllegalArgumentException e) {
            throw invalid("endpoints", entry, e.getMessage());
        }
    }

    private static int port(String value) {
        try {
            return Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw invalid("xds.port", value, "a port 1..65535, or 0 for any free port");
        }
    }

    private static Optional<String> text(PropertyResolver properties, String name) {
        return properties.get(PREFIX + name, String.class).map(String::trim).filter(s -> !s.isEmpty());
    }

    private static String requireName(String property, String value) {
        requireText(property, value);
        if (!value.matches("[A-Za-z0-9._-]+")) {
            throw invalid(property, value, "letters, digits, '.', '_' or '-' only");
        }
        return value;
    }

    private static String requireText(String property, String value) {
        if (value == null || value.isBlank()) {
            throw missing(property, null);
        }
        return value;
    }

    static String envName(String property) {
        return (PREFIX + property).toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }

    private static InvalidAgentSettingsException missing(String property, String example) {
        return new InvalidAgentSettingsException("Missing setting " + PREFIX + property + ": set it in application.yml,"
                + " as -D" + PREFIX + property + "=" + (example == null ? "..." : example)
                + " or as environment variable " + envName(property));
    }

    private static InvalidAgentSettingsException invalid(String property, String value, String expected) {
        return new InvalidAgentSettingsException("Invalid setting " + PREFIX + property + " = '" + value
                + "': expected " + expected + " (environment variable " + envName(property) + ")");
    }
}
