package dev.fedmesh.controlapi.grpc;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import dev.fedmesh.api.v1.AuditServiceGrpc;
import dev.fedmesh.api.v1.ClusterServiceGrpc;
import dev.fedmesh.api.v1.PolicyServiceGrpc;
import dev.fedmesh.api.v1.ServiceServiceGrpc;
import dev.fedmesh.api.v1.TenantServiceGrpc;
import dev.fedmesh.api.v1.TokenServiceGrpc;
import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;

import java.util.concurrent.TimeUnit;

/** A real grpc-java client of the management API over a real port, sending a bearer token as grpcurl -H would. */
final class GrpcClient implements AutoCloseable {
    /** Only a guard against a hung test, never an assertion. */
    private static final long DEADLINE_SECONDS = 60;
    private final ManagedChannel channel;

    GrpcClient(int port) {
        channel = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
    }

    /** The channel sending {@code authorization: Bearer <token>}, or no authorization when token is null. */
    Channel as(String token) {
        if (token == null) {
            return channel;
        }
        Metadata headers = new Metadata();
        headers.put(BearerTokenInterceptor.AUTHORIZATION, "Bearer " + token);
        return ClientInterceptors.intercept(channel, MetadataUtils.newAttachHeadersInterceptor(headers));
    }

    TenantServiceGrpc.TenantServiceBlockingStub tenants(String token) {
        return TenantServiceGrpc.newBlockingStub(as(token)).withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS);
    }

    ClusterServiceGrpc.ClusterServiceBlockingStub clusters(String token) {
        return ClusterServiceGrpc.newBlockingStub(as(token)).withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS);
    }

    ServiceServiceGrpc.ServiceServiceBlockingStub services(String token) {
        return ServiceServiceGrpc.newBlockingStub(as(token)).withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS);
    }

    TokenServiceGrpc.TokenServiceBlockingStub tokens(String token) {
        return TokenServiceGrpc.newBlockingStub(as(token)).withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS);
    }

    AuditServiceGrpc.AuditServiceBlockingStub audit(String token) {
        return AuditServiceGrpc.newBlockingStub(as(token)).withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS);
    }

    PolicyServiceGrpc.PolicyServiceBlockingStub policies(String token) {
        return PolicyServiceGrpc.newBlockingStub(as(token)).withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS);
    }

    Channel channel() {
        return channel;
    }

    /** A request message read from the JSON grpcurl would send with -d. */
    @SuppressWarnings("unchecked")
    static <T extends Message> T fromJson(String json, T prototype) {
        Message.Builder builder = prototype.newBuilderForType();
        try {
            JsonFormat.parser().merge(json, builder);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalArgumentException("not a " + prototype.getDescriptorForType().getFullName() + ": " + json, e);
        }
        return (T) builder.build();
    }

    @Override
    public void close() throws InterruptedException {
        channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
    }
}
