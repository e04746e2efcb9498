package dev.fedmesh.policy.testing;

import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

/** Writes generated JSON fragments into one object's text, for property tests. */
public final class JsonText {
    private JsonText() {
    }

    /** The {@code kept} fields of {@code valid}, then {@code changed} on top. */
    public static String object(Map<String, String> valid, Set<String> kept, Map<String, String> changed) {
        Map<String, String> fields = new TreeMap<>(valid);
        fields.keySet().retainAll(kept);
        fields.putAll(changed);
        return object(fields);
    }

    public static String object(Map<String, String> fields) {
        return fields.entrySet().stream()
                .map(field -> "\"" + field.getKey() + "\": " + field.getValue())
                .collect(Collectors.joining(", ", "{", "}"));
    }
}
