package dev.fedmesh.policy.faultinjection;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fedmesh.policy.document.JsonObjectReader;

/**
 * Reads and writes the share of requests a fault applies to, 0..100. Whole percents for now:
 * {@link JsonObjectReader} reads whole numbers only, so a decimal such as 0.5 is refused with the
 * field's path until it can read decimals; records and the wire already hold a double.
 */
final class Percentages {
    private Percentages() {
    }

    /** The percentage, or null after recording why when it is absent or invalid. */
    static Double required(JsonObjectReader reader, String field) {
        if (!reader.has(field)) {
            reader.reject(field, "is required: the share of requests affected, from 0 to 100, e.g. 10");
            return null;
        }
        Long percent = reader.requiredInteger(field, 0, 100);
        return percent == null ? null : percent.doubleValue();
    }

    /** Writes whole percents as whole numbers, so the canonical JSON reads back. */
    static void write(ObjectNode json, String field, double percentage) {
        if (percentage == Math.rint(percentage)) {
            json.put(field, (long) percentage);
        } else {
            json.put(field, percentage);
        }
    }
}
