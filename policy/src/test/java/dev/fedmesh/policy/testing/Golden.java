package dev.fedmesh.policy.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** Compares test output with golden files under src/test/resources/testdata. */
public final class Golden {
    private Golden() {
    }

    /**
     * Compares {@code actual} with the golden file {@code name} in {@code dir}; a missing file fails. Run with
     * -Dgolden.update=true to rewrite it after a deliberate change.
     */
    public static void assertMatches(Path dir, String name, String actual) throws IOException {
        Path file = dir.resolve(name);
        if (Boolean.getBoolean("golden.update")) {
            Files.createDirectories(file.getParent());
            Files.writeString(file, actual + "\n", StandardCharsets.UTF_8);
        }
        assertThat(actual + "\n").isEqualTo(Files.readString(file, StandardCharsets.UTF_8));
    }
}
