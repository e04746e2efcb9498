package dev.fedmesh.controlapi.grpc;

import dev.fedmesh.controlapi.http.ApiException;
import dev.fedmesh.controlapi.store.Page;
import dev.fedmesh.policy.document.Names;
import dev.fedmesh.policy.document.Violation;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Reads the filters and page of a List call, refusing bad ones by the names REST uses. */
final class ListFilters {
    private ListFilters() {
    }

    /** {@code limit} 0 means the default page size, as an absent REST query value does. */
    static Page page(int limit, String pageToken) {
        return Page.of(limit == 0 ? null : limit, pageToken);
    }

    static Map<String, String> labels(Map<String, String> labels) {
        for (Map.Entry<String, String> label : labels.entrySet()) {
            if (!Names.isValidLabelKey(label.getKey()) || !Names.isValidLabelValue(label.getValue())) {
                throw ApiException.invalid(List.of(new Violation("label", "'" + label.getKey() + "=" + label.getValue()
                        + "' is not a label selector: use a label name and value, e.g. {\"team\": \"payments\"}")));
            }
        }
        return new TreeMap<>(labels);
    }
}
