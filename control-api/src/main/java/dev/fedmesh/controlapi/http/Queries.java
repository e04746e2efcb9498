package dev.fedmesh.controlapi.http;

import dev.fedmesh.policy.document.Names;
import dev.fedmesh.policy.document.Violation;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Reading list filters from query parameters, refusing malformed ones by name. */
final class Queries {
    private Queries() {
    }

    /** {@code label=team=payments} (repeatable) as a label map. */
    static Map<String, String> labels(List<String> selectors) {
        Map<String, String> labels = new TreeMap<>();
        if (selectors == null) {
            return labels;
        }
        for (String selector : selectors) {
            int equals = selector.indexOf('=');
            String key = equals < 0 ? selector : selector.substring(0, equals);
            String value = equals < 0 ? null : selector.substring(equals + 1);
            if (value == null || !Names.isValidLabelKey(key) || !Names.isValidLabelValue(value)) {
                throw ApiException.invalid(List.of(new Violation("label",
                        "'" + selector + "' is not a label selector: use label=<name>=<value>, e.g. label=team=payments")));
            }
            labels.put(key, value);
        }
        return labels;
    }
}
