package dev.fedmesh.testing;

/** A running Kafka broker (embedded KRaft, container, or external). */
public interface KafkaBroker extends AutoCloseable {

    String bootstrapServers();

    @Override
    void close();
}
