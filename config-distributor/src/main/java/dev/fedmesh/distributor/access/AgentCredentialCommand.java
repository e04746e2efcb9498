package dev.fedmesh.distributor.access;

import dev.fedmesh.api.KafkaTopics;
import dev.fedmesh.policy.document.Names;
import io.micronaut.core.value.PropertyResolver;

import java.io.PrintStream;
import java.nio.file.Path;

/**
 * {@code agent-kafka-credential <tenant> <cluster>}: prints the Kafka password of that cluster's
 * agent on standard output (nothing else, so it can go straight into a file) and its user name on
 * standard error. Needs only the distributor's agent-credential secret and topic prefix; asks
 * Kafka nothing.
 */
public final class AgentCredentialCommand {

    public static final String NAME = "agent-kafka-credential";
    static final String SECRET_FILE = "fedmesh.distributor.kafka.agent-credential-secret-file";

    private AgentCredentialCommand() {
    }

    /** Runs the command; returns the process's exit status (0 printed, 2 refused). */
    public static int run(String[] arguments, PropertyResolver properties, PrintStream out, PrintStream err) {
        if (arguments.length != 2) {
            err.println("usage: " + NAME + " <tenant> <cluster>   (prints that cluster's agent's Kafka password)");
            return 2;
        }
        String tenant = arguments[0];
        String cluster = arguments[1];
        for (String[] name : new String[][] {{"tenant", tenant}, {"cluster", cluster}}) {
            if (!Names.isValid(name[1])) {
                err.println(NAME + ": " + name[0] + " '" + name[1] + "' " + Names.RULE);
                return 2;
            }
        }
        String file = properties.get(SECRET_FILE, String.class).map(String::trim).orElse("");
        if (file.isEmpty()) {
            err.println(NAME + ": " + SECRET_FILE + " is not set: give it the same file as the distributor"
                    + " (FEDMESH_DISTRIBUTOR_KAFKA_AGENT_CREDENTIAL_SECRET_FILE=/etc/fedmesh/agent-credential-secret)");
            return 2;
        }
        AgentCredentials credentials;
        try {
            credentials = AgentCredentials.read(Path.of(file));
        } catch (IllegalArgumentException e) {
            err.println(NAME + ": " + SECRET_FILE + " = '" + file + "': " + e.getMessage());
            return 2;
        }
        String prefix = properties.get("fedmesh.distributor.topic-prefix", String.class, KafkaTopics.DEFAULT_PREFIX);
        out.println(credentials.password(tenant, cluster));
        err.println("Kafka user of tenant " + tenant + " cluster " + cluster + ": "
                + new AgentPrincipals(prefix).username(tenant, cluster) + ". Hand the password above to that"
                + " cluster's agent as the file of fedmesh.agent.kafka.password-file; it works once the distributor"
                + " has published the tenant with this cluster.");
        return 0;
    }
}
