package dev.fedmesh.bench;

import dev.fedmesh.agent.AgentSettings;
import dev.fedmesh.agent.ClusterAgent;
import dev.fedmesh.agent.desired.LastKnownGood;
import dev.fedmesh.api.v1.DesiredConfig;
import dev.fedmesh.policy.compiler.DesiredConfigCompiler;
import dev.fedmesh.policy.compiler.TenantState;
import dev.fedmesh.trust.signing.ConfigSigningKey;
import dev.fedmesh.trust.signing.ConfigVerifier;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The heap one agent retains while serving a config: heap used after GC with the agent running,
 * minus heap used after GC before it started. The config reaches the agent as its last-known-good
 * file, the same path it takes after a restart, so no Kafka record is needed.
 */
final class AgentHeapBenchmark {

    /** Retained heap of an agent serving {@code services} services (two endpoints each) and {@code policies} policies. */
    record Result(int services, int policies, int endpoints, long retainedBytes) {
    }

    private static final String TENANT = "bench-heap";
    private static final AtomicInteger RUNS = new AtomicInteger();

    private final String kafkaBootstrapServers;
    private final Path stateDirectory;

    AgentHeapBenchmark(String kafkaBootstrapServers, Path stateDirectory) {
        this.kafkaBootstrapServers = kafkaBootstrapServers;
        this.stateDirectory = stateDirectory;
    }

    Result measure(int services, int policies) {
        String cluster = SyntheticTenant.cluster(0);
        Path directory = stateDirectory.resolve("run-" + RUNS.incrementAndGet());
        saveLastKnownGood(directory, cluster, services, policies);
        long before = usedHeapAfterGc();
        // The config arrives as the agent's own last-known-good file, which it trusts without a signature.
        AgentSettings settings = AgentSettings.builder(TENANT, cluster)
                .kafkaBootstrapServers(kafkaBootstrapServers)
                .configVerifier(ConfigVerifier.trusting(ConfigSigningKey.generate().publicKey()))
                .topicPrefix("fedmesh-bench-heap")
                .xdsPort(0)
                .stateDirectory(directory)
                .endpoints(SyntheticTenant.endpoints(services))
                .build();
        try (ClusterAgent agent = ClusterAgent.start(settings)) {
            if (agent.appliedRevision() < 1) {
                throw new IllegalStateException("the agent did not serve its last-known-good config from "
                        + directory);
            }
            long after = usedHeapAfterGc();
            return new Result(services, policies, services * 2, after - before);
        }
    }

    private static void saveLastKnownGood(Path directory, String cluster, int services, int policies) {
        TenantState state = SyntheticTenant.state(TENANT, 1, 1, services, policies);
        DesiredConfig config = DesiredConfigCompiler.compile(state).get(cluster);
        try {
            new LastKnownGood(directory, TENANT, cluster).save(config);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the agent's last-known-good config to " + directory, e);
        }
    }

    private static long usedHeapAfterGc() {
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        long used = Long.MAX_VALUE;
        // Several full collections, keeping the lowest reading: finalizers and reference queues settle.
        for (int i = 0; i < 4; i++) {
            System.gc();
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted measuring the heap", e);
            }
            used = Math.min(used, memory.getHeapMemoryUsage().getUsed());
        }
        return used;
    }
}
