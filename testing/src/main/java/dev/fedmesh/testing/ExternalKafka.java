package dev.fedmesh.testing;

/** A Kafka cluster someone else runs; closing it leaves it running. */
record ExternalKafka(String bootstrapServers) implements KafkaBroker {

    @Override
    public void close() {
        // Not ours to stop.
    }

    @Override
    public String toString() {
        return "external Kafka at " + bootstrapServers;
    }
}
