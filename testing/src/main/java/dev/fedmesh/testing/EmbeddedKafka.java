package dev.fedmesh.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.tools.StorageTool;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;

/** A single-node KRaft broker inside this JVM, from Apache Kafka 4.4.0's own artifacts. */
public final class EmbeddedKafka implements KafkaBroker {

    private final KafkaRaftServer server;
    private final String bootstrapServers;
    private final Path logDirectory;
    private final boolean temporary;
    private final AtomicBoolean closed = new AtomicBoolean();

    private EmbeddedKafka(KafkaRaftServer server, String bootstrapServers, Path logDirectory, boolean temporary) {
        this.server = server;
        this.bootstrapServers = bootstrapServers;
        this.logDirectory = logDirectory;
        this.temporary = temporary;
    }

    /**
     * Starts a broker (also its own KRaft controller). With a log directory, topics and records
     * outlive this process (formatted on the first start, reused after); with null, a temporary
     * directory is used and deleted on close. Topics are never created automatically.
     */
    public static EmbeddedKafka start(Path logDirOrNullForTemp, int portOrZeroForFree) {
        if (portOrZeroForFree < 0 || portOrZeroForFree > 65535) {
            throw new IllegalArgumentException("port " + portOrZeroForFree + " is out of range: use 0 for a free port, or 1-65535");
        }
        return start(logDirOrNullForTemp, portOrZeroForFree, null);
    }

    /**
     * Starts a broker on a free port and a temporary directory whose only client listener is
     * SASL_PLAINTEXT with SCRAM-SHA-512 and SCRAM-SHA-256, authorizing with Kafka's
     * StandardAuthorizer: {@code superUser} may do anything, every other principal only what an
     * ACL allows. The super user's SCRAM-SHA-512 credential exists before the broker starts;
     * add others with {@code Admin.alterUserScramCredentials}.
     */
    public static EmbeddedKafka startSecured(String superUser, String superUserPassword) {
        return start(null, 0, SecuredListeners.of(superUser, superUserPassword));
    }

    private static EmbeddedKafka start(Path logDirOrNullForTemp, int portOrZeroForFree, SecuredListeners secured) {
        ServerLogLevels.warnOnly(ServerLogLevels.KAFKA_BROKER);
        boolean temporary = logDirOrNullForTemp == null;
        try {
            Path logDirectory = temporary ? Files.createTempDirectory("fedmesh-kafka-") : logDirOrNullForTemp;
            Files.createDirectories(logDirectory);
            int port = portOrZeroForFree == 0 ? FreePort.find() : portOrZeroForFree;
            int controllerPort = FreePort.findOtherThan(port);
            Properties config = brokerConfig(logDirectory, port, controllerPort);
            if (secured != null) {
                config.putAll(secured.brokerConfig(port, controllerPort));
            }
            format(config, secured == null ? List.of() : secured.formatArguments());
            KafkaRaftServer server = new KafkaRaftServer(KafkaConfig.fromProps(config, false), Time.SYSTEM);
            EmbeddedKafka broker = new EmbeddedKafka(server, "localhost:" + port, logDirectory, temporary);
            try {
                server.startup();
            } catch (RuntimeException e) {
                broker.close();
                throw new IllegalStateException("embedded Kafka did not start on port " + port
                        + " (controller port " + controllerPort + ") with log directory " + logDirectory + ": " + e.getMessage(), e);
            }
            return broker;
        } catch (IOException e) {
            throw new UncheckedIOException("embedded Kafka did not start"
                    + (temporary ? "" : " in " + logDirOrNullForTemp), e);
        }
    }

    private static Properties brokerConfig(Path logDirectory, int port, int controllerPort) {
        Properties config = new Properties();
        config.setProperty("process.roles", "broker,controller");
        config.setProperty("node.id", "1");
        // A static voter set: the controller's port may differ on every start, also with a kept log directory.
        config.setProperty("controller.quorum.voters", "1@localhost:" + controllerPort);
        config.setProperty("controller.listener.names", "CONTROLLER");
        config.setProperty("listeners", "PLAINTEXT://localhost:" + port + ",CONTROLLER://localhost:" + controllerPort);
        config.setProperty("advertised.listeners", "PLAINTEXT://localhost:" + port);
        config.setProperty("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        config.setProperty("inter.broker.listener.name", "PLAINTEXT");
        config.setProperty("log.dirs", logDirectory.toAbsolutePath().toString());
        // One node: every internal topic has one replica, or consumer groups never form.
        config.setProperty("offsets.topic.replication.factor", "1");
        config.setProperty("transaction.state.log.replication.factor", "1");
        config.setProperty("transaction.state.log.min.isr", "1");
        config.setProperty("share.coordinator.state.topic.replication.factor", "1");
        // Fewer internal partitions: the first consumer group forms in a fraction of the time.
        config.setProperty("offsets.topic.num.partitions", "1");
        config.setProperty("transaction.state.log.num.partitions", "1");
        config.setProperty("share.coordinator.state.topic.num.partitions", "1");
        config.setProperty("group.initial.rebalance.delay.ms", "0");
        // Our code creates its topics explicitly; a typo must fail, not create a topic.
        config.setProperty("auto.create.topics.enable", "false");
        config.setProperty("num.partitions", "1");
        return config;
    }

    private static void format(Properties config, List<String> extraArguments) throws IOException {
        Path configFile = Files.createTempFile("fedmesh-kafka-", ".properties");
        try {
            try (Writer writer = Files.newBufferedWriter(configFile, StandardCharsets.UTF_8)) {
                config.store(writer, "fedmesh embedded Kafka");
            }
            ByteArrayOutputStream output = new ByteArrayOutputStream();
            int status;
            try (PrintStream printStream = new PrintStream(output, true, StandardCharsets.UTF_8)) {
                List<String> arguments = new ArrayList<>(List.of(
                        "format", "--ignore-formatted", "-t", clusterId(config), "-c", configFile.toString()));
                arguments.addAll(extraArguments);
                status = StorageTool.execute(arguments.toArray(String[]::new), printStream);
            }
            if (status != 0) {
                throw new IllegalStateException("formatting Kafka's log directory " + config.getProperty("log.dirs")
                        + " failed (" + status + "): " + output.toString(StandardCharsets.UTF_8).strip());
            }
        } finally {
            Files.deleteIfExists(configFile);
        }
    }

    /** The id a kept log directory was formatted with (formatting checks it), else a new one. */
    private static String clusterId(Properties config) throws IOException {
        Path metaProperties = Path.of(config.getProperty("log.dirs"), "meta.properties");
        if (Files.exists(metaProperties)) {
            Properties meta = new Properties();
            try (Reader reader = Files.newBufferedReader(metaProperties, StandardCharsets.UTF_8)) {
                meta.load(reader);
            }
            String clusterId = meta.getProperty("cluster.id");
            if (clusterId != null) {
                return clusterId;
            }
        }
        return Uuid.randomUuid().toString();
    }

    @Override
    public String bootstrapServers() {
        return bootstrapServers;
    }

    @Override
    public void close() {
        if (closed.getAndSet(true)) {
            return;
        }
        server.shutdown();
        server.awaitShutdown();
        if (temporary) {
            deleteRecursively(logDirectory);
        }
    }

    private static void deleteRecursively(Path directory) {
        try (Stream<Path> paths = Files.walk(directory)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException("could not delete Kafka's temporary log directory " + directory, e);
        }
    }

    @Override
    public String toString() {
        return "embedded Kafka on " + bootstrapServers;
    }
}
