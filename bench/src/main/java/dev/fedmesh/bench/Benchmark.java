package dev.fedmesh.bench;

import dev.fedmesh.policy.xds.ServiceEndpoint;
import dev.fedmesh.standalone.ApiClient;
import dev.fedmesh.standalone.FedmeshStack;
import dev.fedmesh.standalone.sample.GreeterServer;
import dev.fedmesh.testing.EmbeddedKafka;
import dev.fedmesh.testing.EmbeddedPostgres;

import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The benchmark of docs/benchmarks.md, in one run on one machine: propagation at several cluster
 * counts, the PostgreSQL + Kafka floor under it, compile time and record size of a large tenant,
 * and an agent's heap. Prints a table and writes CSV, JSON and a plot to the output directory.
 */
public final class Benchmark {
    private static final String USAGE = """
            usage: java -jar bench/target/fedmesh-bench.jar [--clusters 1,10,100] [--changes 100] [--warm-up 200]
                   [--warm-up-max 3000] [--services 10000] [--policies 10000] [--compile-rounds 20] [--floor-samples 200]
                   [--out bench/target]""";
    // The shared machine's load as each phase begins and at the end: a busy machine explains a slow reading.
    private static final List<Double> LOAD_AVERAGES = new ArrayList<>();

    private Benchmark() {
    }

    /** The knobs of a run; the defaults are the documented run. */
    record Settings(List<Integer> clusters, int changes, PropagationBenchmark.WarmUp warmUp, int services, int policies,
                    int compileRounds, int floorSamples, Path out) {

        static Settings parse(String[] args) {
            Options options = Options.parse(args, USAGE, Set.of("--clusters", "--changes", "--warm-up",
                    "--warm-up-max", "--services", "--policies", "--compile-rounds", "--floor-samples", "--out"));
            List<Integer> clusters = options.integers("--clusters", List.of(1, 10, 100)).stream().sorted().toList();
            int changes = options.integer("--changes", 100);
            int warmUp = options.integer("--warm-up", 200);
            int warmUpMax = options.integer("--warm-up-max", 3000);
            int services = options.integer("--services", 10_000);
            int policies = options.integer("--policies", 10_000);
            int compileRounds = options.integer("--compile-rounds", 20);
            int floorSamples = options.integer("--floor-samples", 200);
            Path out = options.path("--out", Path.of("bench", "target"));
            if (warmUpMax < warmUp) {
                throw new IllegalArgumentException("--warm-up-max " + warmUpMax + " is below --warm-up " + warmUp
                        + ": give a maximum at least the minimum\n" + USAGE);
            }
            return new Settings(clusters, changes, new PropagationBenchmark.WarmUp(warmUp, warmUpMax), services, policies,
                    compileRounds, floorSamples, out);
        }
    }

    public static void main(String[] args) throws Exception {
        Settings settings = Options.parseOrExit(args, Settings::parse);
        Options.logTo(settings.out(), "fedmesh-bench.log");
        Report report = run(settings);
        report.print(System.out);
        report.writeCsv(settings.out().resolve("benchmarks.csv"));
        report.writeJson(settings.out().resolve("benchmarks.json"));
        Path plot = settings.out().resolve("benchmarks-propagation.png");
        new PropagationPlot(report.propagation(), report.floor().paced().floor().p50(), Report.TARGET_P99_AT_100_MS,
                report.startedAt() + ", " + report.machine().summary()).write(plot);
        System.out.println();
        System.out.println("Written: " + settings.out().resolve("benchmarks.csv") + ", "
                + settings.out().resolve("benchmarks.json") + ", " + plot + "; log in "
                + settings.out().resolve("fedmesh-bench.log"));
        System.exit(0);
    }

    private static Report run(Settings settings) throws Exception {
        String startedAt = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
        Path state = settings.out().resolve("agent-state");
        Options.deleteRecursively(state);
        Machine.progress(LOAD_AVERAGES, "starting embedded PostgreSQL and Kafka");
        try (EmbeddedPostgres postgres = EmbeddedPostgres.start(null, 0);
             EmbeddedKafka kafka = EmbeddedKafka.start(null, 0)) {
            Machine.progress(LOAD_AVERAGES, "compile: %d clusters, %d services, %d policies", 100, settings.services(), settings.policies());
            CompileBenchmark.Result compile = new CompileBenchmark(100, settings.services(), settings.policies(),
                    settings.compileRounds()).run();

            Machine.progress(LOAD_AVERAGES, "agent heap: 1 service, then %d services", settings.services());
            AgentHeapBenchmark heapBenchmark = new AgentHeapBenchmark(kafka.bootstrapServers(), state.resolve("heap"));
            // The first agent of the JVM also fills static caches (gRPC, Kafka, protobuf): measured, then ignored.
            heapBenchmark.measure(1, 1);
            List<AgentHeapBenchmark.Result> heap = List.of(heapBenchmark.measure(1, 1),
                    heapBenchmark.measure(settings.services(), settings.policies()));

            Machine.progress(LOAD_AVERAGES, "starting control-api and the distributor");
            String token = HexFormat.of().formatHex(new SecureRandom().generateSeed(24));
            String jdbcUrl = postgres.createDatabase("fedmesh");
            try (FedmeshStack stack = FedmeshStack.start(new FedmeshStack.Options(jdbcUrl, postgres.username(),
                    postgres.password(), kafka.bootstrapServers(), "fedmesh-bench", token, 0, 0, state.resolve("stack")));
                 GreeterServer v1 = GreeterServer.start("bench", "v1");
                 GreeterServer v2 = GreeterServer.start("bench", "v2")) {
                List<ServiceEndpoint> greeter = List.of(
                        new ServiceEndpoint("greeter", "127.0.0.1", v1.port(), Map.of("version", "v1")),
                        new ServiceEndpoint("greeter", "127.0.0.1", v2.port(), Map.of("version", "v2")));
                PropagationBenchmark propagation = new PropagationBenchmark(stack, new ApiClient(stack.apiUrl(), token),
                        kafka.bootstrapServers(), "fedmesh-bench", greeter);
                List<PropagationBenchmark.Result> results = new ArrayList<>();
                for (int clusters : settings.clusters()) {
                    Machine.progress(LOAD_AVERAGES, "propagation: %d cluster(s), %d changes after %d to %d warm-up changes (until the JIT"
                            + " is quiet, 3 min at most)", clusters, settings.changes(), settings.warmUp().minimum(),
                            settings.warmUp().maximum());
                    results.add(propagation.run(clusters, settings.changes(), settings.warmUp()));
                }

                // The floor carries the very bytes the distributor published for one of 10 clusters.
                PropagationBenchmark.Result sized = results.stream()
                        .min(Comparator.comparingInt(result -> Math.abs(result.clusters() - 10))).orElseThrow();
                Machine.progress(LOAD_AVERAGES, "floor: %d samples with a %d-byte record back to back, then %d each after a %d ms pause",
                        settings.floorSamples(), sized.record().length, settings.floorSamples(),
                        PropagationBenchmark.PAUSE_BETWEEN_CHANGES.toMillis());
                FloorBenchmark.Result floor = new FloorBenchmark(postgres.createDatabase("bench_floor"),
                        postgres.username(), postgres.password(), kafka.bootstrapServers())
                        .run(sized.record(), settings.floorSamples(), sized.clusters(),
                                PropagationBenchmark.PAUSE_BETWEEN_CHANGES);
                LOAD_AVERAGES.add(Machine.loadAverage());
                return new Report(Machine.current(), startedAt, settings.changes(), results, floor, compile, heap,
                        List.copyOf(LOAD_AVERAGES));
            }
        }
    }
}
