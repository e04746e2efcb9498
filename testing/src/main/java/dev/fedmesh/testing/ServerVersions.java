package dev.fedmesh.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/** The Kafka and PostgreSQL releases this build embeds, so that containers run the same ones. */
final class ServerVersions {

    private static final Properties VERSIONS = load();

    private ServerVersions() {}

    static String kafka() {
        return VERSIONS.getProperty("kafka");
    }

    /** The major version alone ("15" of "15.19.0"). */
    static String postgresMajor() {
        return VERSIONS.getProperty("postgres").split("\\.")[0];
    }

    private static Properties load() {
        try (InputStream in = ServerVersions.class.getResourceAsStream("versions.properties")) {
            if (in == null) {
                throw new IllegalStateException("versions.properties is missing beside " + ServerVersions.class.getName());
            }
            Properties versions = new Properties();
            versions.load(in);
            return versions;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
