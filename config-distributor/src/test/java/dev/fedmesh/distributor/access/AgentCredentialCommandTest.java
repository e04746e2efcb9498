package dev.fedmesh.distributor.access;

import io.micronaut.context.ApplicationContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class AgentCredentialCommandTest {

    private static final String SECRET = "0123456789abcdef0123456789abcdef-secret";

    @TempDir
    Path dir;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @Test
    void printsOnlyTheAgentsPasswordOnStandardOutputAndItsUserNameBeside() throws IOException {
        Path secret = Files.writeString(dir.resolve("agent-credential-secret"), SECRET + "\n");

        int status = run(Map.of("fedmesh.distributor.kafka.agent-credential-secret-file", secret.toString()), "acme", "east");

        assertThat(status).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8))
                .isEqualTo(AgentCredentials.fromSecret(SECRET).password("acme", "east") + System.lineSeparator());
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("fedmesh-agent.acme.east")
                .contains("fedmesh.agent.kafka.password-file").doesNotContain(SECRET);
    }

    @Test
    void withoutTheSecretFileItSaysWhichSettingToGive() {
        int status = run(Map.of(), "acme", "east");

        assertThat(status).isEqualTo(2);
        assertThat(out.size()).isZero();
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("fedmesh.distributor.kafka.agent-credential-secret-file is not set");
    }

    @Test
    void aNameNoClusterCouldHaveIsRefused() throws IOException {
        Path secret = Files.writeString(dir.resolve("agent-credential-secret"), SECRET);

        int status = run(Map.of("fedmesh.distributor.kafka.agent-credential-secret-file", secret.toString()), "acme", "East/1");

        assertThat(status).isEqualTo(2);
        assertThat(out.size()).isZero();
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("cluster 'East/1' must be 1-63 characters");
    }

    private int run(Map<String, Object> properties, String... arguments) {
        try (ApplicationContext context = ApplicationContext.builder().deduceEnvironment(false).properties(properties).start();
             PrintStream outStream = new PrintStream(out, true, StandardCharsets.UTF_8);
             PrintStream errStream = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            return AgentCredentialCommand.run(arguments, context.getEnvironment(), outStream, errStream);
        }
    }
}
