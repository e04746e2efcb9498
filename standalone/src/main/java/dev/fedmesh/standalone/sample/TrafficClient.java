package dev.fedmesh.standalone.sample;

import dev.fedmesh.sample.v1.GreeterGrpc;
import dev.fedmesh.sample.v1.HelloReply;
import dev.fedmesh.sample.v1.HelloRequest;
import dev.fedmesh.testing.xds.ProxylessClients;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;

import java.io.PrintStream;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * A proxyless gRPC client of {@code xds:///greeter}, configured only by its cluster's agent,
 * that calls without pause and reports which versions answered in each interval.
 */
public final class TrafficClient implements AutoCloseable {
    private final ManagedChannel channel;
    private final Thread thread;
    private final PrintStream out;
    private final String cluster;
    private final long reportEveryMillis;
    private volatile boolean running = true;

    private TrafficClient(String cluster, String adsAddress, PrintStream out, long reportEveryMillis) {
        this.cluster = cluster;
        this.out = out;
        this.reportEveryMillis = reportEveryMillis;
        this.channel = ProxylessClients.channel(adsAddress, "traffic-client-" + cluster, "greeter");
        this.thread = new Thread(this::run, "greeter-traffic-" + cluster);
        this.thread.setDaemon(true);
    }

    /** Starts calling through the agent at {@code adsAddress} (host:port). */
    public static TrafficClient start(String cluster, String adsAddress, PrintStream out, long reportEveryMillis) {
        TrafficClient client = new TrafficClient(cluster, adsAddress, out, reportEveryMillis);
        client.thread.start();
        return client;
    }

    private void run() {
        GreeterGrpc.GreeterBlockingStub greeter = GreeterGrpc.newBlockingStub(channel);
        Map<String, Integer> counts = new TreeMap<>();
        int failures = 0;
        long windowStart = System.currentTimeMillis();
        while (running) {
            try {
                HelloReply reply = greeter.withWaitForReady().withDeadlineAfter(5, TimeUnit.SECONDS)
                        .sayHello(HelloRequest.newBuilder().setName("demo").build());
                counts.merge(reply.getCluster() + " " + reply.getVersion(), 1, Integer::sum);
            } catch (StatusRuntimeException e) {
                if (!running) {
                    return;
                }
                failures++;
            }
            long now = System.currentTimeMillis();
            if (now - windowStart >= reportEveryMillis) {
                out.println(report(counts, failures));
                counts.clear();
                failures = 0;
                windowStart = now;
            }
            pause();
        }
    }

    private String report(Map<String, Integer> counts, int failures) {
        int total = counts.values().stream().mapToInt(Integer::intValue).sum();
        StringBuilder line = new StringBuilder("[traffic " + cluster + "] greeter: ");
        counts.forEach((version, count) -> line.append(version).append(' ')
                .append(Math.round(100.0 * count / Math.max(1, total))).append("%  "));
        line.append("(").append(total).append(" calls");
        if (failures > 0) {
            line.append(", ").append(failures).append(" failed");
        }
        return line.append(")").toString();
    }

    private void pause() {
        try {
            Thread.sleep(10);
        } catch (InterruptedException e) {
            running = false;
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        running = false;
        thread.interrupt();
        ProxylessClients.close(channel);
    }
}
