package dev.fedmesh.bench;

import dev.fedmesh.agent.ClusterAgent;
import dev.fedmesh.api.v1.ProxyStatus;
import dev.fedmesh.api.v1.ProxySyncState;
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
 * over xDS. It has received a revision when the agent serves that revision (or a newer one) and
 * has seen the client ACK the served version of every resource type it asked for (the client
 * parsed, validated and took them); it is routed by the revision when a call is answered by the
 * version the new route sends every call to.
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

    /** Whether the agent serves {@code revision} or a newer one and has seen this client ACK all of it. */
    boolean received(long revision) {
        // The revision first: the proxies are then judged against its snapshot or a newer one.
        if (agent.appliedRevision() < revision) {
            return false;
        }
        for (ProxyStatus proxy : agent.proxies()) {
            if (proxy.getNodeId().equals(node)) {
                return proxy.getState() == ProxySyncState.SYNCED;
            }
        }
        return false;
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
