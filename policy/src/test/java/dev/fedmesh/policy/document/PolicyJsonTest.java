package dev.fedmesh.policy.document;

import dev.fedmesh.policy.trafficroute.TrafficRoute;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class PolicyJsonTest {

    private static final String ROUTE = """
            {"kind": "TrafficRoute", "name": "greeter-split", "labels": {"team": "payments"},
             "target": {"service": "greeter"},
             "spec": {"split": [{"subset": {"version": "v1"}, "weight": 20},
                                {"subset": {"version": "v2"}, "weight": 80}]}}
            """;

    @Test
    void aValidTrafficRouteIsReadWithEveryField() {
        PolicyDocument document = PolicyJson.read(PolicyJson.parse(ROUTE), "greeter-split");

        assertThat(document.kind()).isEqualTo("TrafficRoute");
        assertThat(document.labels()).containsEntry("team", "payments");
        assertThat(document.target()).isEqualTo(new Target.Service(new ServiceSelector("greeter", Map.of())));
        assertThat(((TrafficRoute) document.spec()).split()).containsExactly(
                new TrafficRoute.Split(Map.of("version", "v1"), 20),
                new TrafficRoute.Split(Map.of("version", "v2"), 80));
    }

    @Test
    void writingAndReadingBackGivesTheSameDocument() {
        PolicyDocument document = PolicyJson.read(PolicyJson.parse(ROUTE), null);

        String written = PolicyJson.toText(PolicyJson.write(document));

        assertThat(PolicyJson.read(PolicyJson.parse(written), null)).isEqualTo(document);
    }

    @Test
    void storedColumnsRebuildTheDocument() {
        PolicyDocument document = PolicyJson.read(PolicyJson.parse(ROUTE), null);

        PolicyDocument rebuilt = PolicyJson.fromStored(document.kind(), document.name(),
                PolicyJson.toText(PolicyJson.writeLabels(document.labels())),
                PolicyJson.toText(PolicyJson.writeTarget(document.target())),
                PolicyJson.toText(PolicyJson.writeFrom(document.from())),
                PolicyJson.toText(PolicyJson.writeSpec(document)));

        assertThat(rebuilt).isEqualTo(document);
    }

    @Test
    void malformedJsonNamesTheLineAndColumn() {
        assertThat(violations("{\"kind\": \"TrafficRoute\",\n \"name\": }", null))
                .singleElement()
                .satisfies(v -> assertThat(v.problem()).contains("not valid JSON").contains("line 2"));
    }

    @Test
    void duplicateKeysAreRefused() {
        assertThat(violations("{\"kind\": \"TrafficRoute\", \"kind\": \"Retry\"}", null))
                .singleElement()
                .satisfies(v -> assertThat(v.problem()).contains("not valid JSON").contains("kind"));
    }

    @Test
    void anUnknownKindListsTheKnownOnes() {
        assertThat(violations("""
                {"kind": "Teleport", "name": "x", "target": {"service": "greeter"}, "spec": {}}""", null))
                .containsExactly(new Violation("kind", "'Teleport' is not a policy kind; use one of " + PolicyKinds.names()));
        assertThat(PolicyKinds.names()).contains("TrafficRoute");
    }

    @Test
    void weightsThatDoNotAddUpTo100AreRefused() {
        assertThat(violations(ROUTE.replace("\"weight\": 80", "\"weight\": 70"), null))
                .containsExactly(new Violation("spec.split", "weights add up to 90; they must add up to 100"));
    }

    @Test
    void outOfRangeAndMistypedWeightsNameTheirIndex() {
        assertThat(violations(ROUTE.replace("\"weight\": 20", "\"weight\": 120").replace("\"weight\": 80", "\"weight\": \"80\""), null))
                .extracting(Violation::field)
                .containsExactly("spec.split[0].weight", "spec.split[1].weight");
    }

    @Test
    void unknownFieldsAreRefusedWhereverTheyAre() {
        assertThat(violations(ROUTE.replace("\"labels\"", "\"colour\": \"red\", \"labels\"")
                .replace("\"weight\": 20", "\"weight\": 20, \"extra\": 1"), null))
                .extracting(Violation::field)
                .containsExactlyInAnyOrder("colour", "spec.split[0].extra");
    }

    @Test
    void badNamesAreRefusedWithTheRule() {
        assertThat(violations(ROUTE.replace("greeter-split", "Greeter_Split"), null))
                .singleElement()
                .satisfies(v -> {
                    assertThat(v.field()).isEqualTo("name");
                    assertThat(v.problem()).contains(Names.RULE);
                });
    }

    @Test
    void aBodyNamingAnotherPolicyThanThePathIsRefused() {
        assertThat(violations(ROUTE, "other-route"))
                .extracting(Violation::field)
                .containsExactly("name");
    }

    @Test
    void aRouteForTheWholeMeshIsRefused() {
        assertThat(violations(ROUTE.replace("{\"service\": \"greeter\"}", "{\"mesh\": true}"), null))
                .extracting(Violation::field)
                .containsExactly("target");
    }

    @Test
    void aRouteNarrowedToSomeSourcesIsRefused() {
        assertThat(violations(ROUTE.replace("\"target\"", "\"from\": [{\"service\": \"frontend\"}], \"target\""), null))
                .extracting(Violation::field)
                .containsExactly("from");
    }

    @Test
    void missingFieldsAreAllReportedAtOnce() {
        assertThat(violations("{\"kind\": \"TrafficRoute\"}", null))
                .extracting(Violation::field)
                .containsExactlyInAnyOrder("name", "target", "spec");
    }

    @Test
    void theSameSubsetTwiceIsRefused() {
        assertThat(violations(ROUTE.replace("\"v2\"", "\"v1\""), null))
                .extracting(Violation::field)
                .containsExactly("spec.split[1].subset");
    }

    @Test
    void markupAndSqlInNamesAreRefusedNotEchoedIntoFields() {
        List<Violation> violations = violations(ROUTE.replace("\"greeter\"", "\"greeter'; DROP TABLE policies; --<script>\""), null);
        assertThat(violations).extracting(Violation::field).containsExactly("target.service");
    }

    private static List<Violation> violations(String json, String pathName) {
        try {
            PolicyJson.read(PolicyJson.parse(json), pathName);
        } catch (InvalidDocumentException e) {
            return e.violations();
        }
        throw new AssertionError("expected the document to be refused: " + json);
    }
}
