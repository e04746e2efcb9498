package dev.fedmesh.agent.health;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NoRouteToHostException;
import java.net.StandardSocketOptions;
import java.net.UnknownHostException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.channels.UnresolvedAddressException;
import java.nio.channels.UnsupportedAddressTypeException;
import java.time.Duration;
import java.util.Collection;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Queue;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * TCP connect probes, many at once, on one thread: each probe opens a non-blocking
 * {@link SocketChannel}, and one {@link Selector} waits for all of them. A probe passes when the
 * connect completes and fails when it is refused, cannot be routed, or is not done by its timeout;
 * the connection is then reset at once (no data, no TIME_WAIT left on the agent).
 *
 * <p>IP literals are connected to directly. Host names are resolved one after another on a second
 * thread, started at the first name; the time a lookup takes counts against the probe's timeout.
 * Results complete on the prober's thread: stages chained on them must not block.
 */
public final class TcpProber implements AutoCloseable {

    /** Probes of one {@link #probeAll} round running at once. */
    public static final int ROUND_IN_FLIGHT = 512;


    private static final Logger LOG = LoggerFactory.getLogger(TcpProber.class);
    private static final Pattern IPV4_LITERAL = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");

    private final String name;
    private final Selector selector;
    private final Thread loop;
    private final Queue<Attempt> started = new ConcurrentLinkedQueue<>();
    private final Queue<Attempt> submitted = new ConcurrentLinkedQueue<>();
    private final PriorityQueue<Attempt> byDeadline = new PriorityQueue<>(Comparator.comparingLong(Attempt::deadline));
    private ExecutorService resolver;
    private volatile boolean closed;

    /** Starts the prober's thread, named {@code fedmesh-probes-<name>}. */
    public TcpProber(String name) {
        this.name = name;
        try {
            selector = Selector.open();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open a selector for TCP probes", e);
        }
        loop = new Thread(this::run, "fedmesh-probes-" + name);
        loop.setDaemon(true);
        loop.start();
    }

    /** Connects to {@code target}; the result is failed if the connect is not done within {@code timeout}. */
    public CompletableFuture<ProbeResult> probe(ProbeTarget target, Duration timeout) {
        Attempt attempt = new Attempt(target, System.nanoTime() + timeout.toNanos(), timeout.toMillis(),
                new CompletableFuture<>());
        if (closed) {
            attempt.fail("not probed: the prober is closed");
            return attempt.result;
        }
        if (isLiteral(target.host())) {
            try {
                attempt.address = new InetSocketAddress(InetAddress.getByName(target.host()), target.port());
            } catch (UnknownHostException e) {
                attempt.fail("not an IP address");
                return attempt.result;
            }
            started.add(attempt);
            submit(attempt);
        } else {
            started.add(attempt);
            selector.wakeup();
            try {
                resolver().execute(() -> resolveThenSubmit(attempt));
            } catch (RejectedExecutionException e) {
                attempt.fail("not probed: the prober is closed");
            }
        }
        if (closed) {
            attempt.fail("not probed: the prober is closed");
        }
        return attempt.result;
    }

    /**
     * Probes every target (each address once), at most {@link #ROUND_IN_FLIGHT} at a time: the next
     * starts as one ends, each with its own {@code timeout}, so a round of thousands of endpoints never
     * sends thousands of connection attempts at once into the cluster's network (nor at one host's
     * accept queue). Completes when all have a result: at the latest {@code timeout} after the call
     * for up to {@link #ROUND_IN_FLIGHT} targets, and a timeout per further {@link #ROUND_IN_FLIGHT}
     * beyond them, should every probe hang.
     */
    public CompletableFuture<Map<ProbeTarget, ProbeResult>> probeAll(Collection<ProbeTarget> targets, Duration timeout) {
        Round round = new Round(java.util.List.copyOf(new LinkedHashSet<>(targets)), timeout);
        if (round.targets.isEmpty()) {
            return CompletableFuture.completedFuture(new TreeMap<>());
        }
        round.pump();
        return round.done;
    }

    /** One {@link #probeAll} call: its targets started in order, {@link #ROUND_IN_FLIGHT} running at most. */
    private final class Round {
        private final java.util.List<ProbeTarget> targets;
        private final Duration timeout;
        private final Map<ProbeTarget, ProbeResult> results = new TreeMap<>();
        private final CompletableFuture<Map<ProbeTarget, ProbeResult>> done = new CompletableFuture<>();
        private int next;
        private int inFlight;
        private boolean pumping;

        private Round(java.util.List<ProbeTarget> targets, Duration timeout) {
            this.targets = targets;
            this.timeout = timeout;
        }

        /**
         * Starts targets while there is room. One thread pumps at a time; a probe that ends meanwhile
         * (even at once, on the pumping thread) frees its room for the loop already running.
         */
        private void pump() {
            synchronized (this) {
                if (pumping) {
                    return;
                }
                pumping = true;
            }
            while (true) {
                ProbeTarget target;
                synchronized (this) {
                    if (next >= targets.size() || inFlight >= ROUND_IN_FLIGHT) {
                        pumping = false;
                        return;
                    }
                    target = targets.get(next++);
                    inFlight++;
                }
                probe(target, timeout).whenComplete((result, error) -> ended(target,
                        result != null ? result : ProbeResult.failed(String.valueOf(error))));
            }
        }

        private void ended(ProbeTarget target, ProbeResult result) {
            Map<ProbeTarget, ProbeResult> all = null;
            synchronized (this) {
                results.put(target, result);
                inFlight--;
                if (results.size() == targets.size()) {
                    all = new TreeMap<>(results);
                }
            }
            if (all != null) {
                done.complete(all);
            } else {
                pump();
            }
        }
    }

    /** Whether {@link #close()} was called: results from then on say nothing about the targets. */
    public boolean isClosed() {
        return closed;
    }

    /** Stops the prober's threads; probes still running fail. */
    @Override
    public void close() {
        closed = true;
        selector.wakeup();
        synchronized (this) {
            if (resolver != null) {
                resolver.shutdownNow();
            }
        }
        try {
            loop.join(TimeUnit.SECONDS.toMillis(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Whether {@code host} is an IP address, which {@link InetAddress#getByName} parses without a lookup. */
    private static boolean isLiteral(String host) {
        if (host.indexOf(':') >= 0) {
            return true;
        }
        if (!IPV4_LITERAL.matcher(host).matches()) {
            return false;
        }
        for (String octet : host.split("\\.")) {
            if (Integer.parseInt(octet) > 255) {
                return false;
            }
        }
        return true;
    }

    private synchronized ExecutorService resolver() {
        if (resolver == null) {
            resolver = Executors.newSingleThreadExecutor(task -> {
                Thread thread = new Thread(task, "fedmesh-probes-" + name + "-resolver");
                thread.setDaemon(true);
                return thread;
            });
        }
        return resolver;
    }

    private void resolveThenSubmit(Attempt attempt) {
        if (attempt.result.isDone()) {
            return; // timed out while earlier lookups ran
        }
        try {
            attempt.address = new InetSocketAddress(InetAddress.getByName(attempt.target.host()), attempt.target.port());
        } catch (UnknownHostException e) {
            attempt.fail("unknown host");
            return;
        }
        if (!attempt.result.isDone()) {
            submit(attempt);
        }
    }

    private void submit(Attempt attempt) {
        submitted.add(attempt);
        selector.wakeup();
        if (closed) {
            attempt.fail("not probed: the prober is closed");
        }
    }

    private void run() {
        while (!closed) {
            try {
                selector.select(millisToNearestDeadline());
                for (Attempt attempt; (attempt = started.poll()) != null; ) {
                    byDeadline.add(attempt);
                }
                startSubmitted();
                finishConnected();
                expireOverdue();
            } catch (IOException | RuntimeException e) {
                // One bad round must not stop every later probe.
                LOG.warn("TCP prober {} hit an unexpected error; probing goes on", name, e);
            }
        }
        for (SelectionKey key : selector.keys()) {
            ((Attempt) key.attachment()).fail("not probed: the prober is closed");
            closeQuietly(key.channel());
        }
        for (Attempt attempt; (attempt = started.poll()) != null; ) {
            attempt.fail("not probed: the prober is closed");
        }
        byDeadline.forEach(attempt -> attempt.fail("not probed: the prober is closed"));
        try {
            selector.close();
        } catch (IOException e) {
            LOG.debug("closing the probe selector of {} failed", name, e);
        }
    }

    private long millisToNearestDeadline() {
        Attempt nearest = byDeadline.peek();
        if (nearest == null) {
            return 0; // no probe running: wait for the next one to be submitted
        }
        long nanos = nearest.deadline - System.nanoTime();
        return Math.max(1, TimeUnit.NANOSECONDS.toMillis(nanos) + 1);
    }

    private void startSubmitted() {
        for (Attempt attempt; (attempt = submitted.poll()) != null; ) {
            if (attempt.result.isDone()) {
                continue;
            }
            SocketChannel channel = null;
            try {
                channel = SocketChannel.open();
                channel.configureBlocking(false);
                channel.setOption(StandardSocketOptions.SO_LINGER, 0);
                if (channel.connect(attempt.address)) {
                    attempt.pass();
                    channel.close();
                } else {
                    channel.register(selector, SelectionKey.OP_CONNECT, attempt);
                    attempt.channel = channel;
                }
            } catch (IOException | UnresolvedAddressException | UnsupportedAddressTypeException | SecurityException e) {
                attempt.fail(describe(e));
                closeQuietly(channel);
            }
        }
    }

    private void finishConnected() {
        Iterator<SelectionKey> keys = selector.selectedKeys().iterator();
        while (keys.hasNext()) {
            SelectionKey key = keys.next();
            keys.remove();
            Attempt attempt = (Attempt) key.attachment();
            try {
                if (((SocketChannel) key.channel()).finishConnect()) {
                    attempt.pass();
                    closeQuietly(key.channel());
                }
            } catch (IOException e) {
                attempt.fail(describe(e));
                closeQuietly(key.channel());
            }
        }
    }

    private void expireOverdue() {
        long now = System.nanoTime();
        for (Attempt head; (head = byDeadline.peek()) != null && now - head.deadline >= 0; ) {
            byDeadline.poll();
            if (!head.result.isDone()) {
                head.fail("timed out after " + head.timeoutMillis + " ms"
                        + (head.address == null ? " resolving the host name" : ""));
                closeQuietly(head.channel);
            }
        }
    }

    private static String describe(Exception e) {
        if (e instanceof ConnectException) {
            return "connection refused";
        }
        if (e instanceof NoRouteToHostException) {
            return "no route to host";
        }
        if (e instanceof UnresolvedAddressException) {
            return "unknown host";
        }
        if (e instanceof UnsupportedAddressTypeException) {
            return "address type not supported here";
        }
        String message = e.getMessage() == null ? "" : e.getMessage().toLowerCase(Locale.ROOT);
        if (message.contains("network is unreachable")) {
            return "network unreachable";
        }
        return message.isEmpty() ? e.getClass().getSimpleName() : message;
    }

    private static void closeQuietly(java.nio.channels.Channel channel) {
        if (channel == null) {
            return;
        }
        try {
            channel.close();
        } catch (IOException e) {
            LOG.debug("closing a probe connection failed", e);
        }
    }

    /** One probe in flight; its fields other than the result are touched by the prober's thread only. */
    private static final class Attempt {
        final ProbeTarget target;
        final long deadline;
        final long timeoutMillis;
        final CompletableFuture<ProbeResult> result;
        volatile InetSocketAddress address;
        SocketChannel channel;

        Attempt(ProbeTarget target, long deadline, long timeoutMillis, CompletableFuture<ProbeResult> result) {
            this.target = target;
            this.deadline = deadline;
            this.timeoutMillis = timeoutMillis;
            this.result = result;
        }

        long deadline() {
            return deadline;
        }

        void pass() {
            result.complete(ProbeResult.CONNECTED);
        }

        void fail(String detail) {
            result.complete(ProbeResult.failed(detail));
        }
    }
}
