package dev.fedmesh.agent.registration;

import static dev.fedmesh.agent.registration.GreeterAgent.SERVICE;
import static dev.fedmesh.agent.registration.GreeterAgent.settings;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.fedmesh.agent.ClusterAgent;
import dev.fedmesh.agent.inventory.EndpointSource;
import dev.fedmesh.agent.inventory.LocalEndpoint;
import dev.fedmesh.api.v1.EndpointHealth;
import dev.fedmesh.policy.xds.ServiceEndpoint;
import dev.fedmesh.testing.FreePort;
import dev.fedmesh.testing.TestResources;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * The agent's registration API, for workloads that never connect, tried over real HTTP against a real
 * agent: registering, replacing, listing and removing endpoints, and every refusal, which changes nothing.
 */
class RegistrationApiTest {

    private static final String TOKEN = "c2VjcmV0LXRva2VuLWZvci10ZXN0cy0xMjM0NTY3ODkw";
    private static final String DATABASE = "{\"service\": \"greeter\", \"host\": \"10.0.0.7\", \"port\": 5432,"
            + " \"labels\": {\"version\": \"v1\"}, \"serviceAccount\": \"greeter\"}";

    @TempDir
    Path dir;

    @AutoClose
    private final TestResources resources = new TestResources();

    private final HttpClient http = HttpClient.newHttpClient();
    private ListAppender<ILoggingEvent> log;
    private ClusterAgent agent;
    private URI endpoints;

    @BeforeEach
    void agentWithTheApi() throws Exception {
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        log = new ListAppender<>();
        log.start();
        root.addAppender(log);
        resources.add(() -> root.detachAppender(log));
        Path tokenFile = Files.writeString(dir.resolve("registration-token"), TOKEN + "\n");
        agent = resources.add(GreeterAgent.start(settings(dir.resolve("state"), FreePort.find())
                .registrationApi(new RegistrationApiSettings("127.0.0.1", 0, tokenFile))
                .build()));
        endpoints = URI.create("http://127.0.0.1:" + agent.registrationAddress().orElseThrow().getPort()
                + "/v1/endpoints");
    }

    @Test
    void anEndpointIsRegisteredReplacedListedAndRemoved() throws Exception {
        HttpResponse<String> created = send("PUT", endpoints, Optional.of(TOKEN), DATABASE);
        assertThat(created.statusCode()).isEqualTo(201);
        assertThat(created.body()).contains("\"host\": \"10.0.0.7\"", "\"port\": 5432");
        ServiceEndpoint v1 = new ServiceEndpoint(SERVICE, "10.0.0.7", 5432, Map.of("version", "v1"));
        assertThat(agent.inventory().entries()).containsExactly(new LocalEndpoint(v1, Set.of(EndpointSource.REGISTERED),
                "greeter", EndpointHealth.ENDPOINT_HEALTH_UNKNOWN));

        HttpResponse<String> replaced = send("PUT", endpoints, Optional.of(TOKEN), DATABASE.replace("v1", "v2"));
        assertThat(replaced.statusCode()).isEqualTo(200);
        assertThat(agent.inventory().endpoints())
                .containsExactly(new ServiceEndpoint(SERVICE, "10.0.0.7", 5432, Map.of("version", "v2")));

        HttpResponse<String> listed = send("GET", endpoints, Optional.of(TOKEN), null);
        assertThat(listed.statusCode()).isEqualTo(200);
        assertThat(listed.body()).contains("\"v2\"", "\"REGISTERED\"", "\"UNKNOWN\"").doesNotContain("\"v1\"");

        HttpResponse<String> removed = send("DELETE", URI.create(endpoints + "?service=greeter&host=10.0.0.7&port=5432"),
                Optional.of(TOKEN), null);
        assertThat(removed.statusCode()).isEqualTo(204);
        assertThat(agent.inventory().endpoints()).isEmpty();
        HttpResponse<String> again = send("DELETE", URI.create(endpoints + "?service=greeter&host=10.0.0.7&port=5432"),
                Optional.of(TOKEN), null);
        assertThat(again.statusCode()).isEqualTo(404);
        assertThat(again.body()).contains("endpoint-not-found");
    }

    @Test
    void aCallerWithoutTheTokenIsRefusedAndTheTokenIsNeverLogged() throws Exception {
        for (Optional<String> token : List.of(Optional.<String>empty(), Optional.of("not-" + TOKEN),
                Optional.of(TOKEN.substring(1)))) {
            HttpResponse<String> refused = send("PUT", endpoints, token, DATABASE);
            assertThat(refused.statusCode()).as("token %s", token).isEqualTo(401);
            assertThat(refused.headers().firstValue("WWW-Authenticate")).contains("Bearer");
            assertThat(refused.body()).contains("unauthenticated").doesNotContain(TOKEN);
        }
        assertThat(send("GET", endpoints, Optional.empty(), null).statusCode()).isEqualTo(401);
        assertThat(agent.inventory().endpoints()).isEmpty();

        assertThat(send("PUT", endpoints, Optional.of(TOKEN), DATABASE).statusCode()).isEqualTo(201);
        assertThat(log.list).extracting(ILoggingEvent::getFormattedMessage).isNotEmpty()
                .noneMatch(line -> line.contains(TOKEN.substring(8, 24)));
    }

    @Test
    void badEndpointsAreRefusedNamingEachFieldAndItsFixAndChangeNothing() throws Exception {
        HttpResponse<String> badFields = send("PUT", endpoints, Optional.of(TOKEN),
                "{\"service\": \"Greeter_1\", \"host\": \"10.0.0.7 ; rm\", \"port\": 70000, \"labels\": {\"version\": 2}}");
        assertThat(badFields.statusCode()).isEqualTo(400);
        assertThat(badFields.headers().firstValue("Content-Type")).contains("application/problem+json");
        assertThat(badFields.body()).contains("\"code\": \"invalid-endpoint\"", "\"field\": \"service\"",
                "\"field\": \"host\"", "\"field\": \"port\"", "1..65535", "\"field\": \"labels.version\"");

        HttpResponse<String> missingPort = send("PUT", endpoints, Optional.of(TOKEN),
                "{\"service\": \"greeter\", \"host\": \"10.0.0.7\"}");
        assertThat(missingPort.statusCode()).isEqualTo(400);
        assertThat(missingPort.body()).contains("\"field\": \"port\"", "required");

        HttpResponse<String> unknownField = send("PUT", endpoints, Optional.of(TOKEN),
                DATABASE.replace("\"port\"", "\"prot\""));
        assertThat(unknownField.statusCode()).isEqualTo(400);
        assertThat(unknownField.body()).contains("\"field\": \"prot\"", "unknown field");

        HttpResponse<String> notJson = send("PUT", endpoints, Optional.of(TOKEN), "service=greeter");
        assertThat(notJson.statusCode()).isEqualTo(400);
        assertThat(notJson.body()).contains("invalid-json", "\"field\": \"body\"");

        HttpResponse<String> huge = send("PUT", endpoints, Optional.of(TOKEN),
                DATABASE.replace("\"v1\"", "\"v1\", \"pad\": \"" + "x".repeat(100_000) + "\""));
        assertThat(huge.statusCode()).isEqualTo(413);

        HttpResponse<String> deleteWithoutPort = send("DELETE", URI.create(endpoints + "?service=greeter&host=10.0.0.7"),
                Optional.of(TOKEN), null);
        assertThat(deleteWithoutPort.statusCode()).isEqualTo(400);
        assertThat(deleteWithoutPort.body()).contains("\"field\": \"port\"");

        assertThat(send("POST", endpoints, Optional.of(TOKEN), DATABASE).statusCode()).isEqualTo(405);
        assertThat(send("GET", URI.create(endpoints.resolve("/v1/other").toString()), Optional.of(TOKEN), null)
                .statusCode()).isEqualTo(404);
        assertThat(agent.inventory().endpoints()).isEmpty();
        assertThat(agent.inventory().generation()).isZero();
    }

    @Test
    void withoutATokenFileThereIsNoApi() throws Exception {
        ClusterAgent without = resources.add(GreeterAgent.start(settings(dir.resolve("other-state"), FreePort.find())
                .build()));

        assertThat(without.registrationAddress()).isEmpty();
    }

    private HttpResponse<String> send(String method, URI uri, Optional<String> token, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body))
                .header("Content-Type", "application/json");
        token.ifPresent(value -> request.header("Authorization", "Bearer " + value));
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
