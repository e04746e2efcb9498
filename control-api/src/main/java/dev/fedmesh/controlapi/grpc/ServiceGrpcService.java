package dev.fedmesh.controlapi.grpc;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fedmesh.api.v1.ApplyServiceRequest;
import dev.fedmesh.api.v1.ApplyServiceResponse;
import dev.fedmesh.api.v1.DeleteServiceRequest;
import dev.fedmesh.api.v1.DeleteServiceResponse;
import dev.fedmesh.api.v1.FailoverPreview;
import dev.fedmesh.api.v1.GetServiceRequest;
import dev.fedmesh.api.v1.ListServicesRequest;
import dev.fedmesh.api.v1.ListServicesResponse;
import dev.fedmesh.api.v1.PreviewFailoverRequest;
import dev.fedmesh.api.v1.ServiceResource;
import dev.fedmesh.api.v1.ServiceServiceGrpc;
import dev.fedmesh.controlapi.auth.Access;
import dev.fedmesh.controlapi.auth.Permission;
import dev.fedmesh.controlapi.auth.Principal;
import dev.fedmesh.controlapi.federation.FailoverPreviewStore;
import dev.fedmesh.controlapi.http.ApiException;
import dev.fedmesh.controlapi.store.Page;
import dev.fedmesh.controlapi.store.ResourceVersions;
import dev.fedmesh.controlapi.store.Service;
import dev.fedmesh.controlapi.store.ServiceStore;
import dev.fedmesh.controlapi.store.TenantStore;
import dev.fedmesh.policy.document.JsonObjectReader;
import dev.fedmesh.policy.document.Names;
import dev.fedmesh.policy.document.PolicyJson;
import dev.fedmesh.policy.document.Violation;
import io.grpc.stub.StreamObserver;
import jakarta.inject.Singleton;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** fedmesh.v1.ServiceService: the REST {@code /api/v1/tenants/{tenant}/services} calls over gRPC. */
@Singleton
final class ServiceGrpcService extends ServiceServiceGrpc.ServiceServiceImplBase {
    private final TenantStore tenants;
    private final ServiceStore services;
    private final FailoverPreviewStore previews;

    ServiceGrpcService(TenantStore tenants, ServiceStore services, FailoverPreviewStore previews) {
        this.tenants = tenants;
        this.services = services;
        this.previews = previews;
    }

    @Override
    public void previewFailover(PreviewFailoverRequest request, StreamObserver<FailoverPreview> observer) {
        UnaryCalls.answer("PreviewFailover", observer, () -> {
            Access.require(BearerTokenInterceptor.principal(), request.getTenant(), Permission.READ);
            return FailoverPreviewWire.of(previews.preview(request.getTenant(), request.getService(), request.getDownList()));
        });
    }

    @Override
    public void applyService(ApplyServiceRequest request, StreamObserver<ApplyServiceResponse> observer) {
        UnaryCalls.answer("ApplyService", observer, () -> {
            Principal principal = BearerTokenInterceptor.principal();
            Access.require(principal, request.getTenant(), Permission.WRITE);
            String name = request.getService().getName();
            Map<String, String> labels = readLabels(request.getService());
            ResourceVersions.Expected expected = PolicyGrpcService.expected(request.getExpectedResourceVersion());
            if (request.getDryRun()) {
                TenantStore.Preview<ServiceStore.Applied> preview = tenants.preview(request.getTenant(), principal.subject(),
                        change -> services.apply(change, name, labels, expected));
                return response(preview.result()).setDryRun(WireResources.dryRun(preview)).build();
            }
            return response(tenants.change(request.getTenant(), principal.subject(),
                    change -> services.apply(change, name, labels, expected))).build();
        });
    }

    @Override
    public void getService(GetServiceRequest request, StreamObserver<ServiceResource> observer) {
        UnaryCalls.answer("GetService", observer, () -> {
            Access.require(BearerTokenInterceptor.principal(), request.getTenant(), Permission.READ);
            var owner = tenants.require(request.getTenant());
            return WireResources.service(services.find(owner.id(), request.getName())
                    .orElseThrow(() -> ApiException.notFound("Service '" + request.getName() + "'")));
        });
    }

    @Override
    public void listServices(ListServicesRequest request, StreamObserver<ListServicesResponse> observer) {
        UnaryCalls.answer("ListServices", observer, () -> {
            Access.require(BearerTokenInterceptor.principal(), request.getTenant(), Permission.READ);
            Page page = ListFilters.page(request.getLimit(), request.getPageToken());
            var owner = tenants.require(request.getTenant());
            Page.Result<Service> result = services.list(owner.id(), page);
            ListServicesResponse.Builder response = ListServicesResponse.newBuilder();
            result.items().forEach(service -> response.addItems(WireResources.service(service)));
            if (result.nextPageToken() != null) {
                response.setNextPageToken(result.nextPageToken());
            }
            return response.build();
        });
    }

    @Override
    public void deleteService(DeleteServiceRequest request, StreamObserver<DeleteServiceResponse> observer) {
        UnaryCalls.answer("DeleteService", observer, () -> {
            Principal principal = BearerTokenInterceptor.principal();
            Access.require(principal, request.getTenant(), Permission.WRITE);
            ResourceVersions.Expected expected = PolicyGrpcService.expected(request.getExpectedResourceVersion());
            tenants.change(request.getTenant(), principal.subject(), change -> {
                services.delete(change, request.getName(), expected);
                return Boolean.TRUE;
            });
            return DeleteServiceResponse.getDefaultInstance();
        });
    }

    /** The name and labels, checked by the rules REST applies to the same body. */
    private static Map<String, String> readLabels(ServiceResource service) {
        List<Violation> violations = new ArrayList<>();
        ObjectNode json = JsonNodeFactory.instance.objectNode();
        if (service.getLabelsCount() > 0) {
            json.set("labels", PolicyJson.writeLabels(service.getLabelsMap()));
        }
        JsonObjectReader reader = JsonObjectReader.root(json, violations);
        if (service.getName().isEmpty()) {
            reader.reject("name", "is required");
        } else if (!Names.isValid(service.getName())) {
            reader.reject("name", "'" + service.getName() + "' " + Names.RULE);
        }
        Map<String, String> labels = reader.labels("labels");
        if (!violations.isEmpty()) {
            throw ApiException.invalid(violations);
        }
        return labels;
    }

    private static ApplyServiceResponse.Builder response(ServiceStore.Applied applied) {
        return ApplyServiceResponse.newBuilder()
                .setService(WireResources.service(applied.service()))
                .setCreated(applied.created());
    }
}
