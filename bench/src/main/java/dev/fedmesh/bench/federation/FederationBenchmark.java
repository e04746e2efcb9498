package dev.fedmesh.bench.federation;

import dev.fedmesh.bench.Machine;
import dev.fedmesh.bench.Options;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * The federation benchmark of docs/benchmarks.md ("Federation"), in one run on one machine: record
 * sizes, reach and translation at the scale in both network layouts; one endpoint change's
 * way to the callers and endpoint churn on the real pipeline; failover when a cluster goes dark and
 * when a cluster's greeters die. Prints a table and writes JSON to the output directory.
 */
public final class FederationBenchmark {
    private static final String USAGE = """
            usage: java -cp bench/target/fedmesh-bench.jar dev.fedmesh.bench.federation.FederationBenchmark
                   [--parts scale,propagation,churn,failover] [--clusters 100] [--services 1000]
                   [--scale-warm-up 1] [--scale-rounds 5] [--scale-callers 100 (reach checked for c000..)] [--pipeline-services 1000] [--watched 1,50,99 (first, middle, last)]
                   [--warm-up 20] [--changes 100] [--churn-rate 100] [--churn-seconds 30] [--trials 20]
                   [--out bench/target]""";

    private FederationBenchmark() {
    }

    /** The knobs of a run; the defaults are the documented run. */
    record Settings(Set<String> parts, int clusters, int services, int scaleWarmUp, int scaleRounds,
                    int scaleCallers, int pipelineServices, List<Integer> watched, int warmUp, int changes, int churnRate,
                    int churnSeconds, int trials, Path out) {

        static Settings parse(String[] args) {
            Options options = Options.parse(args, USAGE, Set.of("--parts", "--clusters", "--services",
                    "--scale-warm-up", "--scale-rounds", "--scale-callers", "--pipeline-services", "--watched", "--warm-up", "--changes",
                    "--churn-rate", "--churn-seconds", "--trials", "--out"));
            Set<String> parts = new TreeSet<>(options.words("--parts", List.of("scale", "propagation", "churn",
                    "failover")));
            int clusters = options.integer("--clusters", 100);
            int services = options.integer("--services", 1_000);
            int scaleWarmUp = options.integer("--scale-warm-up", 1);
            int scaleRounds = options.integer("--scale-rounds", 5);
            int scaleCallers = options.integer("--scale-callers", clusters);
            int pipelineServices = options.integer("--pipeline-services", 1_000);
            List<Integer> watched = options.integers("--watched", null);
            int warmUp = options.integer("--warm-up", 20);
            int changes = options.integer("--changes", 100);
            int churnRate = options.integer("--churn-rate", 100);
            int churnSeconds = options.integer("--churn-seconds", 30);
            int trials = options.integer("--trials", 20);
            Path out = options.path("--out", Path.of("bench", "target"));
            if (watched == null) {
                // The first, middle and last of the other clusters.
                watched = new ArrayList<>(new TreeSet<>(List.of(1, Math.max(1, clusters / 2), Math.max(1, clusters - 1))));
            }
            Set<String> known = Set.of("scale", "propagation", "churn", "failover");
            for (String part : parts) {
                if (!known.contains(part)) {
                    throw new IllegalArgumentException("--parts: '" + part + "' is not one of " + known + "\n" + USAGE);
                }
            }
            for (int index : watched) {
                if (index <= FederatedPipeline.CHANGED || index >= clusters) {
                    throw new IllegalArgumentException("--watched: cluster index " + index + " must be 1 to "
                            + (clusters - 1) + " (c000 is the one whose endpoints change)\n" + USAGE);
                }
            }
            return new Settings(parts, clusters, services, scaleWarmUp, scaleRounds, scaleCallers, pipelineServices, watched, warmUp,
                    changes, churnRate, churnSeconds, trials, out);
        }
    }

    public static void main(String[] args) throws Exception {
        Settings settings = Options.parseOrExit(args, Settings::parse);
        Options.logTo(settings.out(), "fedmesh-federation-bench.log");
        FederationReport report = run(settings);
        report.print(System.out);
        Path json = settings.out().resolve("benchmarks-federation.json");
        report.writeJson(json);
        System.out.println();
        System.out.println("Written: " + json + "; log in " + settings.out().resolve("fedmesh-federation-bench.log"));
        System.exit(0);
    }

    private static FederationReport run(Settings settings) throws Exception {
        String startedAt = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
        Progress progress = new Progress();
        List<ScaleBenchmark.Result> scale = new ArrayList<>();
        if (settings.parts().contains("scale")) {
            ScaleBenchmark benchmark = new ScaleBenchmark(settings.scaleWarmUp(), settings.scaleRounds(),
                    settings.scaleCallers());
            for (FederatedTenant.Layout layout : FederatedTenant.Layout.values()) {
                progress.note("scale, %s: %d clusters, %d services, 3 endpoints each; %d + %d translations", layout.label(),
                        settings.clusters(), settings.services(), settings.scaleWarmUp(), settings.scaleRounds());
                scale.add(benchmark.run(new FederatedTenant("bench-federation", settings.clusters(), settings.services(),
                        3, layout, "10.", 8080, 8080)));
            }
        }
        Optional<EndpointPropagationBenchmark.Result> propagation = Optional.empty();
        Optional<ChurnBenchmark.Result> churn = Optional.empty();
        List<FailoverBenchmark.Result> failover = List.of();
        boolean pipeline = settings.parts().contains("propagation") || settings.parts().contains("churn");
        if (pipeline || settings.parts().contains("failover")) {
            Path state = settings.out().resolve("federation-state");
            Options.deleteRecursively(state);
            progress.note("starting embedded PostgreSQL and Kafka, control-api and the distributor");
            try (FederationMesh mesh = FederationMesh.start(state)) {
                if (pipeline) {
                    try (FederatedPipeline running = FederatedPipeline.start(mesh, "bench-endpoints", settings.clusters(),
                            settings.pipelineServices(), settings.watched(), progress)) {
                        if (settings.parts().contains("propagation")) {
                            progress.note("propagation: %d warm-up changes, then %d measured", settings.warmUp(),
                                    settings.changes());
                            propagation = Optional.of(new EndpointPropagationBenchmark(running)
                                    .run(settings.warmUp(), settings.changes()));
                        }
                        if (settings.parts().contains("churn")) {
                            progress.note("churn: %d changes per second for %d s", settings.churnRate(),
                                    settings.churnSeconds());
                            List<String> agents = new ArrayList<>();
                            agents.add(FederatedTenant.cluster(FederatedPipeline.CHANGED));
                            settings.watched().forEach(index -> agents.add(FederatedTenant.cluster(index)));
                            churn = Optional.of(new ChurnBenchmark(running, agents)
                                    .run(settings.churnRate(), Duration.ofSeconds(settings.churnSeconds())));
                        }
                    }
                    // The pipeline's agents would share the CPU with the failover's.
                    mesh.stopStarted();
                }
                if (settings.parts().contains("failover")) {
                    FailoverBenchmark benchmark = new FailoverBenchmark(mesh, progress);
                    try {
                        failover = benchmark.run(settings.trials());
                    } finally {
                        benchmark.close();
                    }
                }
            }
        }
        progress.note("done");
        return new FederationReport(Machine.current().summary(), startedAt, scale, propagation, churn, failover,
                progress.loadAverages());
    }
}
