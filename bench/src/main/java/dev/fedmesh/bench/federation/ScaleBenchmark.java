package dev.fedmesh.bench.federation;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.fedmesh.api.v1.ClusterInventory;
import dev.fedmesh.api.v1.EndpointHealth;
import dev.fedmesh.api.v1.DesiredConfig;
import dev.fedmesh.api.v1.DesiredConfigEnvelope;
import dev.fedmesh.bench.Percentiles;
import dev.fedmesh.distributor.publish.DesiredConfigPublisher;
import dev.fedmesh.policy.compiler.DesiredConfigCompiler;
import dev.fedmesh.policy.xds.ProxyConfigTranslator;
import dev.fedmesh.policy.xds.XdsResources;
import dev.fedmesh.trust.signing.ConfigSigningKey;
import dev.fedmesh.trust.signing.InventorySignatures;
import net.jpountz.lz4.LZ4Factory;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The federation tenant at the scale, in memory, for one layout: the size of the largest
 * Kafka records (one cluster's inventory as its agent sends it, the signed envelope the distributor
 * republishes, one cluster's desired config with all its peers), whether every cluster's translated
 * EDS, as the caller, reaches every remote endpoint it needs, and the translation's time and heap for
 * one caller holding every cluster's inventory: whole (a fresh translator, as for a new config) and
 * after one endpoint of one service changed in another cluster (the agent's translator, which
 * re-assigns only what changed).
 */
final class ScaleBenchmark {

    /** A Kafka record's size, as serialized and LZ4-compressed (the producers' compression). */
    record RecordSize(String record, int bytes, int lz4Bytes) {
    }

    /**
     * One layout's readings.
     *
     * @param reach           what caller c000's EDS reaches, in detail
     * @param callersChecked  how many clusters were checked as the caller ({@code --scale-callers})
     * @param callersComplete of those, the ones whose EDS reaches exactly what they need
     * @param otherMismatches the first differences found for callers other than c000
     * @param translation     ms per translation of caller c000's config with every inventory, by a fresh translator
     * @param incremental     ms per translation by c000's warm translator after one endpoint of c001 changed health
     * @param inventoriesHeap heap retained by every cluster's parsed inventory, as an agent holds them
     * @param resourcesHeap   heap retained by one translation's xDS resources
     */
    record Result(FederatedTenant.Layout layout, int clusters, int services, int endpointsPerService,
                  List<RecordSize> records, int peersInConfig, RemoteReach.Result reach, int callersChecked,
                  int callersComplete,
                  List<String> otherMismatches, Percentiles translation, Percentiles incremental,
                  long inventoriesHeap, long resourcesHeap) {
    }

    /** Kafka's default record limit the "1 MB" is read as: the producer's and broker's 1 MiB default. */
    static final int RECORD_LIMIT_BYTES = 1_000_000;

    private static final int CALLER = 0;

    private final int warmUp;
    private final int rounds;
    private final int callers;
    private final ConfigSigningKey signingKey = ConfigSigningKey.generate();

    /** @param callers how many clusters, c000 first, are checked as the caller for reach */
    ScaleBenchmark(int warmUp, int rounds, int callers) {
        this.warmUp = warmUp;
        this.rounds = rounds;
        this.callers = callers;
    }

    Result run(FederatedTenant tenant) throws InvalidProtocolBufferException {
        List<RecordSize> records = new ArrayList<>();
        Map<String, DesiredConfig> configs = DesiredConfigCompiler.compile(tenant.state(1));
        DesiredConfig config = configs.get(FederatedTenant.cluster(CALLER));
        DesiredConfigEnvelope envelope = DesiredConfigPublisher.sealAndSign(configs, signingKey)
                .get(FederatedTenant.cluster(CALLER));
        records.add(size("desired config of one cluster, signed (fedmesh.<tenant>.desired)", envelope.toByteArray()));

        long before = Heap.usedAfterGc();
        Map<String, ClusterInventory> inventories = new TreeMap<>();
        byte[] largest = new byte[0];
        for (int c = 0; c < tenant.clusters(); c++) {
            byte[] sent = AgentInventory.of(tenant, c).toByteArray();
            if (sent.length > largest.length) {
                largest = sent;
            }
            // What an agent holds is what it parsed from the records it read.
            inventories.put(FederatedTenant.cluster(c), ClusterInventory.parseFrom(sent));
        }
        long inventoriesHeap = Heap.usedAfterGc() - before;
        records.add(size("one cluster's inventory as its agent sends it (fedmesh.<tenant>.status)", largest));
        records.add(size("the same, signed as the distributor republishes it (fedmesh.<tenant>.inventory)",
                InventorySignatures.seal(largest, Instant.now(), signingKey).toByteArray()));

        for (int i = 0; i < warmUp; i++) {
            new ProxyConfigTranslator().translate(config, inventories, cluster -> false);
        }
        List<Double> millis = new ArrayList<>(rounds);
        XdsResources resources = null;
        for (int i = 0; i < rounds; i++) {
            resources = null;
            long start = System.nanoTime();
            resources = new ProxyConfigTranslator().translate(config, inventories, cluster -> false);
            millis.add((System.nanoTime() - start) / 1e6);
        }
        Percentiles incremental = incremental(config, inventories);
        RemoteReach.Result reach = RemoteReach.check(tenant, CALLER, resources);
        long withResources = Heap.usedAfterGc();
        resources = null;
        long resourcesHeap = withResources - Heap.usedAfterGc();
        int callersComplete = reach.complete() ? 1 : 0;
        List<String> otherMismatches = new ArrayList<>();
        for (int c = 0; c < Math.min(callers, tenant.clusters()); c++) {
            if (c == CALLER) {
                continue;
            }
            RemoteReach.Result other = RemoteReach.check(tenant, c,
                    new ProxyConfigTranslator().translate(configs.get(FederatedTenant.cluster(c)), inventories,
                            cluster -> false));
            if (other.complete()) {
                callersComplete++;
            } else if (otherMismatches.size() < 5) {
                otherMismatches.add(FederatedTenant.cluster(c) + ": " + other.mismatches());
            }
        }
        return new Result(tenant.layout(), tenant.clusters(), tenant.services(), tenant.endpointsPerService(),
                records, config.getPeersCount(), reach, Math.min(callers, tenant.clusters()), callersComplete,
                List.copyOf(otherMismatches),
                Percentiles.of(millis), incremental, inventoriesHeap, resourcesHeap);
    }

    /**
     * The agent's case: its translator has translated every inventory; then one endpoint of one
     * service in c001 changes health (the inventory parsed again, as from its record) and it
     * translates again. Each round changes another service; warm-up rounds as many as measured.
     */
    private Percentiles incremental(DesiredConfig config, Map<String, ClusterInventory> held)
            throws InvalidProtocolBufferException {
        ProxyConfigTranslator translator = new ProxyConfigTranslator();
        Map<String, ClusterInventory> inventories = new TreeMap<>(held);
        translator.translate(config, inventories, cluster -> false);
        String changing = FederatedTenant.cluster(1);
        List<Double> millis = new ArrayList<>(rounds);
        for (int i = 0; i < 2 * rounds; i++) {
            ClusterInventory.Builder inventory = inventories.get(changing).toBuilder();
            int service = i % inventory.getServicesCount();
            var endpoint = inventory.getServicesBuilder(service).getEndpointsBuilder(0);
            endpoint.setHealth(endpoint.getHealth() == EndpointHealth.ENDPOINT_HEALTH_UNHEALTHY
                    ? EndpointHealth.ENDPOINT_HEALTH_HEALTHY : EndpointHealth.ENDPOINT_HEALTH_UNHEALTHY);
            inventories.put(changing, ClusterInventory.parseFrom(inventory.build().toByteArray()));
            long start = System.nanoTime();
            translator.translate(config, inventories, cluster -> false);
            if (i >= rounds) {
                millis.add((System.nanoTime() - start) / 1e6);
            }
        }
        return Percentiles.of(millis);
    }

    private static RecordSize size(String record, byte[] bytes) {
        return new RecordSize(record, bytes.length, LZ4Factory.fastestInstance().fastCompressor().compress(bytes).length);
    }
}
