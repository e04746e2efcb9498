package dev.fedmesh.bench;

import dev.fedmesh.agent.ClusterAgent;
import dev.fedmesh.api.KafkaTopics;
import dev.fedmesh.policy.xds.ServiceEndpoint;
import dev.fedmesh.standalone.ApiClient;
import dev.fedmesh.standalone.FedmeshStack;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Propagation of one change through the running stack: from control-api's 200 to a PUT of a
 * TrafficRoute weight until every agent of the tenant has applied the new revision and a real
 * proxyless gRPC client in each watched cluster has received it (ACKed it at its agent).
 */
final class PropagationBenchmark {

    /** One cluster count's readings, in milliseconds from the 200; {@code record} is one cluster's published record. */
    record Result(int clusters, List<String> watchedClusters, Percentiles propagation, Percentiles agentsApplied,
                  Percentiles clientsReceived, Percentiles clientsRouted, Percentiles apiAnswer, byte[] record,
                  int warmUpChanges, double jitShareMeasured) {
    }

    /**
     * How long to warm up: at least {@code minimum} changes, then until the JIT is quiet, but no more
     * than {@code maximum} changes or three minutes.
     */
    record WarmUp(int minimum, int maximum) {
        static final Duration LONGEST = Duration.ofMinutes(3);
    }

    // The JIT is quiet when its threads compile for less than a fifth of one core over 5 s.
    private static final double QUIET_JIT_SHARE = 0.2;

    private static final Duration PATIENCE = Duration.ofSeconds(60);
    /** How long the system is left alone after each change, so that changes do not overlap. */
    static final Duration PAUSE_BETWEEN_CHANGES = Duration.ofMillis(50);
    private static final Pattern RESOURCE_VERSION = Pattern.compile("\"resourceVersion\"\\s*:\\s*\"(\\d+)\"");
    private static final long POLL_NANOS = TimeUnit.MICROSECONDS.toNanos(250);

    private final FedmeshStack stack;
    private final ApiClient api;
    private final String kafkaBootstrapServers;
    private final String topicPrefix;
    private final List<ServiceEndpoint> greeterEndpoints;

    /** {@code topicPrefix} is the one the stack was started with. */
    PropagationBenchmark(FedmeshStack stack, ApiClient api, String kafkaBootstrapServers, String topicPrefix,
                         List<ServiceEndpoint> greeterEndpoints) {
        this.stack = stack;
        this.api = api;
        this.kafkaBootstrapServers = kafkaBootstrapServers;
        this.topicPrefix = topicPrefix;
        this.greeterEndpoints = List.copyOf(greeterEndpoints);
    }

    Result run(int clusters, int changes, WarmUp warmUp) throws Exception {
        String tenant = "bench-" + clusters;
        api.expectOk(api.post("/api/v1/tenants", "{\"name\": \"" + tenant + "\"}"), "creating tenant " + tenant);
        for (int i = 0; i < clusters; i++) {
            api.expectOk(api.post("/api/v1/tenants/" + tenant + "/clusters",
                    "{\"name\": \"" + SyntheticTenant.cluster(i) + "\"}"), "registering " + SyntheticTenant.cluster(i));
        }
        long initial = putWeights(tenant, 100, 0);
        List<ClusterAgent> agents = new ArrayList<>();
        List<ClientWatcher> watchers = new ArrayList<>();
        try {
            for (int i = 0; i < clusters; i++) {
                ClusterAgent agent = stack.startAgent(tenant, SyntheticTenant.cluster(i));
                greeterEndpoints.forEach(agent.inventory()::register);
                agents.add(agent);
            }
            List<ClientWatcher> none = List.of();
            awaitArrival(agents, none, initial, System.nanoTime());
            for (int index : watchedIndexes(clusters)) {
                ClientWatcher watcher = new ClientWatcher(SyntheticTenant.cluster(index), agents.get(index));
                watcher.awaitRouted("v1", PATIENCE);
                watchers.add(watcher);
            }

            JitActivity jit = new JitActivity();
            int warmedUp = 0;
            long warmUpEnds = System.nanoTime() + WarmUp.LONGEST.toNanos();
            while (warmedUp < warmUp.minimum() || (jit.recentShare() > QUIET_JIT_SHARE && warmedUp < warmUp.maximum()
                    && System.nanoTime() < warmUpEnds)) {
                change(tenant, agents, watchers, warmedUp++);
                jit.sample();
            }

            List<Double> propagation = new ArrayList<>();
            List<Double> applied = new ArrayList<>();
            List<Double> received = new ArrayList<>();
            List<Double> routed = new ArrayList<>();
            List<Double> answers = new ArrayList<>();
            long measuring = System.nanoTime();
            long compiledBefore = jit.compilationMillis();
            for (int change = 0; change < changes; change++) {
                Reading reading = change(tenant, agents, watchers, warmedUp + change);
                applied.add(reading.applied());
                received.add(reading.received());
                routed.add(reading.routed());
                propagation.add(Math.max(reading.applied(), reading.received()));
                answers.add(reading.answer());
            }
            double jitShare = (jit.compilationMillis() - compiledBefore) / Percentiles.millisSince(measuring, System.nanoTime());
            byte[] record = latestRecord(tenant, SyntheticTenant.cluster(0));
            return new Result(clusters, watchers.stream().map(ClientWatcher::cluster).toList(),
                    Percentiles.of(propagation), Percentiles.of(applied), Percentiles.of(received), Percentiles.of(routed),
                    Percentiles.of(answers), record, warmedUp, jit.measurable() ? jitShare : Double.NaN);
        } finally {
            watchers.forEach(ClientWatcher::close);
            // The stack would stop them only at its end; idle agents of a finished row would share the CPU with the next.
            // Each takes a moment to stop its consumer: a hundred one after another would take half a minute.
            agents.parallelStream().forEach(ClusterAgent::close);
        }
    }

    /** One change's readings, in milliseconds from the 200 (the answer: from the request to the 200). */
    private record Reading(double applied, double received, double routed, double answer) {
    }

    /**
     * Makes change number {@code index} (flipping the weights) and waits until every agent applied
     * it, the watched clients received it and then were routed by it; returns when each happened.
     */
    private Reading change(String tenant, List<ClusterAgent> agents, List<ClientWatcher> watchers, int index)
            throws InterruptedException {
        boolean toV2 = index % 2 == 0;
        String expected = toV2 ? "v2" : "v1";
        long sent = System.nanoTime();
        long revision = toV2 ? putWeights(tenant, 0, 100) : putWeights(tenant, 100, 0);
        long answered = System.nanoTime();
        Arrival arrival = awaitArrival(agents, watchers, revision, answered);
        // Only now the clients call: calls while the change travels would share its two cores.
        long lastRouted = Long.MIN_VALUE;
        for (ClientWatcher watcher : watchers) {
            lastRouted = Math.max(lastRouted, watcher.awaitRouted(expected, PATIENCE));
        }
        // Changes do not overlap: each one starts from a settled system.
        Thread.sleep(PAUSE_BETWEEN_CHANGES.toMillis());
        return new Reading(Percentiles.millisSince(answered, arrival.allApplied()),
                Percentiles.millisSince(answered, arrival.allReceived()), Percentiles.millisSince(answered, lastRouted),
                Percentiles.millisSince(sent, answered));
    }

    /** The first, middle and last cluster: one real client each is enough to prove a real client got the change. */
    private static Set<Integer> watchedIndexes(int clusters) {
        Set<Integer> indexes = new LinkedHashSet<>();
        indexes.add(0);
        indexes.add(clusters / 2);
        indexes.add(clusters - 1);
        return indexes;
    }

    private long putWeights(String tenant, int v1, int v2) {
        ApiClient.Answer answer = api.expectOk(api.put("/api/v1/tenants/" + tenant + "/policies/greeter-split", """
                {"kind": "TrafficRoute", "target": {"service": "greeter"},
                 "spec": {"split": [{"subset": {"version": "v1"}, "weight": %d},
                                    {"subset": {"version": "v2"}, "weight": %d}]}}""".formatted(v1, v2)),
                "changing the greeter split of " + tenant);
        Matcher version = RESOURCE_VERSION.matcher(answer.body());
        if (!version.find()) {
            throw new IllegalStateException("the API's answer names no resourceVersion: " + answer.body());
        }
        return Long.parseLong(version.group(1));
    }

    /** When (System.nanoTime()) the last agent was seen serving a revision and the last watched client holding it. */
    private record Arrival(long allApplied, long allReceived) {
    }

    /**
     * Polls every agent and watched client until all agents serve {@code revision} and every client
     * has received it. A time is read after the check that saw it, since an agent's answer waits
     * while it applies a config: a reading is late by at most one poll, never early.
     */
    private static Arrival awaitArrival(List<ClusterAgent> agents, List<ClientWatcher> watchers, long revision,
                                        long since) {
        long deadline = since + PATIENCE.toNanos();
        List<ClusterAgent> pendingAgents = new ArrayList<>(agents);
        List<ClientWatcher> pendingClients = new ArrayList<>(watchers);
        long allApplied = since;
        long allReceived = since;
        while (!pendingAgents.isEmpty() || !pendingClients.isEmpty()) {
            if (pendingAgents.removeIf(agent -> agent.appliedRevision() >= revision)) {
                allApplied = System.nanoTime();
            }
            if (pendingClients.removeIf(watcher -> watcher.received(revision))) {
                allReceived = System.nanoTime();
            }
            if (pendingAgents.isEmpty() && pendingClients.isEmpty()) {
                break;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("within " + PATIENCE.toSeconds() + " s, " + pendingAgents.size() + " of "
                        + agents.size() + " agents did not apply revision " + revision + " and " + pendingClients.size()
                        + " of " + watchers.size() + " clients did not receive it");
            }
            LockSupport.parkNanos(POLL_NANOS);
        }
        return new Arrival(allApplied, allReceived);
    }

    /** The record the distributor last published for {@code cluster}, read back from the tenant's topic. */
    private byte[] latestRecord(String tenant, String cluster) {
        Properties config = new Properties();
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafkaBootstrapServers);
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        try (KafkaConsumer<String, byte[]> consumer =
                     new KafkaConsumer<>(config, new StringDeserializer(), new ByteArrayDeserializer())) {
            String topic = KafkaTopics.desired(topicPrefix, tenant);
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(info -> new TopicPartition(topic, info.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
            byte[] latest = null;
            long deadline = System.nanoTime() + PATIENCE.toNanos();
            while (partitions.stream().anyMatch(p -> consumer.position(p) < ends.get(p)) && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(500))) {
                    if (cluster.equals(record.key()) && record.value() != null) {
                        latest = record.value();
                    }
                }
            }
            if (latest == null) {
                throw new IllegalStateException("no record for " + cluster + " on " + topic);
            }
            return latest;
        }
    }
}
