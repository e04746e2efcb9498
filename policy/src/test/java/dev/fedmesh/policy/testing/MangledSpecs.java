package dev.fedmesh.policy.testing;

import dev.fedmesh.policy.document.InvalidDocumentException;
import dev.fedmesh.policy.document.PolicyDocument;
import dev.fedmesh.policy.document.PolicyJson;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.statistics.Statistics;

import java.util.List;
import java.util.Map;

import static dev.fedmesh.policy.testing.PolicyDocuments.read;
import static org.assertj.core.api.Assertions.assertThat;

/** Specs a user might get wrong, built from a valid one, and what the reader must answer to any of them. */
public final class MangledSpecs {
    private MangledSpecs() {
    }

    /**
     * Some fields of {@code valid}, with at most one of {@code fields} (or an unknown one) given a random value;
     * objects in that value take their keys from {@code nestedFields}.
     */
    public static Arbitrary<String> of(Map<String, String> valid, List<String> fields, List<String> nestedFields) {
        Arbitrary<String> scalar = Arbitraries.of("0", "1", "-1", "3", "100", "429", "503", "1000001", "0.5", "true", "null",
                "[]", "[200]", "{}", "\"1s\"", "\"250ms\"", "\"2h\"", "\"10 s\"", "\"POST\"", "\"/api/\"",
                "\"UNAVAILABLE\"", "\"<script>\"", "\"'; DROP TABLE policies; --\"");
        Arbitrary<String> nested = Arbitraries.maps(Arbitraries.of(nestedFields), scalar).ofMaxSize(3).map(JsonText::object);
        Arbitrary<String> twoDeep = Arbitraries.maps(Arbitraries.of(nestedFields), Arbitraries.oneOf(scalar, nested))
                .ofMaxSize(3).map(JsonText::object);
        Arbitrary<Map<String, String>> change = Arbitraries.maps(Arbitraries.of(fields), Arbitraries.oneOf(scalar, nested, twoDeep))
                .ofMaxSize(1);
        return Combinators.combine(Arbitraries.subsetOf(valid.keySet()), change)
                .as((kept, changed) -> JsonText.object(valid, kept, changed));
    }

    /** The document in {@code json} either reads back unchanged from its canonical JSON or is refused only below spec. */
    public static void assertReadBackOrRefusedBelowSpec(String json) {
        PolicyDocument document;
        try {
            document = read(json);
        } catch (InvalidDocumentException refused) {
            Statistics.collect("refused");
            assertThat(refused.violations()).isNotEmpty()
                    .allSatisfy(v -> assertThat(v.field()).startsWith("spec."));
            return;
        }
        Statistics.collect("read back");
        assertThat(read(PolicyJson.toText(PolicyJson.write(document)))).isEqualTo(document);
    }
}
