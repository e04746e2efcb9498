package dev.fedmesh.bench;

import dev.fedmesh.api.v1.DesiredConfigEnvelope;
import dev.fedmesh.distributor.publish.DesiredConfigPublisher;
import dev.fedmesh.policy.compiler.DesiredConfigCompiler;
import dev.fedmesh.policy.compiler.TenantState;
import dev.fedmesh.trust.signing.ConfigSigningKey;
import net.jpountz.lz4.LZ4Factory;

import java.util.ArrayList;
import java.util.List;

/**
 * Times {@link DesiredConfigCompiler#compile} plus envelope sealing and signing for a large tenant, for one
 * cluster and for all of them, and measures the size of one cluster's record.
 */
final class CompileBenchmark {

    /** What one run found: times per compile-and-seal, and one cluster's record size raw and LZ4-compressed. */
    record Result(int clusters, int services, int policies, Percentiles oneCluster, Percentiles allClusters,
                  int recordBytes, int recordLz4Bytes) {
    }

    private final int clusters;
    private final int services;
    private final int policies;
    private final int rounds;
    private final ConfigSigningKey signingKey = ConfigSigningKey.generate();

    CompileBenchmark(int clusters, int services, int policies, int rounds) {
        this.clusters = clusters;
        this.services = services;
        this.policies = policies;
        this.rounds = rounds;
    }

    Result run() {
        TenantState all = SyntheticTenant.state("bench-compile", 1, clusters, services, policies);
        TenantState one = SyntheticTenant.firstClusterOnly(all);
        byte[] record = compileAndSeal(one).get(0);
        int lz4 = LZ4Factory.fastestInstance().fastCompressor().compress(record).length;

        // Warm-up lets the JIT compile the hot path, as it has in a distributor that has been running.
        for (int i = 0; i < 5; i++) {
            compileAndSeal(one);
        }
        compileAndSeal(all);
        List<Double> oneMillis = time(one, rounds);
        List<Double> allMillis = time(all, Math.max(3, rounds / 4));
        return new Result(clusters, services, policies, Percentiles.of(oneMillis), Percentiles.of(allMillis),
                record.length, lz4);
    }

    private List<Double> time(TenantState state, int rounds) {
        List<Double> millis = new ArrayList<>(rounds);
        for (int i = 0; i < rounds; i++) {
            long start = System.nanoTime();
            List<byte[]> envelopes = compileAndSeal(state);
            millis.add(Percentiles.millisSince(start, System.nanoTime()));
            if (envelopes.size() != state.clusters().size()) {
                throw new IllegalStateException("compiled " + envelopes.size() + " configs for "
                        + state.clusters().size() + " clusters");
            }
        }
        return millis;
    }

    /** What the distributor does per change before Kafka: compile, seal, sign (once for all), serialize each record. */
    private List<byte[]> compileAndSeal(TenantState state) {
        return DesiredConfigPublisher.sealAndSign(DesiredConfigCompiler.compile(state), signingKey).values().stream()
                .map(DesiredConfigEnvelope::toByteArray)
                .toList();
    }
}
