package dev.fedmesh.policy.faultinjection;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fedmesh.policy.document.JsonObjectReader;

/** Reads and writes the share of requests a fault applies to, 0..100, fractions allowed (e.g. 0.5). */
final class Percentages {
    private Percentages() {
    }

    /** The percentage, or null after recording why when it is absent or invalid. */
    static Double required(JsonObjectReader reader, String field) {
        if (!reader.has(field)) {
            reader.reject(field, "is required: the share of requests affected, from 0 to 100, e.g. 10 or 0.5");
            return null;
        }
        return reader.optionalDecimal(field, 0, 100);
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
