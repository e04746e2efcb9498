package dev.fedmesh.controlapi.grpc;

import dev.fedmesh.api.v1.CreateTenantRequest;
import dev.fedmesh.api.v1.DeleteTenantRequest;
import dev.fedmesh.api.v1.DeleteTenantResponse;
import dev.fedmesh.api.v1.GetTenantRequest;
import dev.fedmesh.api.v1.TenantServiceGrpc;
import dev.fedmesh.controlapi.auth.Access;
import dev.fedmesh.controlapi.auth.Permission;
import dev.fedmesh.controlapi.auth.Principal;
import dev.fedmesh.controlapi.http.ApiException;
import dev.fedmesh.controlapi.store.Tenant;
import dev.fedmesh.controlapi.store.TenantStore;
import dev.fedmesh.policy.document.Names;
import dev.fedmesh.policy.document.Violation;
import io.grpc.stub.StreamObserver;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;

/** fedmesh.v1.TenantService: the REST {@code /api/v1/tenants} calls over gRPC. */
@Singleton
final class TenantGrpcService extends TenantServiceGrpc.TenantServiceImplBase {
    private static final Logger LOG = LoggerFactory.getLogger(TenantGrpcService.class);
    private final TenantStore tenants;

    TenantGrpcService(TenantStore tenants) {
        this.tenants = tenants;
    }

    @Override
    public void createTenant(CreateTenantRequest request, StreamObserver<dev.fedmesh.api.v1.Tenant> observer) {
        UnaryCalls.answer("CreateTenant", observer, () -> {
            Access.requireOperator(BearerTokenInterceptor.principal());
            String name = request.getTenant().getName();
            if (name.isEmpty()) {
                throw ApiException.invalid(List.of(new Violation("name", "is required")));
            }
            if (!Names.isValid(name)) {
                throw ApiException.invalid(List.of(new Violation("name", "'" + name + "' " + Names.RULE)));
            }
            String trustDomain = request.getTenant().getTrustDomain();
            // The database checks the trust domain's form and refuses it naming trustDomain, as over REST.
            return WireResources.tenant(tenants.create(name, trustDomain.isEmpty() ? null : trustDomain));
        });
    }

    @Override
    public void deleteTenant(DeleteTenantRequest request, StreamObserver<DeleteTenantResponse> observer) {
        UnaryCalls.answer("DeleteTenant", observer, () -> {
            Principal principal = BearerTokenInterceptor.principal();
            Access.requireOperator(principal);
            Tenant deleted = tenants.delete(request.getName());
            LOG.info("tenant={} deleted by {} at revision {} (trust domain {})", deleted.name(), principal.subject(),
                    deleted.revision(), deleted.trustDomain());
            return DeleteTenantResponse.getDefaultInstance();
        });
    }

    @Override
    public void getTenant(GetTenantRequest request, StreamObserver<dev.fedmesh.api.v1.Tenant> observer) {
        UnaryCalls.answer("GetTenant", observer, () -> {
            Principal principal = BearerTokenInterceptor.principal();
            Access.require(principal, request.getName(), Permission.READ);
            return WireResources.tenant(tenants.require(request.getName()));
        });
    }
}
