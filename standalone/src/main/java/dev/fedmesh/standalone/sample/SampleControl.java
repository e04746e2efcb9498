package dev.fedmesh.standalone.sample;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The demo's fault switch, on loopback: {@code POST /clusters/<cluster>/greeter/stop} stops every
 * greeter instance of that cluster as a crash would (their ports close), {@code .../start} starts them
 * again on the same ports. Nothing tells fedmesh: its agents notice by themselves.
 */
public final class SampleControl implements AutoCloseable {
    private static final Pattern PATH = Pattern.compile("/clusters/([a-z0-9-]{1,63})/greeter/(stop|start)");

    private final HttpServer server;
    private final Map<String, List<GreeterServer>> greeters = new TreeMap<>();

    private SampleControl(HttpServer server) {
        this.server = server;
    }

    /** Listens on 127.0.0.1:{@code port} (0: a free port). */
    public static SampleControl start(int port) {
        HttpServer server;
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 0);
        } catch (IOException e) {
            throw new UncheckedIOException("the demo's sample control could not listen on 127.0.0.1:" + port
                    + " (choose another with --control-port)", e);
        }
        SampleControl control = new SampleControl(server);
        server.createContext("/", control::handle);
        server.setExecutor(Executors.newSingleThreadExecutor(runnable -> {
            Thread thread = new Thread(runnable, "fedmesh-demo-control");
            thread.setDaemon(true);
            return thread;
        }));
        server.start();
        return control;
    }

    /** The greeter instances of {@code cluster} this switch stops and starts. */
    public synchronized void manage(String cluster, List<GreeterServer> instances) {
        greeters.put(cluster, new java.util.ArrayList<>(instances));
    }

    public int port() {
        return server.getAddress().getPort();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            Matcher matcher = PATH.matcher(exchange.getRequestURI().getPath());
            if (!matcher.matches()) {
                answer(exchange, 404, "unknown path: use POST /clusters/<cluster>/greeter/stop or /start\n");
            } else if (!exchange.getRequestMethod().equals("POST")) {
                answer(exchange, 405, "use POST\n");
            } else {
                String cluster = matcher.group(1);
                boolean stop = matcher.group(2).equals("stop");
                String done = stop ? stop(cluster) : start(cluster);
                answer(exchange, done == null ? 404 : 200, done == null
                        ? "no cluster " + cluster + " runs greeters here: " + greeters.keySet() + "\n" : done + "\n");
            }
        }
    }

    private synchronized String stop(String cluster) {
        List<GreeterServer> instances = greeters.get(cluster);
        if (instances == null) {
            return null;
        }
        instances.forEach(GreeterServer::close);
        return "stopped " + instances.size() + " greeter instance(s) in " + cluster;
    }

    private synchronized String start(String cluster) {
        List<GreeterServer> instances = greeters.get(cluster);
        if (instances == null) {
            return null;
        }
        int started = 0;
        for (int i = 0; i < instances.size(); i++) {
            GreeterServer old = instances.get(i);
            if (old.isStopped()) {
                instances.set(i, GreeterServer.start(cluster, old.version(), old.port()));
                started++;
            }
        }
        return "started " + started + " greeter instance(s) in " + cluster;
    }

    private static void answer(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
    }

    /** Stops the switch and every greeter it manages. */
    @Override
    public synchronized void close() {
        server.stop(0);
        greeters.values().forEach(instances -> instances.forEach(GreeterServer::close));
    }
}
