package dev.fedmesh.controlapi;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Runs every curl call of the API guide (docs/api.md) and of each policy kind's page
 * (docs/policies/*.md), in order, against the running service on real PostgreSQL: the examples
 * a newcomer copies are known to work.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DocumentedCallsTest {
    private static final Path DOCS = Path.of("..", "docs");
    private static final Pattern SHELL_BLOCK = Pattern.compile("```sh\\n(.*?)```", Pattern.DOTALL);

    private RunningApi running;
    private RestClient api;

    @BeforeAll
    void startService() {
        running = RunningApi.start(getClass(), Map.of());
        api = running.operator();
    }

    @AfterAll
    void stopService() {
        running.close();
    }

    @Test
    void everyDocumentedCurlCallSucceedsInOrder() throws IOException {
        List<Path> pages = new ArrayList<>();
        pages.add(DOCS.resolve("api.md"));
        try (Stream<Path> policies = Files.list(DOCS.resolve("policies"))) {
            policies.filter(p -> p.toString().endsWith(".md")).sorted().forEach(pages::add);
        }
        int run = 0;
        List<String> kindsApplied = new ArrayList<>();
        for (Path page : pages) {
            Matcher blocks = SHELL_BLOCK.matcher(Files.readString(page));
            while (blocks.find()) {
                for (List<String> command : ShellWords.commands(blocks.group(1))) {
                    CurlCall call = CurlCall.of(command);
                    if (call == null) {
                        continue;
                    }
                    HttpResponse<String> answer = api.send(call.method(), call.path(), call.body(), call.headers());
                    assertThat(answer.statusCode()).as("%s: %s %s %s%n→ %s", page.getFileName(), call.method(), call.path(),
                            call.body(), answer.body()).isBetween(200, 299);
                    if (call.method().equals("PUT") && call.path().contains("/policies/") && call.body() != null) {
                        kindsApplied.add(RestClientJson.kind(call.body()));
                    }
                    run++;
                }
            }
        }
        assertThat(run).as("documented calls run").isGreaterThan(20);
        assertThat(kindsApplied).as("a documented call creates one of each policy kind").contains(
                "TrafficRoute", "TrafficPermission", "MtlsMode", "Timeout", "Retry", "CircuitBreaker", "RateLimit",
                "FaultInjection", "HealthCheck", "Failover");
    }

    /** One curl command line of the docs, as the request it makes. */
    record CurlCall(String method, String path, String body, Map<String, String> headers) {

        /** The call, or null when the command is not a self-contained curl call (e.g. uses a variable of its own). */
        static CurlCall of(List<String> words) {
            if (words.isEmpty() || !words.get(0).equals("curl")) {
                return null;
            }
            String method = null;
            String url = null;
            String body = null;
            Map<String, String> headers = new LinkedHashMap<>();
            for (int i = 1; i < words.size(); i++) {
                String word = words.get(i);
                switch (word) {
                    case "-sS", "-s", "-S" -> { }
                    case "-X" -> method = words.get(++i);
                    case "-d", "--data" -> body = words.get(++i);
                    case "-H" -> {
                        String header = words.get(++i);
                        int colon = header.indexOf(':');
                        headers.put(header.substring(0, colon).trim(), header.substring(colon + 1).trim());
                    }
                    case "${auth[@]}" -> headers.put("Content-Type", "application/json");
                    default -> {
                        if (word.startsWith("$FEDMESH_API")) {
                            url = word.substring("$FEDMESH_API".length());
                        } else {
                            return null;
                        }
                    }
                }
            }
            if (url == null || url.contains("$") || headers.values().stream().anyMatch(v -> v.contains("$"))
                    || (body != null && body.contains("…"))) {
                return null;
            }
            headers.remove("Content-Type");
            return new CurlCall(method != null ? method : body != null ? "POST" : "GET", url, body, headers);
        }
    }
}
