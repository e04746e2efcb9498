package dev.fedmesh.controlapi.auth;

import dev.fedmesh.controlapi.RunningApi;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import dev.fedmesh.api.v1.ApplyPolicyRequest;
import dev.fedmesh.api.v1.ApplyServiceRequest;
import dev.fedmesh.api.v1.ClusterServiceGrpc;
import dev.fedmesh.api.v1.CreateClusterRequest;
import dev.fedmesh.api.v1.DeletePolicyRequest;
import dev.fedmesh.api.v1.DeleteServiceRequest;
import dev.fedmesh.api.v1.GetClusterRequest;
import dev.fedmesh.api.v1.GetPolicyRequest;
import dev.fedmesh.api.v1.GetServiceRequest;
import dev.fedmesh.api.v1.GetTenantRequest;
import dev.fedmesh.api.v1.ListClustersRequest;
import dev.fedmesh.api.v1.ListPoliciesRequest;
import dev.fedmesh.api.v1.ListServicesRequest;
import dev.fedmesh.api.v1.PolicyServiceGrpc;
import dev.fedmesh.api.v1.ServiceServiceGrpc;
import dev.fedmesh.api.v1.TenantServiceGrpc;
import io.grpc.CallOptions;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Over gRPC too, a token of one tenant learns nothing about another: its every resource looks missing. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GrpcTenantIsolationTest {
    private static final String ROUTE = """
            {"kind": "TrafficRoute", "target": {"service": "greeter"},
             "spec": {"split": [{"subset": {"version": "v1"}, "weight": 100}]}}""";
    private static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
    private final String missing = "t-missing-tenant";
    private RunningApi api;
    private ManagedChannel channel;
    private String ours;
    private String theirs;

    /** One RPC a user can make, as grpcurl -d would send it; {@code {tenant}} stands for the tenant's name. */
    private record Rpc(MethodDescriptor<?, ?> method, Message prototype, String json) {
        @Override
        public String toString() {
            return method.getFullMethodName() + " " + json;
        }
    }

    @BeforeAll
    void twoTenantsWithResources() {
        api = RunningApi.start(getClass(), Map.of());
        channel = NettyChannelBuilder.forAddress("127.0.0.1", api.grpcPort()).usePlaintext().build();
        ours = api.newTenant();
        theirs = api.newTenant();
        String theirOwner = api.mint(api.adminToken, theirs, "owner", "owner");
        String base = "/api/v1/tenants/" + theirs;
        assertThat(api.send(theirOwner, "POST", base + "/clusters", "{\"name\": \"east\"}").statusCode()).isEqualTo(201);
        assertThat(api.send(theirOwner, "PUT", base + "/services/greeter", "{}").statusCode()).isEqualTo(201);
        assertThat(api.send(theirOwner, "PUT", base + "/policies/greeter-split", ROUTE).statusCode()).isEqualTo(201);
    }

    @AfterAll
    void stop() throws InterruptedException {
        channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
        api.close();
    }

    @Test
    void anotherTenantsResourcesAreAnsweredExactlyAsIfTheyDidNotExist() {
        String policy = "{\"name\": \"greeter-split\", " + ROUTE.substring(1);
        List<Rpc> rpcs = List.of(
                new Rpc(TenantServiceGrpc.getGetTenantMethod(), GetTenantRequest.getDefaultInstance(), "{\"name\": \"{tenant}\"}"),
                new Rpc(ClusterServiceGrpc.getCreateClusterMethod(), CreateClusterRequest.getDefaultInstance(),
                        "{\"tenant\": \"{tenant}\", \"cluster\": {\"name\": \"west\"}}"),
                new Rpc(ClusterServiceGrpc.getCreateClusterMethod(), CreateClusterRequest.getDefaultInstance(),
                        "{\"tenant\": \"{tenant}\", \"cluster\": {\"name\": \"west\"}, \"dryRun\": true}"),
                new Rpc(ClusterServiceGrpc.getGetClusterMethod(), GetClusterRequest.getDefaultInstance(),
                        "{\"tenant\": \"{tenant}\", \"name\": \"east\"}"),
                new Rpc(ClusterServiceGrpc.getListClustersMethod(), ListClustersRequest.getDefaultInstance(),
                        "{\"tenant\": \"{tenant}\"}"),
                new Rpc(ServiceServiceGrpc.getApplyServiceMethod(), ApplyServiceRequest.getDefaultInstance(),
                        "{\"tenant\": \"{tenant}\", \"service\": {\"name\": \"greeter\", \"labels\": {\"team\": \"x\"}}}"),
                new Rpc(ServiceServiceGrpc.getGetServiceMethod(), GetServiceRequest.getDefaultInstance(),
                        "{\"tenant\": \"{tenant}\", \"name\": \"greeter\"}"),
                new Rpc(ServiceServiceGrpc.getListServicesMethod(), ListServicesRequest.getDefaultInstance(),
                        "{\"tenant\": \"{tenant}\"}"),
                new Rpc(ServiceServiceGrpc.getDeleteServiceMethod(), DeleteServiceRequest.getDefaultInstance(),
                        "{\"tenant\": \"{tenant}\", \"name\": \"greeter\"}"),
                new Rpc(PolicyServiceGrpc.getApplyPolicyMethod(), ApplyPolicyRequest.getDefaultInstance(),
                        "{\"tenant\": \"{tenant}\", \"policy\": " + policy + "}"),
                new Rpc(PolicyServiceGrpc.getApplyPolicyMethod(), ApplyPolicyRequest.getDefaultInstance(),
                        "{\"tenant\": \"{tenant}\", \"policy\": " + policy + ", \"dryRun\": true}"),
                new Rpc(PolicyServiceGrpc.getGetPolicyMethod(), GetPolicyRequest.getDefaultInstance(),
                        "{\"tenant\": \"{tenant}\", \"name\": \"greeter-split\"}"),
                new Rpc(PolicyServiceGrpc.getListPoliciesMethod(), ListPoliciesRequest.getDefaultInstance(),
                        "{\"tenant\": \"{tenant}\", \"kind\": \"TrafficRoute\"}"),
                new Rpc(PolicyServiceGrpc.getDeletePolicyMethod(), DeletePolicyRequest.getDefaultInstance(),
                        "{\"tenant\": \"{tenant}\", \"name\": \"greeter-split\", \"dryRun\": true}"),
                new Rpc(PolicyServiceGrpc.getDeletePolicyMethod(), DeletePolicyRequest.getDefaultInstance(),
                        "{\"tenant\": \"{tenant}\", \"name\": \"greeter-split\"}"));
        SoftAssertions softly = new SoftAssertions();

        for (String role : List.of("owner", "viewer")) {
            String token = api.mint(api.adminToken, ours, "our-" + role, role);
            Map<String, Integer> before = api.rowCounts();
            for (Rpc rpc : rpcs) {
                StatusRuntimeException toTheirs = refusal(rpc, token, theirs);
                StatusRuntimeException toNobody = refusal(rpc, token, missing);

                softly.assertThat(toTheirs.getStatus().getCode()).as(role + ": " + rpc).isEqualTo(Status.Code.NOT_FOUND);
                softly.assertThat(String.valueOf(toTheirs.getStatus().getDescription()).replace(theirs, "{tenant}"))
                        .as(role + ": " + rpc)
                        .isEqualTo(String.valueOf(toNobody.getStatus().getDescription()).replace(missing, "{tenant}"));
                softly.assertThat(StatusProto.fromThrowable(toTheirs)).as(role + ": " + rpc + " has details").isNotNull();
                softly.assertThat(String.valueOf(StatusProto.fromThrowable(toTheirs)).replace(theirs, "{tenant}"))
                        .as(role + ": " + rpc + " (google.rpc.Status)")
                        .isEqualTo(String.valueOf(StatusProto.fromThrowable(toNobody)).replace(missing, "{tenant}"));
            }
            softly.assertThat(api.rowCounts()).as("nothing written with our " + role + " token").isEqualTo(before);
        }
        softly.assertAll();
    }

    @SuppressWarnings("unchecked")
    private StatusRuntimeException refusal(Rpc rpc, String token, String tenant) {
        Metadata headers = new Metadata();
        headers.put(AUTHORIZATION, "Bearer " + token);
        MethodDescriptor<Message, Message> method = (MethodDescriptor<Message, Message>) rpc.method();
        try {
            ClientCalls.blockingUnaryCall(ClientInterceptors.intercept(channel, MetadataUtils.newAttachHeadersInterceptor(headers)),
                    method, CallOptions.DEFAULT.withDeadlineAfter(60, TimeUnit.SECONDS), request(rpc, tenant));
        } catch (StatusRuntimeException refused) {
            return refused;
        }
        throw new AssertionError(rpc + " on tenant " + tenant + " was answered, not refused");
    }

    private static Message request(Rpc rpc, String tenant) {
        Message.Builder builder = rpc.prototype().newBuilderForType();
        try {
            JsonFormat.parser().merge(rpc.json().replace("{tenant}", tenant), builder);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalArgumentException(rpc.toString(), e);
        }
        return builder.build();
    }
}
