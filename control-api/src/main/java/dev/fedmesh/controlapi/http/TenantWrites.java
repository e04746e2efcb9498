package dev.fedmesh.controlapi.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fedmesh.controlapi.auth.Principal;
import dev.fedmesh.controlapi.store.TenantChange;
import dev.fedmesh.controlapi.store.TenantStore;
import io.micronaut.http.HttpResponse;

import java.util.function.Function;

/** Runs one write to a tenant for real, or, with {@code dryRun=true}, as a preview that writes nothing. */
final class TenantWrites {
    private TenantWrites() {
    }

    /**
     * @param shown   the resource as the dry-run answer shows it (null for a delete)
     * @param answer  the answer to the real write
     */
    static <T> HttpResponse<String> perform(TenantStore tenants, String tenant, Principal principal, Boolean dryRun,
                                            Function<TenantChange, T> work, Function<T, JsonNode> shown,
                                            Function<T, HttpResponse<String>> answer) {
        if (Boolean.TRUE.equals(dryRun)) {
            TenantStore.Preview<T> preview = tenants.preview(tenant, principal.subject(), work);
            return JsonResponses.preview(preview, shown.apply(preview.result()));
        }
        return answer.apply(tenants.change(tenant, principal.subject(), work));
    }

    /** A delete: 204 for real, the per-cluster preview on a dry run. */
    static <T> HttpResponse<String> delete(TenantStore tenants, String tenant, Principal principal, Boolean dryRun,
                                           Function<TenantChange, T> work) {
        return perform(tenants, tenant, principal, dryRun, work, result -> null, result -> HttpResponse.noContent());
    }
}
