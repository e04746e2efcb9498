package dev.fedmesh.bench;

import dev.fedmesh.agent.ClusterAgent;
import dev.fedmesh.api.v1.ProxyStatus;
import dev.fedmesh.api.v1.ProxySyncState;
import dev.fedmesh.api.v1.ResourceTypeStatus;
import dev.fedmesh.sample.v1.GreeterGrpc;
import dev.fedmesh.sample.v1.HelloReply;
import dev.fedmesh.sample.v1.HelloRequest;
import dev.fedmesh.testing.xds.ProxylessClients;
import io.grpc.ManagedChannel;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * A real proxyless gRPC client of one cluster's greeter, resolved through that cluster's agent
 * over xDS. It has received a revision when the agent saw it ACK, for every resource type, the
 * snapshot of that revision (the client parsed, validated and took it); it is routed by the
 * revision when a call is answered by the version the new route sends every call to.
 */
final class ClientWatcher implements AutoCloseable {
    private static final HelloRequest HELLO = HelloRequest.newBuilder().setName("bench").build();
    private static final long PAUSE_NANOS = TimeUnit.MICROSECONDS.toNanos(500);

    private final String cluster;
    private final String node;
    private final ClusterAgent agent;
    private final ManagedChannel channel;
    private final GreeterGrpc.GreeterBlockingStub greeter;

    ClientWatcher(String cluster, ClusterAgent agent) {
        this.cluster = cluster;
        this.node = "bench-client-" + cluster;
        this.agent = agent;
        this.channel = ProxylessClients.channel("127.0.0.1:" + agent.xdsPort(), node, "greeter");
        this.greeter = GreeterGrpc.newBlockingStub(channel).withWaitForReady();
    }

    String cluster() {
        return cluster;
    }

    /** Whether the agent has seen this client ACK the snapshot of {@code revision} (or a newer one) for every type. */
    boolean received(long revision) {
        for (ProxyStatus proxy : agent.proxies()) {
            if (proxy.getNodeId().equals(node)) {
                return proxy.getState() == ProxySyncState.SYNCED && proxy.getTypesCount() > 0
                        && proxy.getTypesList().stream().allMatch(type -> revisionOf(type) >= revision);
            }
        }
        return false;
    }

    /** The revision a snapshot version ({@code <revision>.<inventory generation>-<digest>}) was built from. */
    private static long revisionOf(ResourceTypeStatus type) {
        String version = type.getAckedVersion();
        int dot = version.indexOf('.');
        return dot > 0 ? Long.parseLong(version.substring(0, dot)) : -1;
    }

    /** Calls until {@code version} answers; returns System.nanoTime() of that answer. */
    long awaitRouted(String version, Duration patience) {
        long deadline = System.nanoTime() + patience.toNanos();
        while (true) {
            HelloReply reply = greeter.withDeadlineAfter(10, TimeUnit.SECONDS).sayHello(HELLO);
            long answered = System.nanoTime();
            if (reply.getVersion().equals(version)) {
                return answered;
            }
            if (answered > deadline) {
                throw new IllegalStateException("the client in cluster " + cluster + " still reached "
                        + reply.getVersion() + " instead of " + version + " after " + patience.toSeconds() + " s");
            }
            LockSupport.parkNanos(PAUSE_NANOS);
        }
    }

    @Override
    public void close() {
        ProxylessClients.close(channel);
    }
}
