package dev.fedmesh.testing;

import org.testcontainers.kafka.KafkaContainer;

/** Apache Kafka in a Testcontainers container, for machines with a Docker engine. */
final class ContainerKafka implements KafkaBroker {

    private final KafkaContainer container;
    private final String image;

    private ContainerKafka(KafkaContainer container, String image) {
        this.container = container;
        this.image = image;
    }

    static ContainerKafka start() {
        // The broker release that matches our clients, as the embedded broker does.
        String image = "apache/kafka:" + ServerVersions.kafka();
        KafkaContainer container = new KafkaContainer(image)
                .withEnv("KAFKA_AUTO_CREATE_TOPICS_ENABLE", "false")
                .withEnv("KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS", "0");
        container.start();
        return new ContainerKafka(container, image);
    }

    @Override
    public String bootstrapServers() {
        return container.getBootstrapServers();
    }

    @Override
    public void close() {
        container.stop();
    }

    @Override
    public String toString() {
        return "Kafka container " + image + " at " + bootstrapServers();
    }
}
