package dev.fedmesh.controlapi;

import com.atlassian.oai.validator.OpenApiInteractionValidator;
import com.atlassian.oai.validator.model.Request;
import com.atlassian.oai.validator.model.SimpleRequest;
import com.atlassian.oai.validator.model.SimpleResponse;
import com.atlassian.oai.validator.report.LevelResolver;
import com.atlassian.oai.validator.report.ValidationReport;
import com.atlassian.oai.validator.schema.SchemaValidator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fedmesh.policy.document.PolicyDocument;
import dev.fedmesh.policy.document.PolicyJson;
import dev.fedmesh.policy.document.PolicyKinds;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every policy kind the core registers has its own schema in the OpenAPI document, chosen by kind,
 * and each kind's documents in docs/policies/&lt;Kind&gt;.md fit it both ways: as a request, and in the
 * canonical form the API answers with. A field added to a kind but not to its schema (or the other
 * way round) fails here.
 */
class PolicyContractTest {
    private static final Path DOCS = Path.of("..", "docs", "policies");
    private static final Pattern JSON_BLOCK = Pattern.compile("```json\\n(.*?)```", Pattern.DOTALL);
    private static OpenApiInteractionValidator validator;
    private static String document;

    @BeforeAll
    static void readTheDocument() throws IOException {
        try (InputStream in = PolicyContractTest.class.getResourceAsStream("/META-INF/swagger/fedmesh-control-api.yml")) {
            document = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        validator = OpenApiInteractionValidator.createForInlineApiSpecification(document)
                .withLevelResolver(LevelResolver.create()
                        .withLevel(SchemaValidator.ADDITIONAL_PROPERTIES_KEY, ValidationReport.Level.ERROR).build())
                .build();
    }

    static List<String> kinds() {
        return PolicyKinds.names();
    }

    @Test
    void theDocumentChoosesASchemaForEveryKindTheCoreRegisters() {
        for (String kind : PolicyKinds.names()) {
            assertThat(document).as("discriminator mapping of " + kind)
                    .contains(kind + ": \"#/components/schemas/" + kind + "Policy\"");
            assertThat(document).as("schema of " + kind + "'s spec").contains("\n    " + kind + "Spec:\n");
        }
    }

    @ParameterizedTest
    @MethodSource("kinds")
    void everyDocumentOfTheKindsPageFitsItsSchemaAsARequestAndAsAnAnswer(String kind) throws IOException {
        List<JsonNode> examples = examples(kind);
        assertThat(examples).as("JSON documents in docs/policies/" + kind + ".md").isNotEmpty();
        for (JsonNode example : examples) {
            String name = example.path("name").asText("example");
            String path = "/api/v1/tenants/acme/policies/" + name;
            PolicyDocument read = PolicyJson.read(example, name);

            Request put = SimpleRequest.Builder.put(path).withContentType("application/json")
                    .withAuthorization("Bearer token").withBody(PolicyJson.toText(example)).build();
            assertThat(describe(validator.validateRequest(put))).as(kind + " document as a request: " + example).isEmpty();

            ObjectNode answer = PolicyJson.write(read);
            answer.put("resourceVersion", "7");
            answer.put("createdAt", "2026-01-01T00:00:00Z");
            answer.put("updatedAt", "2026-01-01T00:00:00Z");
            SimpleResponse got = SimpleResponse.Builder.ok().withContentType("application/json")
                    .withBody(PolicyJson.toText(answer)).build();
            assertThat(describe(validator.validateResponse(path, Request.Method.GET, got)))
                    .as(kind + " canonical answer: " + answer).isEmpty();
        }
    }

    private static List<JsonNode> examples(String kind) throws IOException {
        Matcher blocks = JSON_BLOCK.matcher(Files.readString(DOCS.resolve(kind + ".md")));
        List<JsonNode> found = new ArrayList<>();
        while (blocks.find()) {
            JsonNode json = PolicyJson.parse(blocks.group(1));
            if (kind.equals(json.path("kind").asText())) {
                found.add(json);
            }
        }
        return found;
    }

    private static List<String> describe(ValidationReport report) {
        return report.getMessages().stream().map(message -> message.getKey() + ": " + message.getMessage()).toList();
    }
}
