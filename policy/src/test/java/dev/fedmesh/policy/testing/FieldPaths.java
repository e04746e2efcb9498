package dev.fedmesh.policy.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.List;

/** Field paths as errors name them ({@code spec.rules[0].action}), resolved in and planted into documents. */
public final class FieldPaths {
    private FieldPaths() {
    }

    /** The JSON pointer of a field path, e.g. spec.rules[0].action is /spec/rules/0/action. */
    public static String pointer(String field) {
        return "/" + field.replaceAll("\\[(\\d+)]", ".$1").replace('.', '/');
    }

    /**
     * Puts a field named unexpected into one object of the document's spec, the spec itself included, chosen by
     * {@code pick} modulo their count; returns that field's path.
     */
    public static String putUnexpectedField(ObjectNode document, int pick) {
        List<String> objects = new ArrayList<>();
        collectObjects(document.get("spec"), "spec", objects);
        String target = objects.get(pick % objects.size());
        ((ObjectNode) document.at(pointer(target))).put("unexpected", 1);
        return target + ".unexpected";
    }

    private static void collectObjects(JsonNode node, String path, List<String> paths) {
        if (node.isObject()) {
            paths.add(path);
            node.fields().forEachRemaining(field -> collectObjects(field.getValue(), path + "." + field.getKey(), paths));
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                collectObjects(node.get(i), path + "[" + i + "]", paths);
            }
        }
    }
}
