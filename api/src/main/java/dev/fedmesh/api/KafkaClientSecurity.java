package dev.fedmesh.api;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;

/**
 * How a Kafka client of fedmesh authenticates — the distributor's producer, consumers and admin
 * client, an agent's desired-config consumer and status producer: PLAINTEXT, or SASL with SCRAM
 * over plaintext or TLS. The password is never shown by {@link #toString()}.
 */
public record KafkaClientSecurity(Protocol protocol, Mechanism mechanism, String username, String password,
                                  Path truststoreFile, String truststoreType, String truststorePassword) {

    /** Kafka's {@code security.protocol} values fedmesh supports. */
    public enum Protocol {
        PLAINTEXT, SASL_PLAINTEXT, SASL_SSL;

        public boolean usesSasl() {
            return this != PLAINTEXT;
        }
    }

    /** The SASL mechanisms fedmesh supports: Kafka's SCRAM pair. */
    public enum Mechanism {
        SCRAM_SHA_512("SCRAM-SHA-512"), SCRAM_SHA_256("SCRAM-SHA-256");

        private final String kafkaName;

        Mechanism(String kafkaName) {
            this.kafkaName = kafkaName;
        }

        /** The name Kafka uses, e.g. {@code SCRAM-SHA-512}. */
        public String kafkaName() {
            return kafkaName;
        }

        /** The mechanism named {@code name} (e.g. {@code SCRAM-SHA-256}), or null when there is none. */
        public static Mechanism named(String name) {
            for (Mechanism mechanism : values()) {
                if (mechanism.kafkaName.equalsIgnoreCase(name.trim())) {
                    return mechanism;
                }
            }
            return null;
        }
    }

    /** The truststore types Kafka reads: PEM certificates, or a PKCS12 or JKS store. */
    public static final List<String> TRUSTSTORE_TYPES = List.of("PEM", "PKCS12", "JKS");

    private static final String SCRAM_LOGIN = "org.apache.kafka.common.security.scram.ScramLoginModule";

    public KafkaClientSecurity {
        Objects.requireNonNull(protocol, "protocol");
        Objects.requireNonNull(mechanism, "mechanism");
        if (protocol.usesSasl() && (username == null || username.isBlank() || password == null || password.isEmpty())) {
            throw new IllegalArgumentException(protocol + " needs a username and a password");
        }
        if (protocol == Protocol.SASL_SSL && truststoreFile == null) {
            throw new IllegalArgumentException("SASL_SSL needs a truststore file");
        }
        if (truststoreType != null && !TRUSTSTORE_TYPES.contains(truststoreType.toUpperCase(Locale.ROOT))) {
            throw new IllegalArgumentException("truststore type must be one of " + TRUSTSTORE_TYPES);
        }
    }

    /** No authentication, no encryption: a laptop's broker. */
    public static KafkaClientSecurity plaintext() {
        return new KafkaClientSecurity(Protocol.PLAINTEXT, Mechanism.SCRAM_SHA_512, null, null, null, null, null);
    }

    /** SCRAM over plaintext as {@code username}. */
    public static KafkaClientSecurity saslPlaintext(Mechanism mechanism, String username, String password) {
        return new KafkaClientSecurity(Protocol.SASL_PLAINTEXT, mechanism, username, password, null, null, null);
    }

    /** The same security under another name and password (an agent's, for instance). */
    public KafkaClientSecurity as(String otherUsername, String otherPassword) {
        return new KafkaClientSecurity(protocol, mechanism, otherUsername, otherPassword, truststoreFile, truststoreType,
                truststorePassword);
    }

    /** Adds this security to a Kafka client's configuration. */
    public void applyTo(Properties config) {
        clientConfig().forEach(config::put);
    }

    /** The Kafka client properties for this security; none beyond {@code security.protocol} for PLAINTEXT. */
    public Map<String, String> clientConfig() {
        Map<String, String> config = new LinkedHashMap<>();
        config.put("security.protocol", protocol.name());
        if (!protocol.usesSasl()) {
            return config;
        }
        config.put("sasl.mechanism", mechanism.kafkaName());
        config.put("sasl.jaas.config", SCRAM_LOGIN + " required username=\"" + jaasQuoted(username)
                + "\" password=\"" + jaasQuoted(password) + "\";");
        if (protocol == Protocol.SASL_SSL) {
            config.put("ssl.truststore.location", truststoreFile.toAbsolutePath().toString());
            config.put("ssl.truststore.type", truststoreType == null ? "PEM" : truststoreType.toUpperCase(Locale.ROOT));
            if (truststorePassword != null) {
                config.put("ssl.truststore.password", truststorePassword);
            }
        }
        return config;
    }

    /** Kafka reads the JAAS line with Java's StreamTokenizer: a backslash escapes the next character. */
    static String jaasQuoted(String value) {
        return value.replace("\\", "\\\\").replace("\"", "\\\"");
    }

    /** Never shows a password. */
    @Override
    public String toString() {
        if (!protocol.usesSasl()) {
            return protocol.name();
        }
        return protocol + " " + mechanism.kafkaName() + " as " + username
                + (truststoreFile == null ? "" : " trusting " + truststoreFile);
    }
}
