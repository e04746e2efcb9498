package dev.fedmesh.bench.federation;

import dev.fedmesh.agent.ClusterAgent;
import dev.fedmesh.api.v1.ProxyStatus;
import dev.fedmesh.api.v1.ProxySyncState;
import dev.fedmesh.api.v1.ResourceTypeStatus;
import dev.fedmesh.sample.v1.GreeterGrpc;
import dev.fedmesh.sample.v1.HelloRequest;
import dev.fedmesh.testing.xds.ProxylessClients;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * A real proxyless gRPC client of one service in one cluster, resolved through that cluster's agent
 * over xDS, and what it has taken of the service's endpoints: the EDS version it last ACKed at its
 * agent (the client parsed, validated and took that ClusterLoadAssignment).
 */
final class EdsWatcher implements AutoCloseable {
    static final String EDS_TYPE = "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment";

    private final String cluster;
    private final String node;
    private final ClusterAgent agent;
    private final ManagedChannel channel;

    /**
     * Connects and makes one call, so the client subscribes to the service's listener, route, cluster
     * and endpoints. An agent busy translating 100 clusters' inventories on two cores may answer after
     * grpc-java's 15 s wait for a resource, which fails the call: it is made again until one passes.
     */
    EdsWatcher(String cluster, ClusterAgent agent, String service) {
        this.cluster = cluster;
        this.node = "bench-client-" + cluster;
        this.agent = agent;
        this.channel = ProxylessClients.channel("127.0.0.1:" + agent.xdsPort(), node, service);
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
        while (true) {
            try {
                GreeterGrpc.newBlockingStub(channel).withWaitForReady().withDeadlineAfter(120, TimeUnit.SECONDS)
                        .sayHello(HelloRequest.newBuilder().setName("bench").build());
                return;
            } catch (StatusRuntimeException e) {
                if (System.nanoTime() - deadline > 0) {
                    ProxylessClients.close(channel);
                    throw e;
                }
                LockSupport.parkNanos(TimeUnit.SECONDS.toNanos(1));
            }
        }
    }

    String cluster() {
        return cluster;
    }

    ClusterAgent agent() {
        return agent;
    }

    /** The EDS version this client last ACKed, or "" before its first ACK. */
    String ackedEds() {
        for (ProxyStatus proxy : agent.proxies()) {
            if (proxy.getNodeId().equals(node)) {
                for (ResourceTypeStatus type : proxy.getTypesList()) {
                    if (type.getTypeUrl().equals(EDS_TYPE)) {
                        return type.getAckedVersion();
                    }
                }
            }
        }
        return "";
    }

    /** Whether the client has ACKed every type its agent serves now. */
    boolean inSync() {
        for (ProxyStatus proxy : agent.proxies()) {
            if (proxy.getNodeId().equals(node)) {
                return proxy.getState() == ProxySyncState.SYNCED;
            }
        }
        return false;
    }

    /**
     * Whether the agent's translation thread is at work. The agent translates inventory changes on
     * that one thread after the change is already held, so an agent holding an inventory and a client
     * in sync with what it serves may still be one translation short of it; the thread is idle only
     * once every change it was told of is served.
     */
    boolean agentTranslating() {
        String name = "xds-translate-" + agent.settings().tenant() + "-" + agent.settings().cluster();
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        for (ThreadInfo info : threads.getThreadInfo(threads.getAllThreadIds())) {
            if (info != null && info.getThreadName().equals(name)) {
                return info.getThreadState() == Thread.State.RUNNABLE || info.getThreadState() == Thread.State.BLOCKED;
            }
        }
        throw new IllegalStateException("no thread " + name + ": the agent's publisher names its thread otherwise");
    }

    @Override
    public void close() {
        ProxylessClients.close(channel);
    }
}
