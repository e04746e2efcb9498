package dev.fedmesh.policy.xds;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Compares output to {@code src/test/resources/testdata/xds/<name>.golden.json}; with
 * {@code -Dgolden.update=true} (or GOLDEN_UPDATE=true) it rewrites the file instead.
 */
final class GoldenFiles {

    private static final Path DIR = Path.of("src", "test", "resources", "testdata", "xds");

    private GoldenFiles() {
    }

    static void assertMatches(String name, String actual) {
        Path file = DIR.resolve(name + ".golden.json");
        try {
            if (updating()) {
                Files.createDirectories(DIR);
                Files.writeString(file, actual, StandardCharsets.UTF_8);
                return;
            }
            assertThat(file)
                    .as("golden file %s is missing: run with -Dgolden.update=true to write it", file.toAbsolutePath())
                    .exists();
            assertThat(actual)
                    .as("output differs from %s; if the change is intended, rerun with -Dgolden.update=true "
                            + "and review the diff", file)
                    .isEqualTo(Files.readString(file, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static boolean updating() {
        return Boolean.getBoolean("golden.update") || "true".equalsIgnoreCase(System.getenv("GOLDEN_UPDATE"));
    }
}
