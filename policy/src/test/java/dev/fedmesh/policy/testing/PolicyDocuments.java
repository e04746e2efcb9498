package dev.fedmesh.policy.testing;

import dev.fedmesh.api.v1.Policy;
import dev.fedmesh.policy.compiler.ClusterInfo;
import dev.fedmesh.policy.compiler.DesiredConfigCompiler;
import dev.fedmesh.policy.compiler.TenantState;
import dev.fedmesh.policy.document.InvalidDocumentException;
import dev.fedmesh.policy.document.PolicyDocument;
import dev.fedmesh.policy.document.PolicyJson;
import dev.fedmesh.policy.document.Violation;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

/** Reads policy documents from JSON text the way a user sends them, for the kinds' tests. */
public final class PolicyDocuments {
    private PolicyDocuments() {
    }

    /** A document of {@code kind} named {@code name} for the service greeter, holding {@code spec} as it is. */
    public static String withSpec(String kind, String name, String spec) {
        return "{\"kind\": \"" + kind + "\", \"name\": \"" + name + "\", \"target\": {\"service\": \"greeter\"}, \"spec\": "
                + spec + "}";
    }

    public static PolicyDocument read(String json) {
        return PolicyJson.read(PolicyJson.parse(json), null);
    }

    /** What the reader refuses in {@code json}; fails the test when it reads the document instead. */
    public static List<Violation> violations(String json) {
        try {
            read(json);
        } catch (InvalidDocumentException refused) {
            return refused.violations();
        }
        throw new AssertionError("the document should have been refused: " + json);
    }

    /** The field paths of {@link #violations(String)}, in the order the reader reports them. */
    public static List<String> violatedFields(String json) {
        return violations(json).stream().map(Violation::field).toList();
    }

    /** The wire form of policy documents, as one cluster's desired config carries them to its agent. */
    public static List<Policy> wire(String... documents) {
        TenantState state = new TenantState("acme", 1, List.of(new ClusterInfo("east", "us-east1", "b", "net-1", Map.of())),
                List.of(), Arrays.stream(documents).map(PolicyDocuments::read).toList());
        return DesiredConfigCompiler.compile(state).get("east").getPoliciesList();
    }
}
