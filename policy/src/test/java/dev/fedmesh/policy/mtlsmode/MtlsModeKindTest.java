package dev.fedmesh.policy.mtlsmode;

import com.google.protobuf.util.JsonFormat;
import dev.fedmesh.api.v1.DesiredConfig;
import dev.fedmesh.api.v1.MtlsModeSpec;
import dev.fedmesh.policy.compiler.ClusterInfo;
import dev.fedmesh.policy.compiler.DesiredConfigCompiler;
import dev.fedmesh.policy.compiler.TenantState;
import dev.fedmesh.policy.document.PolicyDocument;
import dev.fedmesh.policy.document.PolicyJson;
import dev.fedmesh.policy.document.References;
import dev.fedmesh.policy.document.Violation;
import dev.fedmesh.policy.testing.Golden;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static dev.fedmesh.policy.testing.PolicyDocuments.read;
import static dev.fedmesh.policy.testing.PolicyDocuments.violations;
import static org.assertj.core.api.Assertions.assertThat;

class MtlsModeKindTest {
    private static final Path GOLDEN = Path.of("src/test/resources/testdata/mtlsmode");

    private static final String MESH_STRICT = """
            {"kind": "MtlsMode", "name": "mesh-strict", "target": {"mesh": true}, "spec": {"mode": "STRICT"}}
            """;
    private static final String LEGACY_PERMISSIVE = """
            {"kind": "MtlsMode", "name": "legacy-permissive", "target": {"service": "legacy"}, "spec": {"mode": "PERMISSIVE"}}
            """;

    private final MtlsModeKind kind = new MtlsModeKind();

    @Test
    void bothModesAreReadForMeshAndServiceTargets() {
        assertThat(read(MESH_STRICT).spec()).isEqualTo(new MtlsMode(MtlsMode.Mode.STRICT));
        assertThat(read(LEGACY_PERMISSIVE).spec()).isEqualTo(new MtlsMode(MtlsMode.Mode.PERMISSIVE));
    }

    @Test
    void writingAndReadingBackGivesTheSameDocument() {
        for (String json : List.of(MESH_STRICT, LEGACY_PERMISSIVE)) {
            PolicyDocument document = read(json);

            assertThat(read(PolicyJson.toText(PolicyJson.write(document)))).isEqualTo(document);
        }
        assertThat(PolicyJson.toText(PolicyJson.writeSpec(read(MESH_STRICT)))).isEqualTo("{\"mode\":\"STRICT\"}");
    }

    @Test
    void eachPolicyClaimsItsTargetSoATargetHasOneMode() {
        PolicyDocument mesh = read(MESH_STRICT);
        PolicyDocument legacy = read(LEGACY_PERMISSIVE);
        PolicyDocument legacyStrict = read(LEGACY_PERMISSIVE.replace("legacy-permissive", "legacy-strict")
                .replace("PERMISSIVE", "STRICT"));

        assertThat(kind.claims(mesh.target(), (MtlsMode) mesh.spec())).containsExactly("mesh");
        assertThat(kind.claims(legacy.target(), (MtlsMode) legacy.spec())).containsExactly("service legacy");
        assertThat(kind.claims(legacyStrict.target(), (MtlsMode) legacyStrict.spec()))
                .isEqualTo(kind.claims(legacy.target(), (MtlsMode) legacy.spec()));
    }

    @Test
    void aModeNamesNoOtherClusterOrService() {
        assertThat(kind.references((MtlsMode) read(LEGACY_PERMISSIVE).spec())).isEqualTo(References.NONE);
    }

    @Test
    void theModeIsCarriedInTheDesiredConfig() throws IOException {
        TenantState tenant = new TenantState("acme", 4,
                List.of(new ClusterInfo("east", "us-east1", "us-east1-b", "net-1", Map.of())),
                List.of(), List.of(read(LEGACY_PERMISSIVE), read(MESH_STRICT)));

        DesiredConfig east = DesiredConfigCompiler.compile(tenant).get("east");

        assertThat(east.getPoliciesList()).extracting(p -> p.getMtlsMode().getMode())
                .containsExactly(MtlsModeSpec.Mode.MODE_PERMISSIVE, MtlsModeSpec.Mode.MODE_STRICT);
        Golden.assertMatches(GOLDEN, "mesh-strict-legacy-permissive.golden.json", JsonFormat.printer().print(east));
    }

    @ParameterizedTest
    @ValueSource(strings = {"\"strict\"", "\"DISABLE\"", "\"\"", "\"STRICT; DROP TABLE policies\"", "\"<b>STRICT</b>\""})
    void aModeOutsideTheTwoIsRefusedWithTheChoices(String mode) {
        assertThat(violations(MESH_STRICT.replace("\"STRICT\"", mode))).singleElement().satisfies(v -> {
            assertThat(v.field()).isEqualTo("spec.mode");
            assertThat(v.problem()).endsWith("is not one of [STRICT, PERMISSIVE]");
        });
    }

    @ParameterizedTest
    @ValueSource(strings = {"1", "true", "[\"STRICT\"]", "{\"value\": \"STRICT\"}"})
    void aModeThatIsNotAStringIsRefused(String mode) {
        assertThat(violations(MESH_STRICT.replace("\"STRICT\"", mode)))
                .singleElement()
                .satisfies(v -> {
                    assertThat(v.field()).isEqualTo("spec.mode");
                    assertThat(v.problem()).startsWith("must be a string");
                });
    }

    @Test
    void aMissingModeSaysWhichOnesExist() {
        assertThat(violations(MESH_STRICT.replace("\"mode\": \"STRICT\"", "")))
                .containsExactly(new Violation("spec.mode",
                        "is required: one of [STRICT, PERMISSIVE], e.g. {\"mode\": \"STRICT\"}"));
    }

    @Test
    void unknownSpecFieldsAreRefused() {
        assertThat(violations(MESH_STRICT.replace("\"mode\": \"STRICT\"", "\"mode\": \"STRICT\", \"ports\": [8080]")))
                .extracting(Violation::field)
                .containsExactly("spec.ports");
    }

    @Test
    void aSubsetTargetIsRefused() {
        assertThat(violations(LEGACY_PERMISSIVE.replace("{\"service\": \"legacy\"}",
                "{\"service\": \"legacy\", \"subset\": {\"version\": \"v1\"}}")))
                .extracting(Violation::field)
                .containsExactly("target.subset");
    }

    @Test
    void fromIsRefused() {
        assertThat(violations(LEGACY_PERMISSIVE.replace("\"target\"", "\"from\": [{\"service\": \"frontend\"}], \"target\"")))
                .extracting(Violation::field)
                .containsExactly("from");
    }
}
