package dev.fedmesh.bench.dataplane;

import dev.fedmesh.agent.ClusterAgent;
import dev.fedmesh.bench.Machine;
import dev.fedmesh.bench.Options;
import dev.fedmesh.sample.v1.GreeterGrpc;
import dev.fedmesh.sample.v1.HelloRequest;
import dev.fedmesh.standalone.ApiClient;
import dev.fedmesh.standalone.FedmeshStack;
import dev.fedmesh.testing.EmbeddedKafka;
import dev.fedmesh.testing.EmbeddedPostgres;
import io.grpc.ManagedChannel;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

/**
 * What the data plane costs a call: the same greeter called at a constant rate (open loop) over a
 * plain gRPC channel, then over a proxyless channel configured by fedmesh (a real stack and agent,
 * STRICT mTLS, a TrafficPermission, a Retry and a Timeout written through the API), in one run on
 * one machine; latency percentiles, CPU and memory of each, and the mesh's as a ratio of the plain.
 */
public final class DataPlaneBenchmark {
    private static final String USAGE = """
            usage: java -cp bench/target/fedmesh-bench.jar dev.fedmesh.bench.dataplane.DataPlaneBenchmark
                   [--rate 200] [--seconds 60] [--warm-up-seconds 20] [--idle-seconds 10] [--out bench/target]
                   [--leave-out greeter-retries,greeter-timeouts]  (policies of (b) not to write; default none)""";

    private DataPlaneBenchmark() {
    }

    /** The knobs of a run; the defaults are the documented run. */
    record Settings(int rate, Duration measured, Duration warmUp, Duration idle, Path out, Set<String> policies) {

        static Settings parse(String[] args) {
            Options options = Options.parse(args, USAGE, Set.of("--rate", "--seconds", "--warm-up-seconds",
                    "--idle-seconds", "--out", "--leave-out"));
            int rate = options.integer("--rate", 200);
            int seconds = options.integer("--seconds", 60);
            int warmUp = options.integer("--warm-up-seconds", 20);
            int idle = options.integer("--idle-seconds", 10);
            if (rate < 1 || seconds < 1 || warmUp < 0 || idle < 1) {
                throw new IllegalArgumentException("--rate, --seconds and --idle-seconds must be at least 1 and"
                        + " --warm-up-seconds at least 0\n" + USAGE);
            }
            List<String> leftOut = options.words("--leave-out", List.of());
            Set<String> unknown = new TreeSet<>(leftOut);
            unknown.removeAll(MeshedGreeter.POLICIES.keySet());
            if (!unknown.isEmpty()) {
                throw new IllegalArgumentException("--leave-out names policies the benchmark does not write: " + unknown
                        + "; it writes " + MeshedGreeter.POLICIES.keySet() + "\n" + USAGE);
            }
            Set<String> policies = new LinkedHashSet<>(MeshedGreeter.POLICIES.keySet());
            leftOut.forEach(policies::remove);
            return new Settings(rate, Duration.ofSeconds(seconds), Duration.ofSeconds(warmUp), Duration.ofSeconds(idle),
                    options.path("--out", Path.of("bench", "target")), Collections.unmodifiableSet(policies));
        }
    }

    public static void main(String[] args) throws Exception {
        Settings settings = Options.parseOrExit(args, Settings::parse);
        Options.logTo(settings.out(), "fedmesh-dataplane.log");
        DataPlaneReport report = run(settings);
        Path written = settings.out().resolve("dataplane.txt");
        try (PrintStream file = new PrintStream(Files.newOutputStream(written), true, StandardCharsets.UTF_8)) {
            report.print(file);
        }
        report.print(System.out);
        System.out.println();
        System.out.println("Written: " + written + "; log in " + settings.out().resolve("fedmesh-dataplane.log"));
        System.exit(0);
    }

    private static DataPlaneReport run(Settings settings) throws Exception {
        String startedAt = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
        List<Double> loadAverages = new ArrayList<>();
        Path state = settings.out().resolve("dataplane-state");
        Options.deleteRecursively(state);
        OpenLoopLoad load = new OpenLoopLoad(settings.rate());
        Machine.progress(loadAverages, "starting embedded PostgreSQL, Kafka, control-api and the distributor");
        try (EmbeddedPostgres postgres = EmbeddedPostgres.start(null, 0);
             EmbeddedKafka kafka = EmbeddedKafka.start(null, 0)) {
            String token = HexFormat.of().formatHex(new SecureRandom().generateSeed(24));
            try (FedmeshStack stack = FedmeshStack.start(new FedmeshStack.Options(postgres.createDatabase("fedmesh"),
                    postgres.username(), postgres.password(), kafka.bootstrapServers(), "fedmesh-dataplane", token, 0, 0,
                    state))) {
                ApiClient api = new ApiClient(stack.apiUrl(), token);

                Machine.progress(loadAverages, "the stack idle for %d s: the CPU both variants run on top of", settings.idle().toSeconds());
                ProcessUse idleStart = ProcessUse.cpuNow();
                Thread.sleep(settings.idle().toMillis());
                double idleCores = ProcessUse.cpuNow().coresSince(idleStart);

                Machine.progress(loadAverages, "(a) plain gRPC: %d calls/s, %d s warm-up, %d s measured", settings.rate(),
                        settings.warmUp().toSeconds(), settings.measured().toSeconds());
                DataPlaneReport.Variant plain;
                ProcessUse beforePlain = ProcessUse.now();
                try (PlainGreeter greeter = PlainGreeter.start()) {
                    plain = measure("plain gRPC", greeter.channel(), load, settings, beforePlain, idleCores);
                }

                Machine.progress(loadAverages, "(b) fedmesh: tenant, cluster, services and policies through the API, the agent");
                ProcessUse beforeAgent = ProcessUse.now();
                ClusterAgent agent = MeshedGreeter.configure(stack, api, settings.policies());
                ProcessUse withAgent = ProcessUse.now();
                Machine.progress(loadAverages, "(b) fedmesh: greeter's xDS server and frontend's xds:///greeter channel, with SVIDs");
                DataPlaneReport.Variant mesh;
                ServedXds served;
                try (MeshedGreeter greeter = MeshedGreeter.start(agent)) {
                    served = ServedXds.of(greeter.adsAddress(), "greeter");
                    Machine.progress(loadAverages, "(b) fedmesh: %d calls/s, %d s warm-up, %d s measured", settings.rate(),
                            settings.warmUp().toSeconds(), settings.measured().toSeconds());
                    mesh = measure("fedmesh proxyless", greeter.channel(), load, settings, withAgent, idleCores);
                }
                loadAverages.add(Machine.loadAverage());
                return new DataPlaneReport(Machine.current(), startedAt, settings.rate(), settings.measured(),
                        settings.warmUp(), idleCores, plain, mesh, withAgent.heapBytes() - beforeAgent.heapBytes(),
                        withAgent.rssBytes() - beforeAgent.rssBytes(), served, settings.policies(),
                        List.copyOf(loadAverages));
            }
        }
    }

    /** One variant: a first call (waiting for readiness), the warm-up, then the measured window. */
    private static DataPlaneReport.Variant measure(String name, ManagedChannel channel, OpenLoopLoad load, Settings settings,
                                                   ProcessUse before, double idleCores) throws InterruptedException {
        GreeterGrpc.newBlockingStub(channel).withWaitForReady().withDeadlineAfter(60, TimeUnit.SECONDS)
                .sayHello(HelloRequest.newBuilder().setName("first").build());
        if (!settings.warmUp().isZero()) {
            load.run(channel, settings.warmUp());
        }
        ProcessUse start = ProcessUse.cpuNow();
        CallLatencies latencies = load.run(channel, settings.measured());
        ProcessUse end = ProcessUse.cpuNow();
        ProcessUse after = ProcessUse.now();
        double cores = end.coresSince(start);
        double cpuMicrosPerCall = (cores - idleCores) * 1e6 / settings.rate();
        return new DataPlaneReport.Variant(name, latencies, cores, cpuMicrosPerCall, after.heapBytes() - before.heapBytes(),
                after.rssBytes() - before.rssBytes());
    }
}
