package dev.fedmesh.controlapi.grpc;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.Struct;
import dev.fedmesh.api.v1.ApplyPolicyRequest;
import dev.fedmesh.api.v1.ApplyPolicyResponse;
import dev.fedmesh.api.v1.DeletePolicyRequest;
import dev.fedmesh.api.v1.DeletePolicyResponse;
import dev.fedmesh.api.v1.GetPolicyRequest;
import dev.fedmesh.api.v1.ListPoliciesRequest;
import dev.fedmesh.api.v1.ListPoliciesResponse;
import dev.fedmesh.api.v1.PolicyResource;
import dev.fedmesh.api.v1.PolicyWarning;
import dev.fedmesh.api.v1.PolicyServiceGrpc;
import dev.fedmesh.controlapi.auth.Access;
import dev.fedmesh.controlapi.auth.Permission;
import dev.fedmesh.controlapi.auth.Principal;
import dev.fedmesh.controlapi.http.ApiException;
import dev.fedmesh.controlapi.store.InventoryStore;
import dev.fedmesh.controlapi.store.Page;
import dev.fedmesh.controlapi.store.PolicyQuery;
import dev.fedmesh.controlapi.store.PolicyStore;
import dev.fedmesh.controlapi.store.ResourceVersions;
import dev.fedmesh.controlapi.store.StoredPolicy;
import dev.fedmesh.controlapi.store.TenantStore;
import dev.fedmesh.policy.document.PolicyDocument;
import dev.fedmesh.policy.document.PolicyJson;
import dev.fedmesh.policy.document.Violation;
import io.grpc.stub.StreamObserver;
import jakarta.inject.Singleton;

import java.util.ArrayList;
import java.util.List;

/** fedmesh.v1.PolicyService: the REST {@code /api/v1/tenants/{tenant}/policies} calls over gRPC. */
@Singleton
final class PolicyGrpcService extends PolicyServiceGrpc.PolicyServiceImplBase {
    private final TenantStore tenants;
    private final PolicyStore policies;
    private final InventoryStore inventories;

    PolicyGrpcService(TenantStore tenants, PolicyStore policies, InventoryStore inventories) {
        this.tenants = tenants;
        this.policies = policies;
        this.inventories = inventories;
    }

    @Override
    public void applyPolicy(ApplyPolicyRequest request, StreamObserver<ApplyPolicyResponse> observer) {
        UnaryCalls.answer("ApplyPolicy", observer, () -> {
            Principal principal = BearerTokenInterceptor.principal();
            Access.require(principal, request.getTenant(), Permission.WRITE);
            PolicyDocument document = PolicyJson.read(json(request.getPolicy()), null);
            ResourceVersions.Expected expected = expected(request.getExpectedResourceVersion());
            if (request.getDryRun()) {
                TenantStore.Preview<PolicyStore.ApplyResult> preview = tenants.preview(request.getTenant(), principal.subject(),
                        change -> policies.apply(change, document, expected));
                return response(preview.result()).setDryRun(WireResources.dryRun(preview))
                        .addAllWarnings(warnings(request.getTenant(), document)).build();
            }
            PolicyStore.ApplyResult result = tenants.change(request.getTenant(), principal.subject(),
                    change -> policies.apply(change, document, expected));
            return response(result).addAllWarnings(warnings(request.getTenant(), document)).build();
        });
    }

    @Override
    public void getPolicy(GetPolicyRequest request, StreamObserver<PolicyResource> observer) {
        UnaryCalls.answer("GetPolicy", observer, () -> {
            Access.require(BearerTokenInterceptor.principal(), request.getTenant(), Permission.READ);
            var owner = tenants.require(request.getTenant());
            return WireResources.policy(policies.find(owner.id(), request.getName())
                    .orElseThrow(() -> ApiException.notFound("Policy '" + request.getName() + "'")));
        });
    }

    @Override
    public void listPolicies(ListPoliciesRequest request, StreamObserver<ListPoliciesResponse> observer) {
        UnaryCalls.answer("ListPolicies", observer, () -> {
            Access.require(BearerTokenInterceptor.principal(), request.getTenant(), Permission.READ);
            String kind = request.getKind().isEmpty() ? null : request.getKind();
            String target = request.getTarget().isEmpty() ? null : request.getTarget();
            PolicyQuery query = new PolicyQuery(kind, target, ListFilters.labels(request.getLabelsMap()),
                    ListFilters.page(request.getLimit(), request.getPageToken()));
            var owner = tenants.require(request.getTenant());
            Page.Result<StoredPolicy> result = policies.list(owner.id(), query);
            ListPoliciesResponse.Builder response = ListPoliciesResponse.newBuilder();
            result.items().forEach(policy -> response.addItems(WireResources.policy(policy)));
            if (result.nextPageToken() != null) {
                response.setNextPageToken(result.nextPageToken());
            }
            return response.build();
        });
    }

    @Override
    public void deletePolicy(DeletePolicyRequest request, StreamObserver<DeletePolicyResponse> observer) {
        UnaryCalls.answer("DeletePolicy", observer, () -> {
            Principal principal = BearerTokenInterceptor.principal();
            Access.require(principal, request.getTenant(), Permission.WRITE);
            ResourceVersions.Expected expected = expected(request.getExpectedResourceVersion());
            if (request.getDryRun()) {
                return DeletePolicyResponse.newBuilder().setDryRun(WireResources.dryRun(tenants.preview(request.getTenant(),
                        principal.subject(), change -> policies.delete(change, request.getName(), expected)))).build();
            }
            tenants.change(request.getTenant(), principal.subject(),
                    change -> policies.delete(change, request.getName(), expected));
            return DeletePolicyResponse.getDefaultInstance();
        });
    }

    private List<PolicyWarning> warnings(String tenant, PolicyDocument document) {
        return inventories.notEnforced(tenants.require(tenant).id(), document).stream()
                .map(warning -> WireResources.warning(warning, false))
                .toList();
    }

    private static ApplyPolicyResponse.Builder response(PolicyStore.ApplyResult result) {
        return ApplyPolicyResponse.newBuilder()
                .setPolicy(WireResources.policy(result.policy()))
                .setCreated(result instanceof PolicyStore.Applied applied && applied.created());
    }

    /** The policy as a REST body would carry it; unset fields are left out, and output-only fields ignored, as in REST. */
    private static ObjectNode json(PolicyResource policy) {
        List<Violation> violations = new ArrayList<>();
        ObjectNode json = JsonNodeFactory.instance.objectNode();
        if (!policy.getKind().isEmpty()) {
            json.put("kind", policy.getKind());
        }
        if (!policy.getName().isEmpty()) {
            json.put("name", policy.getName());
        }
        if (policy.getLabelsCount() > 0) {
            json.set("labels", PolicyJson.writeLabels(policy.getLabelsMap()));
        }
        if (policy.hasTarget()) {
            json.set("target", StructJson.toJson(policy.getTarget(), "target", violations));
        }
        if (policy.getFromCount() > 0) {
            ArrayNode from = json.putArray("from");
            List<Struct> sources = policy.getFromList();
            for (int i = 0; i < sources.size(); i++) {
                from.add(StructJson.toJson(sources.get(i), "from[" + i + "]", violations));
            }
        }
        if (policy.hasSpec()) {
            json.set("spec", StructJson.toJson(policy.getSpec(), "spec", violations));
        }
        if (!violations.isEmpty()) {
            throw ApiException.invalid(violations);
        }
        return json;
    }

    /** 0 (unset) expects nothing, like a REST write without If-Match. */
    static ResourceVersions.Expected expected(long resourceVersion) {
        return resourceVersion == 0 ? null : new ResourceVersions.Expected(resourceVersion);
    }
}
