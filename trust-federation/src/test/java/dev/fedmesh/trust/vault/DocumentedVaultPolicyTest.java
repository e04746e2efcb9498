package dev.fedmesh.trust.vault;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The Vault policy docs/trust.md gives operators is the one the real-Vault test grants. */
class DocumentedVaultPolicyTest {

    @Test
    void docsShowTheTestedPolicyWordForWord() throws Exception {
        String policy;
        try (InputStream in = getClass().getResourceAsStream("/vault/fedmesh-trust.hcl")) {
            policy = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }

        String docs = Files.readString(Path.of("..", "docs", "trust.md"));

        assertThat(docs).contains("```hcl\n" + policy + "```");
    }
}
