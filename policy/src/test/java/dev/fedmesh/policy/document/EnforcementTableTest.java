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
 * every cell says enforced, partly (what) or not enforced, every cell that claims enforcement
 * names a test, and every test a cell names exists; each kind's own page shows the same rows.
 */
class EnforcementTableTest {
    private static final Path ROOT = Path.of("..");
    private static final Path TABLE = ROOT.resolve("docs/policies/README.md");
    private static final String HEADER = "| kind | field | proxyless gRPC | Envoy sidecar | Envoy gateway |";
    private static final Pattern TEST_REF = Pattern.compile("`([A-Z][A-Za-z0-9]*)#([a-z][A-Za-z0-9]*)`");
    private static final Pattern CELL = Pattern.compile("(enforced|enforced: .+|enforced \\(.+|partly: .+|not enforced|not enforced: .+)");

    @Test
    void everyKindAndEveryTopLevelFieldHasARow() {
        Map<String, Set<String>> fields = rowsByKind();
        assertThat(fields.keySet()).as("kinds in %s", TABLE).containsExactlyInAnyOrderElementsOf(PolicyKinds.names());
        for (String kind : PolicyKinds.names()) {
            for (String field : documentedTopLevelFields(kind)) {
                Pattern named = Pattern.compile("(^|[. ])" + Pattern.quote(field) + "($|[.\\[:, ])");
                assertThat(fields.get(kind)).as("%s's field %s in %s", kind, field, TABLE)
                        .anyMatch(row -> named.matcher(row).find());
            }
        }
    }

    @Test
    void everyCellSaysWhatIsEnforcedAndEveryClaimNamesATestThatExists() {
        Map<String, String> testSources = testSources();
        for (List<String> row : rows()) {
            for (String cell : row.subList(2, 5)) {
                String claim = cell;
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
                if (claim.startsWith("enforced")) {
                    assertThat(named).as("%s %s claims '%s' and names the test that proves it", row.get(0), row.get(1), claim)
                            .isTrue();
                }
            }
        }
    }

    private static Map<String, Set<String>> rowsByKind() {
        Map<String, Set<String>> fields = new TreeMap<>();
        for (List<String> row : rows()) {
            fields.computeIfAbsent(row.get(0), kind -> new LinkedHashSet<>()).add(row.get(1));
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
            List<String> cells = cells(line);
            assertThat(cells).as("row %s", line).hasSize(5);
            List<String> row = new ArrayList<>(cells);
            row.set(0, cells.get(0).replace("`", ""));
            row.set(1, cells.get(1).replace("`", ""));
            rows.add(row);
        }
        assertThat(rows).isNotEmpty();
        return rows;
    }

    @Test
    void eachKindsOwnPageShowsTheSameRows() {
        for (String kind : PolicyKinds.names()) {
            String page = read(ROOT.resolve("docs/policies/" + kind + ".md"));
            int section = page.indexOf("## What each data plane enforces");
            assertThat(section).as("docs/policies/%s.md has a \"What each data plane enforces\" section", kind).isNotNegative();
            List<String> own = page.substring(section).lines()
                    .dropWhile(line -> !line.startsWith("| field |")).skip(2)
                    .takeWhile(line -> line.startsWith("|"))
                    .toList();
            List<String> inTable = rows().stream().filter(row -> row.get(0).equals(kind))
                    .map(row -> String.join(" | ", row.subList(1, 5))).toList();
            assertThat(own.stream().map(line -> String.join(" | ", cells(line)).replace("`", "")).toList())
                    .as("the rows of docs/policies/%s.md against %s", kind, TABLE)
                    .isEqualTo(inTable.stream().map(row -> row.replace("`", "")).toList());
        }
    }

    /** The trimmed cells of one table line; a {@code |} inside backticks is not a separator. */
    private static List<String> cells(String line) {
        List<String> cells = new ArrayList<>();
        StringBuilder cell = new StringBuilder();
        boolean code = false;
        for (char c : line.substring(1, line.length() - 1).toCharArray()) {
            if (c == '`') {
                code = !code;
            }
            if (c == '|' && !code) {
                cells.add(cell.toString().trim());
                cell.setLength(0);
            } else {
                cell.append(c);
            }
        }
        cells.add(cell.toString().trim());
        return cells;
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
