package dev.fedmesh.controlapi.grpc;

import dev.fedmesh.api.v1.AuditServiceGrpc;
import dev.fedmesh.api.v1.ListAuditEntriesRequest;
import dev.fedmesh.api.v1.ListAuditEntriesResponse;
import dev.fedmesh.controlapi.auth.Access;
import dev.fedmesh.controlapi.auth.Permission;
import dev.fedmesh.controlapi.store.AuditEntry;
import dev.fedmesh.controlapi.store.AuditStore;
import dev.fedmesh.controlapi.store.Page;
import dev.fedmesh.controlapi.store.Tenant;
import dev.fedmesh.controlapi.store.TenantStore;
import io.grpc.stub.StreamObserver;
import jakarta.inject.Singleton;

/** fedmesh.v1.AuditService: the REST {@code /api/v1/tenants/{tenant}/audit} call over gRPC. */
@Singleton
final class AuditGrpcService extends AuditServiceGrpc.AuditServiceImplBase {
    private final TenantStore tenants;
    private final AuditStore audit;

    AuditGrpcService(TenantStore tenants, AuditStore audit) {
        this.tenants = tenants;
        this.audit = audit;
    }

    @Override
    public void listAuditEntries(ListAuditEntriesRequest request, StreamObserver<ListAuditEntriesResponse> observer) {
        UnaryCalls.answer("ListAuditEntries", observer, () -> {
            Access.require(BearerTokenInterceptor.principal(), request.getTenant(), Permission.READ);
            Page page = ListFilters.page(request.getLimit(), request.getPageToken());
            Tenant owner = tenants.require(request.getTenant());
            Page.Result<AuditEntry> result = audit.list(owner.id(), emptyAsNull(request.getKind()),
                    emptyAsNull(request.getName()), page);
            ListAuditEntriesResponse.Builder response = ListAuditEntriesResponse.newBuilder();
            result.items().forEach(entry -> response.addItems(WireResources.auditEntry(entry)));
            if (result.nextPageToken() != null) {
                response.setNextPageToken(result.nextPageToken());
            }
            return response.build();
        });
    }

    private static String emptyAsNull(String value) {
        return value.isEmpty() ? null : value;
    }
}
