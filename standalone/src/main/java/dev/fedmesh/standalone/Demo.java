package dev.fedmesh.standalone;

import dev.fedmesh.agent.ClusterAgent;
import dev.fedmesh.policy.document.PolicyJson;
import dev.fedmesh.policy.xds.ServiceEndpoint;
import dev.fedmesh.standalone.sample.GreeterServer;
import dev.fedmesh.standalone.sample.SampleControl;
import dev.fedmesh.standalone.sample.TrafficClient;
import dev.fedmesh.testing.EmbeddedKafka;
import dev.fedmesh.testing.EmbeddedPostgres;

import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * {@code ./fedmesh demo}: PostgreSQL, Kafka, control-api, the distributor and two clusters with
 * a sample greeter service (v1 and v2) and a client sending it traffic through xDS, in one JVM
 * until Ctrl-C. Each agent starts with its cluster's bootstrap credential, so it gets an
 * intermediate from the built-in CA and writes SVID files for greeter. A loopback switch
 * ({@link SampleControl}) stops a cluster's greeters and starts them again, to watch failover.
 */
public final class Demo {
    static final String TENANT = "demo";
    static final List<String> CLUSTERS = List.of("east", "west");
    /** Where each cluster runs: two zones of one region. */
    static final Map<String, String> LOCALITIES = Map.of(
            "east", "\"region\": \"us-east1\", \"zone\": \"us-east1-b\"",
            "west", "\"region\": \"us-east1\", \"zone\": \"us-east1-c\"");
    static final String ROUTE = """
            {"kind": "TrafficRoute", "name": "greeter-split",
             "target": {"service": "greeter"},
             "spec": {"split": [{"subset": {"version": "v1"}, "weight": 100},
                                {"subset": {"version": "v2"}, "weight": 0}]}}""";

    private final Deque<AutoCloseable> running = new ArrayDeque<>();

    public static void main(String[] args) throws InterruptedException {
        int apiPort = 8080;
        int grpcPort = 9090;
        int controlPort = 8079;
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--api-port") && i + 1 < args.length) {
                apiPort = Integer.parseInt(args[++i]);
            } else if (args[i].equals("--grpc-port") && i + 1 < args.length) {
                grpcPort = Integer.parseInt(args[++i]);
            } else if (args[i].equals("--control-port") && i + 1 < args.length) {
                controlPort = Integer.parseInt(args[++i]);
            } else {
                System.err.println("usage: ./fedmesh demo [--api-port PORT] [--grpc-port PORT] [--control-port PORT]");
                System.exit(2);
            }
        }
        Demo demo = new Demo();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.out.println("\nStopping fedmesh...");
            demo.stop();
            stopped.countDown();
        }, "fedmesh-demo-shutdown"));
        try {
            demo.start(apiPort, grpcPort, controlPort);
        } catch (RuntimeException e) {
            System.err.println("fedmesh demo could not start: " + e.getMessage());
            System.exit(1);
        }
        stopped.await();
    }

    private void start(int apiPort, int grpcPort, int controlPort) {
        Path agentState = keep(new TemporaryDirectory("fedmesh-demo-agents-")).path();
        System.out.println("Starting embedded PostgreSQL and Kafka...");
        EmbeddedPostgres postgres = keep(EmbeddedPostgres.start(null, 0));
        EmbeddedKafka kafka = keep(EmbeddedKafka.start(null, 0));
        String token = HexFormat.of().formatHex(new SecureRandom().generateSeed(24));
        String jdbcUrl = postgres.createDatabase("fedmesh");

        FedmeshStack stack = keep(FedmeshStack.start(new FedmeshStack.Options(jdbcUrl, postgres.username(),
                postgres.password(), kafka.bootstrapServers(), "fedmesh", token, apiPort, grpcPort, agentState)));
        ApiClient api = new ApiClient(stack.apiUrl(), token);
        api.expectOk(api.post("/api/v1/tenants", "{\"name\": \"" + TENANT + "\"}"), "creating tenant " + TENANT);
        Map<String, String> credentials = new LinkedHashMap<>();
        for (String cluster : CLUSTERS) {
            ApiClient.Answer registered = api.expectOk(api.post("/api/v1/tenants/" + TENANT + "/clusters",
                    "{\"name\": \"" + cluster + "\", " + LOCALITIES.get(cluster) + "}"), "registering cluster " + cluster);
            credentials.put(cluster, PolicyJson.parse(registered.body()).path("bootstrapCredential").asText());
        }
        api.expectOk(api.put("/api/v1/tenants/" + TENANT + "/policies/greeter-split", ROUTE), "creating the route");

        SampleControl control = keep(SampleControl.start(controlPort));
        for (String cluster : CLUSTERS) {
            ClusterAgent agent = stack.startAgent(TENANT, cluster, credentials.get(cluster));
            List<GreeterServer> greeters = new ArrayList<>();
            for (String version : List.of("v1", "v2")) {
                GreeterServer greeter = GreeterServer.start(cluster, version);
                greeters.add(greeter);
                agent.inventory().register(new ServiceEndpoint("greeter", "127.0.0.1", greeter.port(),
                        Map.of("version", version)));
            }
            control.manage(cluster, greeters);
        }
        System.out.println();
        System.out.println("fedmesh is running.");
        System.out.println("  API          " + stack.apiUrl() + "   (OpenAPI UI: " + stack.apiUrl().resolve("/openapi/ui/") + ")");
        System.out.println("  gRPC API     " + stack.grpcAddress());
        System.out.println("  PostgreSQL   " + postgres.host() + ":" + postgres.port() + "   Kafka " + kafka.bootstrapServers());
        System.out.println("  xDS          " + String.join(", ", CLUSTERS.stream()
                .map(cluster -> cluster + " 127.0.0.1:" + stack.agent(cluster).xdsPort()).toList()));
        System.out.println("  admin token  " + token);
        System.out.println("  demo switch  127.0.0.1:" + control.port() + "   (stops and starts a cluster's greeters)");
        System.out.println("  tenant       " + TENANT + ", clusters " + String.join(" and ", CLUSTERS));
        System.out.println("  SVID files   " + agentState + "/<cluster>/" + TENANT + "/<cluster>/workloads/default/greeter/");
        System.out.println();
        System.out.println("Move 80% of greeter's traffic to v2:");
        System.out.println("  export FEDMESH_API=" + stack.apiUrl() + " FEDMESH_TOKEN=" + token);
        System.out.println("  curl -sS -X PUT \"$FEDMESH_API/api/v1/tenants/demo/policies/greeter-split\" \\");
        System.out.println("    -H \"Authorization: Bearer $FEDMESH_TOKEN\" -H 'Content-Type: application/json' \\");
        System.out.println("    -d '" + ROUTE.replace("\n", "").replaceAll(" +", " ")
                .replace("\"weight\": 100", "\"weight\": 20").replace("\"weight\": 0", "\"weight\": 80") + "'");
        System.out.println("Take east's greeters down, and watch east's traffic served by west's; then bring them back:");
        System.out.println("  curl -sS -X POST http://127.0.0.1:" + control.port() + "/clusters/east/greeter/stop");
        System.out.println("  curl -sS -X POST http://127.0.0.1:" + control.port() + "/clusters/east/greeter/start");
        System.out.println("Where greeter's traffic from each cluster would go if east went down:");
        System.out.println("  curl -sS \"$FEDMESH_API/api/v1/tenants/demo/services/greeter/failover-preview?down=east\" \\");
        System.out.println("    -H \"Authorization: Bearer $FEDMESH_TOKEN\"");
        System.out.println("Ctrl-C stops everything.");
        System.out.println();
        for (String cluster : CLUSTERS) {
            keep(TrafficClient.start(cluster, "127.0.0.1:" + stack.agent(cluster).xdsPort(), System.out, 2000));
        }
    }

    private <T extends AutoCloseable> T keep(T component) {
        synchronized (running) {
            running.push(component);
        }
        return component;
    }

    private void stop() {
        synchronized (running) {
            while (!running.isEmpty()) {
                try {
                    running.pop().close();
                } catch (Exception e) {
                    System.err.println("fedmesh: a component failed to stop cleanly: " + e.getMessage());
                }
            }
        }
    }
}
