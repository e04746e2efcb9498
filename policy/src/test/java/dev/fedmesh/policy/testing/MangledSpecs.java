package dev.fedmesh.policy.testing;

import dev.fedmesh.policy.document.InvalidDocumentException;
import dev.fedmesh.policy.document.PolicyDocument;
import dev.fedmesh.policy.document.PolicyJson;

import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;

import static dev.fedmesh.policy.testing.PolicyDocuments.read;
import static org.assertj.core.api.Assertions.assertThat;

/** Specs a user might get wrong, built from a valid one, and what the reader must answer to any of them. */
public final class MangledSpecs {
    /** What the reader did with one mangled spec. */
    public enum Outcome { READ_BACK, REFUSED }

    private MangledSpecs() {
    }

    /**
     * Some fields of {@code valid}, with at most one of {@code fields} (or an unknown one) given a random value;
     * objects in that value take their keys from {@code nestedFields}.
     */
    public static Gen<String> of(Map<String, String> valid, List<String> fields, List<String> nestedFields) {
        Gen<String> scalar = Gen.of("0", "1", "-1", "3", "100", "429", "503", "1000001", "0.5", "true", "null",
                "[]", "[200]", "{}", "\"1s\"", "\"250ms\"", "\"2h\"", "\"10 s\"", "\"POST\"", "\"/api/\"",
                "\"UNAVAILABLE\"", "\"<script>\"", "\"'; DROP TABLE policies; --\"");
        Gen<String> nested = Gen.maps(Gen.of(nestedFields), scalar, 3).map(JsonText::object);
        Gen<String> twoDeep = Gen.maps(Gen.of(nestedFields), Gen.oneOf(scalar, nested), 3).map(JsonText::object);
        Gen<Map<String, String>> change = Gen.maps(Gen.of(fields), Gen.oneOf(scalar, nested, twoDeep), 1);
        Gen<Set<String>> kept = Gen.subsetOf(valid.keySet());
        return random -> JsonText.object(valid, kept.next(random), change.next(random));
    }

    /**
     * Checks {@link #assertReadBackOrRefusedBelowSpec} on {@code tries} specs of {@link #of}, each put into a document
     * by {@code document}, and that the specs were varied enough to meet both outcomes.
     */
    public static void assertEachReadBackOrRefusedBelowSpec(int tries, Map<String, String> valid, List<String> fields,
                                                           List<String> nestedFields, UnaryOperator<String> document) {
        Set<Outcome> met = EnumSet.noneOf(Outcome.class);
        ForAll.cases(tries, of(valid, fields, nestedFields),
                spec -> met.add(assertReadBackOrRefusedBelowSpec(document.apply(spec))));
        assertThat(met).as("outcomes met by %d mangled specs", tries).containsExactlyInAnyOrder(Outcome.values());
    }

    /** The document in {@code json} either reads back unchanged from its canonical JSON or is refused only below spec. */
    public static Outcome assertReadBackOrRefusedBelowSpec(String json) {
        PolicyDocument document;
        try {
            document = read(json);
        } catch (InvalidDocumentException refused) {
            assertThat(refused.violations()).isNotEmpty()
                    .allSatisfy(v -> assertThat(v.field()).startsWith("spec."));
            return Outcome.REFUSED;
        }
        assertThat(read(PolicyJson.toText(PolicyJson.write(document)))).isEqualTo(document);
        return Outcome.READ_BACK;
    }
}
