package dev.fedmesh.controlapi.store;

import dev.fedmesh.controlapi.http.ApiException;
import dev.fedmesh.policy.document.Names;
import dev.fedmesh.policy.document.PolicyKinds;
import dev.fedmesh.policy.document.Violation;

import java.util.List;
import java.util.Map;

/** Which of a tenant's policies to list: any filter may be null or empty; bad ones are refused by name. */
public record PolicyQuery(String kind, String targetService, Map<String, String> labels, Page page) {
    public PolicyQuery {
        labels = labels == null ? Map.of() : Map.copyOf(labels);
        if (kind != null && PolicyKinds.find(kind).isEmpty()) {
            throw ApiException.invalid(List.of(new Violation("kind", "'" + kind + "' is not a policy kind; use one of "
                    + PolicyKinds.names())));
        }
        if (targetService != null && !Names.isValid(targetService)) {
            throw ApiException.invalid(List.of(new Violation("target", "'" + targetService + "' is not a service name: it "
                    + Names.RULE)));
        }
    }
}
