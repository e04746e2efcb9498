package dev.fedmesh.testing;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The test JVM's one broker, chosen by FEDMESH_TEST_KAFKA_BOOTSTRAP / Testcontainers / embedded.
 * Started on first use, stopped when the JVM exits.
 */
public final class TestKafka {

    private static final String BOOTSTRAP_VARIABLE = "FEDMESH_TEST_KAFKA_BOOTSTRAP";
    // Room for what callers append (".desired", a tenant name) within Kafka's 249-character limit.
    private static final int MAX_CLASS_WORDS = 80;

    private static final Logger LOG = LoggerFactory.getLogger(TestKafka.class);

    private static final ClassValue<String> PREFIXES = new ClassValue<>() {
        @Override
        protected String computeValue(Class<?> testClass) {
            return "t-" + TestNames.words(testClass, '-', MAX_CLASS_WORDS) + "-" + TestNames.randomSuffix();
        }
    };

    private TestKafka() {}

    public static KafkaBroker broker() {
        return Holder.BROKER;
    }

    /**
     * A topic-name prefix unique to one test class, e.g. "t-outbox-relay-test-1a2b3c4d": the same
     * for every call from that class in this JVM, different for every other class and every run.
     * Only a-z, 0-9 and '-', so any Kafka topic suffix may follow it.
     */
    public static String topicPrefix(Class<?> testClass) {
        return PREFIXES.get(testClass);
    }

    private static final class Holder {
        private static final KafkaBroker BROKER = startOnce();
    }

    private static KafkaBroker startOnce() {
        long started = System.nanoTime();
        KafkaBroker broker = choose();
        Runtime.getRuntime().addShutdownHook(new Thread(broker::close, "test-kafka-stop"));
        LOG.info("Tests use {} (ready in {} ms)", broker, (System.nanoTime() - started) / 1_000_000);
        return broker;
    }

    private static KafkaBroker choose() {
        String bootstrap = System.getenv(BOOTSTRAP_VARIABLE);
        if (bootstrap != null && !bootstrap.isBlank()) {
            return new ExternalKafka(bootstrap.strip());
        }
        if (DockerEngine.answers()) {
            return ContainerKafka.start();
        }
        return EmbeddedKafka.start(null, 0);
    }
}
