package dev.fedmesh.policy.document;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Keeps docs/policies/README.md's table honest: every kind and every field of its spec has a row,
 * every cell says enforced, partly (what) or not enforced, and every cell that claims enforcement
 * names a test that exists in the repository.
 */
class EnforcementTableTest {
    private static final Path ROOT = Path.of("..");
    private static final Path TABLE = ROOT.resolve("docs/policies/README.md");
    private static final String HEADER = "| kind | field | proxyless gRPC | Envoy sidecar | Envoy gateway |";
    private static final Pattern TEST_REF = Pattern.compile("`([A-Z][A-Za-z0-9]*)#([a-z][A-Za-z0-9]*)`");
    private static final Pattern CELL = Pattern.compile("(enforced|partly: .+|not enforced: .+)");

    @Test
    void everyKindAndEveryTopLevelFieldHasARow() {
        Map<String, Set<String>> fields = rowsByKind();
        assertThat(fields.keySet()).as("kinds in %s", TABLE).containsExactlyInAnyOrderElementsOf(PolicyKinds.names());
        for (String kind : PolicyKinds.names()) {
            for (String field : documentedTopLevelFields(kind)) {
                assertThat(fields.get(kind)).as("%s's field %s in %s", kind, field, TABLE)
                        .anyMatch(row -> row.equals(field) || row.startsWith(field + ".") || row.startsWith(field + "["));
            }
        }
    }

    @Test
    void everyCellSaysWhatIsEnforcedAndEveryClaimNamesATestThatExists() {
        Map<String, String> testSources = testSources();
        for (List<String> row : rows()) {
            for (String cell : row.subList(2, 5)) {
                String claim = TEST_REF.matcher(cell).replaceAll("").replaceAll("\\(\\s*(,\\s*)*\\)", "").trim();
                assertThat(claim).as("a cell of %s %s: enforced, partly: <what>, or not enforced: <why>", row.get(0), row.get(1))
                        .matches(CELL);
                Matcher refs = TEST_REF.matcher(cell);
                boolean named = false;
                while (refs.find()) {
                    named = true;
                    String source = testSources.get(refs.group(1));
                    assertThat(source).as("test class %s named for %s %s", refs.group(1), row.get(0), row.get(1)).isNotNull();
                    assertThat(Pattern.compile("@Test\\s+(?:@[\\w.]+(?:\\([^)]*\\))?\\s+)*(?:public\\s+)?void\\s+"
                            + refs.group(2) + "\\s*\\(").matcher(source).find())
                            .as("%s#%s is a test method (named for %s %s)", refs.group(1), refs.group(2), row.get(0), row.get(1))
                            .isTrue();
                }
                if (!claim.startsWith("not enforced")) {
                    assertThat(named).as("%s %s claims '%s' and names the test that proves it", row.get(0), row.get(1), claim)
                            .isTrue();
                }
            }
        }
    }

    private static Map<String, Set<String>> rowsByKind() {
        Map<String, Set<String>> fields = new TreeMap<>();
        for (List<String> row : rows()) {
            fields.computeIfAbsent(row.get(0), kind -> new LinkedHashSet<>()).add(row.get(1).replace("`", ""));
        }
        return fields;
    }

    /** The table's rows, cells trimmed: kind, field, proxyless gRPC, Envoy sidecar, Envoy gateway. */
    private static List<List<String>> rows() {
        List<String> lines = read(TABLE).lines().toList();
        int header = lines.indexOf(HEADER);
        assertThat(header).as("%s holds the table headed %s", TABLE, HEADER).isNotNegative();
        List<List<String>> rows = new ArrayList<>();
        for (String line : lines.subList(header + 2, lines.size())) {
            if (!line.startsWith("|")) {
                break;
            }
            List<String> cells = Stream.of(line.substring(1, line.length() - 1).split("\\|", -1)).map(String::trim).toList();
            assertThat(cells).as("row %s", line).hasSize(5);
            rows.add(cells);
        }
        assertThat(rows).isNotEmpty();
        return rows;
    }

    /** The fields of the first table under "## Fields of `spec`" in the kind's own page. */
    private static List<String> documentedTopLevelFields(String kind) {
        String page = read(ROOT.resolve("docs/policies/" + kind + ".md"));
        int section = page.indexOf("## Fields of `spec`");
        assertThat(section).as("docs/policies/%s.md has a \"Fields of `spec`\" section", kind).isNotNegative();
        List<String> fields = new ArrayList<>();
        boolean inTable = false;
        for (String line : page.substring(section).lines().skip(1).toList()) {
            if (line.startsWith("| `")) {
                inTable = true;
                fields.add(line.substring(3, line.indexOf('`', 3)));
            } else if (inTable || line.startsWith("## ")) {
                break;
            }
        }
        assertThat(fields).as("fields of %s", kind).isNotEmpty();
        return fields;
    }

    /** Every test source of the repository, by class name. */
    private static Map<String, String> testSources() {
        try (Stream<Path> files = Files.walk(ROOT, 12)) {
            return files.filter(p -> p.toString().replace('\\', '/').contains("/src/test/java/"))
                    .filter(p -> p.getFileName().toString().endsWith(".java"))
                    .filter(p -> !p.toString().contains("/target/"))
                    .collect(Collectors.toMap(p -> p.getFileName().toString().replace(".java", ""), EnforcementTableTest::read,
                            (a, b) -> a + "\n" + b));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(file.toString(), e);
        }
    }
}
