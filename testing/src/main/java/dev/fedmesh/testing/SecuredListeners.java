package dev.fedmesh.testing;

import java.util.List;
import java.util.Properties;
import java.util.UUID;

/**
 * The broker settings of a secured embedded Kafka: clients authenticate with SCRAM on a
 * SASL_PLAINTEXT listener and are authorized by ACLs; the broker reaches its own controller with
 * SASL PLAIN under a name of its own, since KRaft controllers cannot use SCRAM (their SCRAM
 * credentials live in the metadata log they serve).
 */
record SecuredListeners(String superUser, String superUserPassword, String controllerUser, String controllerPassword) {

    private static final String SCRAM_LOGIN = "org.apache.kafka.common.security.scram.ScramLoginModule";
    private static final String PLAIN_LOGIN = "org.apache.kafka.common.security.plain.PlainLoginModule";

    SecuredListeners {
        if (superUser == null || !superUser.matches("[A-Za-z0-9._-]+")) {
            throw new IllegalArgumentException("super user name '" + superUser + "': use letters, digits, '.', '_' or '-'");
        }
        if (superUserPassword == null || superUserPassword.isEmpty() || superUserPassword.matches(".*[\"\\\\\\s,\\]].*")) {
            throw new IllegalArgumentException("the super user's password must be non-empty, without quotes, backslashes,"
                    + " commas, ']' or white space");
        }
    }

    static SecuredListeners of(String superUser, String superUserPassword) {
        return new SecuredListeners(superUser, superUserPassword, "fedmesh-test-controller",
                UUID.randomUUID().toString().replace("-", ""));
    }

    Properties brokerConfig(int port, int controllerPort) {
        Properties config = new Properties();
        config.setProperty("listeners", "SASL://localhost:" + port + ",CONTROLLER://localhost:" + controllerPort);
        config.setProperty("advertised.listeners", "SASL://localhost:" + port);
        config.setProperty("listener.security.protocol.map", "SASL:SASL_PLAINTEXT,CONTROLLER:SASL_PLAINTEXT");
        config.setProperty("inter.broker.listener.name", "SASL");
        config.setProperty("sasl.mechanism.inter.broker.protocol", "SCRAM-SHA-512");
        config.setProperty("listener.name.sasl.sasl.enabled.mechanisms", "SCRAM-SHA-512,SCRAM-SHA-256");
        String scramLogin = SCRAM_LOGIN + " required username=\"" + superUser + "\" password=\"" + superUserPassword + "\";";
        config.setProperty("listener.name.sasl.scram-sha-512.sasl.jaas.config", scramLogin);
        config.setProperty("listener.name.sasl.scram-sha-256.sasl.jaas.config", scramLogin);
        config.setProperty("sasl.mechanism.controller.protocol", "PLAIN");
        config.setProperty("listener.name.controller.sasl.enabled.mechanisms", "PLAIN");
        config.setProperty("listener.name.controller.plain.sasl.jaas.config", PLAIN_LOGIN + " required username=\""
                + controllerUser + "\" password=\"" + controllerPassword + "\" user_" + controllerUser + "=\""
                + controllerPassword + "\";");
        config.setProperty("authorizer.class.name", "org.apache.kafka.metadata.authorizer.StandardAuthorizer");
        config.setProperty("super.users", "User:" + superUser + ";User:" + controllerUser);
        config.setProperty("allow.everyone.if.no.acl.found", "false");
        return config;
    }

    /** Writes the super user's credential into the metadata log before the first start. */
    List<String> formatArguments() {
        return List.of("--add-scram", "SCRAM-SHA-512=[name=" + superUser + ",password=" + superUserPassword + "]");
    }

    /** Never shows the passwords. */
    @Override
    public String toString() {
        return "SecuredListeners[superUser=" + superUser + ", controllerUser=" + controllerUser + "]";
    }
}
