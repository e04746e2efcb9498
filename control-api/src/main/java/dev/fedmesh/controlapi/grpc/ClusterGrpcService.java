package dev.fedmesh.controlapi.grpc;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fedmesh.api.v1.Cluster;
import dev.fedmesh.api.v1.ClusterServiceGrpc;
import dev.fedmesh.api.v1.CreateClusterRequest;
import dev.fedmesh.api.v1.CreateClusterResponse;
import dev.fedmesh.api.v1.GetClusterRequest;
import dev.fedmesh.api.v1.ListClustersRequest;
import dev.fedmesh.api.v1.ListClustersResponse;
import dev.fedmesh.api.v1.DeleteClusterRequest;
import dev.fedmesh.api.v1.DeleteClusterResponse;
import dev.fedmesh.api.v1.ReissueBootstrapCredentialRequest;
import dev.fedmesh.api.v1.ReissueBootstrapCredentialResponse;
import dev.fedmesh.controlapi.auth.Access;
import dev.fedmesh.controlapi.auth.Permission;
import dev.fedmesh.controlapi.auth.Principal;
import dev.fedmesh.controlapi.http.ApiException;
import dev.fedmesh.controlapi.store.ClusterJson;
import dev.fedmesh.controlapi.store.ClusterSpec;
import dev.fedmesh.controlapi.store.ClusterStore;
import dev.fedmesh.controlapi.store.Page;
import dev.fedmesh.controlapi.store.ResourceVersions;
import dev.fedmesh.controlapi.store.TenantStore;
import dev.fedmesh.policy.document.PolicyJson;
import io.grpc.stub.StreamObserver;
import jakarta.inject.Singleton;

/** fedmesh.v1.ClusterService: the REST {@code /api/v1/tenants/{tenant}/clusters} calls over gRPC. */
@Singleton
final class ClusterGrpcService extends ClusterServiceGrpc.ClusterServiceImplBase {
    private final TenantStore tenants;
    private final ClusterStore clusters;

    ClusterGrpcService(TenantStore tenants, ClusterStore clusters) {
        this.tenants = tenants;
        this.clusters = clusters;
    }

    @Override
    public void createCluster(CreateClusterRequest request, StreamObserver<CreateClusterResponse> observer) {
        UnaryCalls.answer("CreateCluster", observer, () -> {
            Principal principal = BearerTokenInterceptor.principal();
            Access.require(principal, request.getTenant(), Permission.WRITE);
            ClusterSpec spec = ClusterJson.read(PolicyJson.toText(json(request.getCluster())));
            if (request.getDryRun()) {
                TenantStore.Preview<ClusterStore.Registered> preview = tenants.preview(request.getTenant(), principal.subject(),
                        change -> clusters.create(change, spec));
                return CreateClusterResponse.newBuilder()
                        .setCluster(WireResources.cluster(preview.result().cluster()))
                        .setDryRun(WireResources.dryRun(preview))
                        .build();
            }
            ClusterStore.Registered registered = tenants.change(request.getTenant(), principal.subject(),
                    change -> clusters.create(change, spec));
            return CreateClusterResponse.newBuilder()
                    .setCluster(WireResources.cluster(registered.cluster()))
                    .setBootstrapCredential(registered.bootstrapCredential())
                    .build();
        });
    }

    @Override
    public void getCluster(GetClusterRequest request, StreamObserver<Cluster> observer) {
        UnaryCalls.answer("GetCluster", observer, () -> {
            Access.require(BearerTokenInterceptor.principal(), request.getTenant(), Permission.READ);
            var owner = tenants.require(request.getTenant());
            return WireResources.cluster(clusters.find(owner.id(), request.getName())
                    .orElseThrow(() -> ApiException.notFound("Cluster '" + request.getName() + "'")));
        });
    }

    @Override
    public void listClusters(ListClustersRequest request, StreamObserver<ListClustersResponse> observer) {
        UnaryCalls.answer("ListClusters", observer, () -> {
            Access.require(BearerTokenInterceptor.principal(), request.getTenant(), Permission.READ);
            Page page = ListFilters.page(request.getLimit(), request.getPageToken());
            var labels = ListFilters.labels(request.getLabelsMap());
            var owner = tenants.require(request.getTenant());
            Page.Result<dev.fedmesh.controlapi.store.Cluster> result = clusters.list(owner.id(), labels, page);
            ListClustersResponse.Builder response = ListClustersResponse.newBuilder();
            result.items().forEach(cluster -> response.addItems(WireResources.cluster(cluster)));
            if (result.nextPageToken() != null) {
                response.setNextPageToken(result.nextPageToken());
            }
            return response.build();
        });
    }

    @Override
    public void reissueBootstrapCredential(ReissueBootstrapCredentialRequest request,
                                           StreamObserver<ReissueBootstrapCredentialResponse> observer) {
        UnaryCalls.answer("ReissueBootstrapCredential", observer, () -> {
            Principal principal = BearerTokenInterceptor.principal();
            Access.require(principal, request.getTenant(), Permission.WRITE);
            String credential = tenants.change(request.getTenant(), principal.subject(),
                    change -> clusters.reissueBootstrapCredential(change, request.getName()));
            return ReissueBootstrapCredentialResponse.newBuilder()
                    .setCluster(request.getName())
                    .setBootstrapCredential(credential)
                    .build();
        });
    }

    @Override
    public void deleteCluster(DeleteClusterRequest request, StreamObserver<DeleteClusterResponse> observer) {
        UnaryCalls.answer("DeleteCluster", observer, () -> {
            Principal principal = BearerTokenInterceptor.principal();
            Access.require(principal, request.getTenant(), Permission.WRITE);
            ResourceVersions.Expected expected = PolicyGrpcService.expected(request.getExpectedResourceVersion());
            tenants.change(request.getTenant(), principal.subject(),
                    change -> clusters.delete(change, request.getName(), expected));
            return DeleteClusterResponse.getDefaultInstance();
        });
    }

    /** The registration as the REST body would carry it; unset fields are left out, as a REST client would. */
    private static ObjectNode json(Cluster cluster) {
        ObjectNode json = JsonNodeFactory.instance.objectNode();
        putIfSet(json, "name", cluster.getName());
        putIfSet(json, "region", cluster.getRegion());
        putIfSet(json, "zone", cluster.getZone());
        putIfSet(json, "network", cluster.getNetwork());
        putIfSet(json, "eastWestGateway", cluster.getEastWestGateway());
        if (cluster.getLabelsCount() > 0) {
            json.set("labels", PolicyJson.writeLabels(cluster.getLabelsMap()));
        }
        return json;
    }

    private static void putIfSet(ObjectNode json, String field, String value) {
        if (!value.isEmpty()) {
            json.put(field, value);
        }
    }
}
