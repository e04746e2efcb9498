package dev.fedmesh.agent.health;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class TcpProberTest {

    private static final Duration TIMEOUT = Duration.ofMillis(500);
    private static TcpProber prober;

    @BeforeAll
    static void startProber() {
        prober = new TcpProber("test");
    }

    @AfterAll
    static void stopProber() {
        prober.close();
    }

    @Test
    void aListeningServerPasses() {
        try (TcpServer server = TcpServer.answering()) {
            ProbeResult result = prober.probe(server.target(), TIMEOUT).join();

            assertThat(result).isEqualTo(ProbeResult.CONNECTED);
        }
    }

    @Test
    void aClosedPortIsRefused() {
        TcpServer server = TcpServer.answering();
        server.close();

        ProbeResult result = prober.probe(server.target(), TIMEOUT).join();

        assertThat(result.passed()).isFalse();
        assertThat(result.detail()).isEqualTo("connection refused");
    }

    @Test
    void aTargetThatNeverAnswersFailsAtItsTimeout() {
        try (TcpServer server = TcpServer.answering()) {
            server.goDark();

            ProbeResult result = prober.probe(server.target(), TIMEOUT).join();

            assertThat(result.passed()).isFalse();
            assertThat(result.detail()).isEqualTo("timed out after 500 ms");
        }
    }

    @Test
    void anUnreachableNetworkIsAFailure() {
        // Linux refuses a TCP connect to a multicast address with ENETUNREACH, before any packet leaves.
        ProbeResult result = prober.probe(new ProbeTarget("224.0.0.1", 80), TIMEOUT).join();

        assertThat(result.passed()).isFalse();
        assertThat(result.detail()).isEqualTo("network unreachable");
    }

    @Test
    void aHostNameThatDoesNotResolveIsAFailure() {
        ProbeResult result = prober.probe(new ProbeTarget("no-such-host.invalid", 80), Duration.ofSeconds(10)).join();

        assertThat(result.passed()).isFalse();
        assertThat(result.detail()).isIn("unknown host", "timed out after 10000 ms resolving the host name");
    }

    @Test
    void aHostNameIsResolvedThenProbed() {
        try (TcpServer server = TcpServer.answering()) {
            ProbeResult result = prober.probe(new ProbeTarget("localhost", server.port()), Duration.ofSeconds(5)).join();

            assertThat(result).isEqualTo(ProbeResult.CONNECTED);
        }
    }

    @Test
    void probingEveryTargetAtOnceGivesEachItsOwnResult() {
        try (TcpServer up = TcpServer.answering(); TcpServer dark = TcpServer.answering()) {
            TcpServer closed = TcpServer.answering();
            closed.close();
            dark.goDark();

            Map<ProbeTarget, ProbeResult> results = prober.probeAll(
                    List.of(up.target(), closed.target(), dark.target(), up.target()), TIMEOUT).join();

            assertThat(results).containsOnlyKeys(up.target(), closed.target(), dark.target());
            assertThat(results.get(up.target()).passed()).isTrue();
            assertThat(results.get(closed.target()).detail()).isEqualTo("connection refused");
            assertThat(results.get(dark.target()).detail()).isEqualTo("timed out after 500 ms");
        }
    }

    @Test
    void aRoundOfMoreTargetsThanRunAtOnceGivesEveryTargetItsOwnResult() throws Exception {
        int targets = 2 * TcpProber.ROUND_IN_FLIGHT + 100;
        try (java.net.ServerSocket listener = new java.net.ServerSocket()) {
            listener.bind(new java.net.InetSocketAddress("0.0.0.0", 0), targets);
            Thread acceptor = new Thread(() -> {
                while (!listener.isClosed()) {
                    try {
                        listener.accept().close();
                    } catch (java.io.IOException e) {
                        return;
                    }
                }
            });
            acceptor.setDaemon(true);
            acceptor.start();
            int closedPort;
            try (java.net.ServerSocket closed = new java.net.ServerSocket(0)) {
                closedPort = closed.getLocalPort();
            }
            List<ProbeTarget> all = new ArrayList<>();
            for (int i = 0; i < targets; i++) {
                // Loopback addresses of their own, every other one on a port nobody listens on.
                String host = "127.0." + (1 + i / 250) + "." + (1 + i % 250);
                all.add(new ProbeTarget(host, i % 2 == 0 ? listener.getLocalPort() : closedPort));
            }

            Map<ProbeTarget, ProbeResult> results = prober.probeAll(all, Duration.ofSeconds(10)).join();

            assertThat(results).hasSize(targets);
            for (int i = 0; i < targets; i++) {
                assertThat(results.get(all.get(i))).as("%s", all.get(i))
                        .isEqualTo(i % 2 == 0 ? ProbeResult.CONNECTED : ProbeResult.failed("connection refused"));
            }
        }
    }

    @Test
    void threeHundredTargetsAreProbedOnTheProbersOneThread() {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        List<TcpServer> servers = new ArrayList<>();
        try (TcpServer dark = TcpServer.answering()) {
            dark.goDark();
            List<ProbeTarget> up = new ArrayList<>();
            List<ProbeTarget> refused = new ArrayList<>();
            List<TcpServer> closing = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                TcpServer server = TcpServer.answering();
                servers.add(server);
                up.add(server.target());
                closing.add(TcpServer.answering());
            }
            // Closed only once every listener is bound, so no listener of this test reuses a closed port.
            for (TcpServer closed : closing) {
                closed.close();
                refused.add(closed.target());
            }
            int before = threads.getThreadCount();

            Duration longEnoughToCountThreads = Duration.ofSeconds(5);
            List<CompletableFuture<ProbeResult>> upResults = up.stream()
                    .map(target -> prober.probe(target, longEnoughToCountThreads)).toList();
            List<CompletableFuture<ProbeResult>> refusedResults = refused.stream()
                    .map(target -> prober.probe(target, longEnoughToCountThreads)).toList();
            List<CompletableFuture<ProbeResult>> darkResults = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                darkResults.add(prober.probe(dark.target(), longEnoughToCountThreads));
            }
            int whileProbing = threads.getThreadCount();
            long proberThreads = Thread.getAllStackTraces().keySet().stream()
                    .filter(thread -> thread.getName().equals("fedmesh-probes-test")).count();
            boolean darkStillRunning = darkResults.stream().noneMatch(CompletableFuture::isDone);

            System.out.printf("300 probes in flight: %d threads before, %d while probing, %d of them the prober's%n",
                    before, whileProbing, proberThreads);
            assertThat(darkStillRunning).as("the dark probes were still in flight when threads were counted").isTrue();
            assertThat(whileProbing).isEqualTo(before);
            assertThat(proberThreads).isEqualTo(1);
            assertThat(upResults).allSatisfy(result -> assertThat(result.join().passed()).isTrue());
            assertThat(refusedResults).allSatisfy(result ->
                    assertThat(result.join().detail()).isEqualTo("connection refused"));
            assertThat(darkResults).allSatisfy(result ->
                    assertThat(result.join().detail()).isEqualTo("timed out after 5000 ms"));
        } finally {
            servers.forEach(TcpServer::close);
        }
    }

    @Test
    void aClosedProberFailsWhatItIsAskedInsteadOfHanging() {
        TcpProber closed = new TcpProber("closed");
        closed.close();

        ProbeResult result = closed.probe(new ProbeTarget("127.0.0.1", 9), TIMEOUT).join();

        assertThat(result.passed()).isFalse();
        assertThat(result.detail()).contains("closed");
    }
}
