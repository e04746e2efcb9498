package dev.fedmesh.policy.failover;

import com.google.protobuf.util.JsonFormat;
import dev.fedmesh.api.v1.DesiredConfig;
import dev.fedmesh.policy.compiler.ClusterInfo;
import dev.fedmesh.policy.compiler.DesiredConfigCompiler;
import dev.fedmesh.policy.compiler.TenantState;
import dev.fedmesh.policy.document.Names;
import dev.fedmesh.policy.document.PolicyDocument;
import dev.fedmesh.policy.document.PolicyJson;
import dev.fedmesh.policy.document.Violation;
import dev.fedmesh.policy.failover.Failover.Step;
import dev.fedmesh.policy.testing.Golden;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static dev.fedmesh.policy.testing.PolicyDocuments.read;
import static dev.fedmesh.policy.testing.PolicyDocuments.violatedFields;
import static dev.fedmesh.policy.testing.PolicyDocuments.violations;
import static org.assertj.core.api.Assertions.assertThat;

class FailoverKindTest {
    private static final Path GOLDEN = Path.of("src/test/resources/testdata/failover");

    private static final String GREETER = """
            {"kind": "Failover", "name": "greeter-failover", "target": {"service": "greeter"},
             "spec": {"order": [{"cluster": "west"},
                                {"locality": {"region": "us-west1", "zone": "us-west1-b"}},
                                {"locality": {"region": "eu-central1"}}],
                      "healthyPercentThreshold": 80}}
            """;

    private final FailoverKind kind = new FailoverKind();

    @Test
    void anOrderOfClustersAndLocalitiesIsRead() {
        assertThat(read(GREETER).spec()).isEqualTo(new Failover(List.of(
                new Step.Cluster("west"),
                new Step.Locality("us-west1", "us-west1-b"),
                new Step.Locality("eu-central1", null)), 80));
    }

    @Test
    void theThresholdDefaultsToSeventyPercent() {
        Failover spec = (Failover) read(GREETER.replaceAll(",\\s*\"healthyPercentThreshold\": 80", "")).spec();

        assertThat(spec.healthyPercentThreshold()).isEqualTo(70);
    }

    @Test
    void writingAndReadingBackGivesTheSameDocument() {
        PolicyDocument document = read(GREETER);

        assertThat(read(PolicyJson.toText(PolicyJson.write(document)))).isEqualTo(document);
        assertThat(PolicyJson.toText(PolicyJson.writeSpec(document))).isEqualTo("{\"order\":[{\"cluster\":\"west\"},"
                + "{\"locality\":{\"region\":\"us-west1\",\"zone\":\"us-west1-b\"}},"
                + "{\"locality\":{\"region\":\"eu-central1\"}}],\"healthyPercentThreshold\":80}");
    }

    @Test
    void clustersInTheOrderAreReferencesNamedByTheirField() {
        Failover spec = (Failover) read(GREETER.replace("{\"locality\": {\"region\": \"eu-central1\"}}",
                "{\"cluster\": \"central\"}")).spec();

        var references = kind.references(spec);

        assertThat(references.clustersByField())
                .isEqualTo(Map.of("spec.order[0].cluster", "west", "spec.order[2].cluster", "central"));
        assertThat(references.servicesByField()).isEmpty();
    }

    @Test
    void aFailoverClaimsItsServiceSoTwoOrdersCannotContradict() {
        PolicyDocument greeter = read(GREETER);
        PolicyDocument other = read(GREETER.replace("greeter-failover", "greeter-dr").replace("80", "50"));

        assertThat(kind.claims(greeter.target(), (Failover) greeter.spec())).containsExactly("service greeter");
        assertThat(kind.claims(other.target(), (Failover) other.spec()))
                .isEqualTo(kind.claims(greeter.target(), (Failover) greeter.spec()));
    }

    @Test
    void theOrderIsCarriedInTheDesiredConfigOfEveryCluster() throws IOException {
        TenantState tenant = new TenantState("acme", 9,
                List.of(new ClusterInfo("east", "us-east1", "us-east1-b", "net-1", Map.of()),
                        new ClusterInfo("west", "us-west1", "us-west1-b", "net-1", Map.of())),
                List.of(), List.of(read(GREETER)));

        var configs = DesiredConfigCompiler.compile(tenant);
        DesiredConfig east = configs.get("east");

        assertThat(configs.get("west").getPoliciesList()).isEqualTo(east.getPoliciesList());
        Golden.assertMatches(GOLDEN, "greeter-failover.golden.json", JsonFormat.printer().print(east));
    }

    @Test
    void aMeshOrSubsetTargetIsRefused() {
        assertThat(violatedFields(GREETER.replace("{\"service\": \"greeter\"}", "{\"mesh\": true}"))).containsExactly("target");
        assertThat(violatedFields(GREETER.replace("{\"service\": \"greeter\"}", "{\"service\": \"greeter\", \"subset\": {\"version\": \"v2\"}}")))
                .containsExactly("target.subset");
    }

    @Test
    void fromIsRefused() {
        assertThat(violatedFields(GREETER.replace("\"target\"", "\"from\": [{\"service\": \"frontend\"}], \"target\"")))
                .containsExactly("from");
    }

    @ParameterizedTest
    @ValueSource(strings = {"0", "101", "-5", "70.5", "\"70\"", "true"})
    void aThresholdOutsideOneToAHundredIsRefused(String threshold) {
        assertThat(violations(GREETER.replace("80}", threshold + "}"))).singleElement().satisfies(v -> {
            assertThat(v.field()).isEqualTo("spec.healthyPercentThreshold");
            assertThat(v.problem()).contains("between 1 and 100");
        });
    }

    @Test
    void aMissingOrEmptyOrderIsRefused() {
        assertThat(violations("""
                {"kind": "Failover", "name": "f", "target": {"service": "greeter"}, "spec": {}}"""))
                .containsExactly(new Violation("spec.order", "is required"));
        assertThat(violatedFields("""
                {"kind": "Failover", "name": "f", "target": {"service": "greeter"}, "spec": {"order": []}}"""))
                .containsExactly("spec.order");
    }

    @Test
    void moreThanTenStepsAreRefused() {
        String steps = IntStream.range(0, 11).mapToObj(i -> "{\"cluster\": \"c" + i + "\"}").collect(Collectors.joining(", "));

        assertThat(violations("""
                {"kind": "Failover", "name": "f", "target": {"service": "greeter"}, "spec": {"order": [%s]}}"""
                .formatted(steps)))
                .singleElement()
                .satisfies(v -> {
                    assertThat(v.field()).isEqualTo("spec.order");
                    assertThat(v.problem()).startsWith("has 11 entries; at most 10 are allowed");
                });
    }

    @Test
    void repeatedOrCoveredStepsAreRefused() {
        assertThat(violations(GREETER.replace("{\"locality\": {\"region\": \"eu-central1\"}}", "{\"cluster\": \"west\"}")))
                .containsExactly(new Violation("spec.order[2]", "repeats order[0]: remove it"));
        assertThat(violations(GREETER.replace("{\"locality\": {\"region\": \"eu-central1\"}}",
                "{\"locality\": {\"zone\": \"us-west1-b\", \"region\": \"us-west1\"}}")))
                .containsExactly(new Violation("spec.order[2]", "repeats order[1]: remove it"));
        assertThat(violations(GREETER.replace("{\"region\": \"eu-central1\"}", "{\"region\": \"us-west1\"}")
                .replace("{\"cluster\": \"west\"}", "{\"locality\": {\"region\": \"us-west1\"}}")))
                .extracting(Violation::field)
                .containsExactly("spec.order[1]", "spec.order[2]");
    }

    @Test
    void aZoneBeforeItsRegionIsAllowed() {
        Failover spec = (Failover) read(GREETER.replace("{\"region\": \"eu-central1\"}", "{\"region\": \"us-west1\"}")).spec();

        assertThat(spec.order()).hasSize(3);
    }

    @Test
    void eachStepNamesExactlyOneClusterOrLocality() {
        assertThat(violations(GREETER.replace("{\"cluster\": \"west\"}", "{}")))
                .singleElement()
                .satisfies(v -> {
                    assertThat(v.field()).isEqualTo("spec.order[0].cluster");
                    assertThat(v.problem()).startsWith("is missing: each entry names a cluster or a locality");
                });
        assertThat(violatedFields(GREETER.replace("{\"cluster\": \"west\"}",
                "{\"cluster\": \"west\", \"locality\": {\"region\": \"us-east1\"}}")))
                .containsExactly("spec.order[0].locality");
    }

    @Test
    void wrongTypesAndUnknownFieldsAreNamedWithTheirPath() {
        assertThat(violatedFields(GREETER
                .replace("{\"cluster\": \"west\"}", "{\"cluster\": 3, \"weight\": 1}")
                .replace("\"zone\": \"us-west1-b\"", "\"zone\": \"us-west1-b\", \"subzone\": \"rack-1\"")
                .replace("{\"region\": \"eu-central1\"}", "\"eu-central1\"")
                .replace("\"healthyPercentThreshold\"", "\"priority\": 1, \"healthyPercentThreshold\"")))
                .containsExactlyInAnyOrder("spec.order[0].cluster", "spec.order[0].weight", "spec.order[1].locality.subzone",
                        "spec.order[2].locality", "spec.priority");
        assertThat(violatedFields(GREETER.replace("\"order\": [", "\"order\": [\"west\", ")))
                .containsExactly("spec.order[0]");
    }

    @Test
    void aLocalityNeedsARegion() {
        assertThat(violations(GREETER.replace("{\"region\": \"eu-central1\"}", "{\"zone\": \"eu-central1-a\"}")))
                .containsExactly(new Violation("spec.order[2].locality.region", "is required"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "-us-west1", "us west1", "us-west1'; DROP TABLE clusters; --", "<script>alert(1)</script>",
            "a-region-name-that-is-far-too-long-for-any-cloud-provider-to-ever-use"})
    void localityNamesFollowTheClusterLocalityRule(String region) {
        assertThat(violations(GREETER.replace("\"eu-central1\"", "\"" + region + "\"")))
                .singleElement()
                .satisfies(v -> {
                    assertThat(v.field()).isEqualTo("spec.order[2].locality.region");
                    assertThat(v.problem()).contains("is not a valid region");
                });
    }

    @ParameterizedTest
    @ValueSource(strings = {"West", "west_1", "x'; DROP TABLE clusters; --", "<b>west</b>", ""})
    void clusterNamesFollowTheNamingRule(String cluster) {
        assertThat(violations(GREETER.replace("\"west\"", "\"" + cluster + "\"")))
                .singleElement()
                .satisfies(v -> {
                    assertThat(v.field()).isEqualTo("spec.order[0].cluster");
                    assertThat(v.problem()).endsWith(Names.RULE);
                });
    }
}
