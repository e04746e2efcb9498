package dev.fedmesh.agent.xds;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.Message;
import dev.fedmesh.api.v1.ClusterInventory;
import dev.fedmesh.api.v1.DesiredConfig;
import dev.fedmesh.policy.xds.EastWestGateway;
import dev.fedmesh.policy.xds.EnvoySidecar;
import dev.fedmesh.policy.xds.ProxyConfigTranslator;
import dev.fedmesh.policy.xds.SidecarWorkload;
import dev.fedmesh.policy.xds.XdsResources;
import io.envoyproxy.controlplane.cache.Resources;
import io.envoyproxy.controlplane.cache.v3.SimpleCache;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Set;
import java.util.TreeMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the cluster's xDS snapshot in step with what it is built from: the applied desired config,
 * this cluster's own inventory, the other clusters' inventories, and which of them the agent's probes
 * cannot reach. Any of them changing rebuilds the snapshot through {@link ProxyConfigTranslator}
 * (which assigns again only the services whose endpoints changed) and replaces it in the cache: a config being applied at once, on the applier's thread; the other
 * changes on this publisher's own thread, coalesced, so that a burst of them is one translation and
 * no caller waits for one. Nothing is served before the first config.
 *
 * <p>Three kinds of snapshot group are served: the cluster's proxies (proxyless gRPC), its east-west
 * gateway ({@link #gatewayGroup}), and each Envoy sidecar workload connected now
 * ({@link #sidecarsChanged}, built by {@link EnvoySidecar} from the proxies' resources).
 *
 * <p>Each resource type keeps its version while its resources stay the same (compared by their
 * deterministic bytes), so a change re-sends only the types it changed: a new route weight is one
 * route response to each proxy, not four responses to parse and ACK.
 */
public final class XdsSnapshotPublisher implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(XdsSnapshotPublisher.class);

    private final SimpleCache<String> cache;
    private final String group;
    private final String tenant;
    private final String cluster;
    private final ProxyConfigTranslator translator = new ProxyConfigTranslator();
    private DesiredConfig config;
    private ClusterInventory local;
    private Map<String, ClusterInventory> remote = Map.of();
    private Set<String> unreachable = Set.of();
    private Map<String, SidecarWorkload> sidecars = Map.of();
    private Set<String> sidecarGroups = Set.of();
    private long generation;
    private ServedSnapshot served;
    private final Map<String, TypeVersion> typeVersions = new HashMap<>();
    /** Each resource last served, by identity, with the SHA-256 of its deterministic bytes. */
    private Map<Message, byte[]> resourceDigests = new IdentityHashMap<>();
    private final RetiringClusters retiring = new RetiringClusters();
    /** Translates after inventory and reachability changes, and retires clusters: one thread, off the callers'. */
    private final ScheduledExecutorService worker;
    private boolean translationPending;
    private long publishedGeneration = -1;
    private XdsResources lastTranslated;
    private ClusterInventory lastLocal;
    private long lastGeneration;
    private ScheduledFuture<?> nextRetirement;

    /** A type's resources as last served: their digest, and the snapshot version in which they last changed. */
    private record TypeVersion(String digest, String version) {
    }

    public XdsSnapshotPublisher(SimpleCache<String> cache, String group, String tenant, String cluster) {
        this.cache = cache;
        this.group = group;
        this.tenant = tenant;
        this.cluster = cluster;
        this.local = ClusterInventory.newBuilder().setTenant(tenant).setCluster(cluster).build();
        this.worker = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "xds-translate-" + tenant + "-" + cluster);
            thread.setDaemon(true);
            return thread;
        });
    }

    /**
     * Translates a desired config being applied, with the current local endpoints, into xDS
     * resources, serving nothing yet: the returned action serves them, and cannot fail. Throws when
     * the config cannot be translated; then nothing changed.
     */
    public synchronized Runnable prepare(DesiredConfig applied) {
        XdsResources resources = translate(applied);
        // The gateway's resources are built again when served; building them once here means a config
        // they cannot be built from is refused now, before it is recorded as applied.
        EastWestGateway.resources(applied, local);
        sidecars.values().forEach(sidecar -> EnvoySidecar.resources(applied, sidecar, resources));
        long translatedWith = generation;
        return () -> serve(applied, resources, translatedWith);
    }

    private synchronized void serve(DesiredConfig applied, XdsResources translated, long translatedWith) {
        this.config = applied;
        // Endpoints that changed since the translation are served too, the way an inventory change is.
        XdsResources resources = publish(translatedWith == generation ? translated : translate(applied), local, generation);
        publishedGeneration = generation;
        LOG.info("tenant={} cluster={} applied revision {}: serving {} listener(s), {} cluster(s), {} local"
                        + " endpoint(s) and {} other cluster(s)' inventories to proxies (snapshot {})", tenant, cluster,
                applied.getRevision(), resources.listeners().size(), resources.clusters().size(), localEndpoints(),
                remote.size(), served.version());
    }

    /** Serves the current config with this cluster's new inventory (endpoints added, removed, or changed health). */
    public synchronized void localChanged(ClusterInventory now) {
        this.local = now;
        changed("local endpoints changed (" + localEndpoints() + " now)");
    }

    /** Serves the current config with the other clusters' newest inventories, keyed by cluster. */
    public synchronized void remoteChanged(Map<String, ClusterInventory> now) {
        Map<String, ClusterInventory> others = new TreeMap<>(now);
        others.remove(cluster);
        this.remote = Map.copyOf(others);
        changed("other clusters' inventories changed (" + remote.size() + " clusters)");
    }

    /** Serves the current config knowing which other clusters the agent's probes cannot reach now. */
    public synchronized void unreachableChanged(Set<String> now) {
        this.unreachable = Set.copyOf(now);
        changed("unreachable clusters now " + unreachable);
    }

    /**
     * Serves each of the Envoy sidecars connected now their own resources ({@link EnvoySidecar}), in
     * the snapshot group {@link SidecarNodes#group} names; a group whose sidecars all left is cleared.
     */
    public synchronized void sidecarsChanged(Set<SidecarWorkload> now) {
        Map<String, SidecarWorkload> byGroup = new TreeMap<>();
        now.forEach(sidecar -> byGroup.put(SidecarNodes.group(group, sidecar), sidecar));
        this.sidecars = byGroup;
        changed(byGroup.size() + " Envoy sidecar workload(s) connected");
    }

    /**
     * Schedules a translation of the newest inputs, unless one is waiting already: changes that come
     * while a translation is queued or running are served by the next one. The callers (the probes'
     * thread, the Kafka consumer of remote inventories, xDS streams registering workloads) never wait
     * for a translation, which at a tenant's full scale takes a good part of a second.
     */
    private void changed(String what) {
        generation++;
        if (config != null && !translationPending && !worker.isShutdown()) {
            translationPending = true;
            worker.execute(() -> translateNewest(what));
        }
    }

    private void translateNewest(String what) {
        DesiredConfig applied;
        ClusterInventory localNow;
        Map<String, ClusterInventory> remoteNow;
        Set<String> downNow;
        long translating;
        synchronized (this) {
            translationPending = false;
            applied = config;
            localNow = local;
            remoteNow = remote;
            downNow = unreachable;
            translating = generation;
        }
        try {
            XdsResources resources = translate(applied, localNow, remoteNow, downNow);
            synchronized (this) {
                // A config served meanwhile was translated with inputs at least as new.
                if (applied == config && translating > publishedGeneration) {
                    publish(resources, localNow, translating);
                    publishedGeneration = translating;
                    LOG.debug("tenant={} cluster={} {}: snapshot {}", tenant, cluster, what, served.version());
                }
            }
        } catch (RuntimeException e) {
            LOG.error("tenant={} cluster={} cannot serve the change ({}): translating revision {} failed; proxies keep"
                    + " snapshot {} until the next change or config translates", tenant, cluster, what,
                    applied.getRevision(), served == null ? "none" : served.version(), e);
        }
    }

    private XdsResources translate(DesiredConfig applied) {
        return translate(applied, local, remote, unreachable);
    }

    private XdsResources translate(DesiredConfig applied, ClusterInventory localNow,
                                   Map<String, ClusterInventory> remoteNow, Set<String> down) {
        Map<String, ClusterInventory> inventories = new TreeMap<>(remoteNow);
        inventories.put(cluster, localNow);
        return translator.translate(applied, inventories, down::contains);
    }

    private int localEndpoints() {
        return local.getServicesList().stream().mapToInt(service -> service.getEndpointsCount()).sum();
    }

    /** The snapshot being served, with each type's version; null before the first config. */
    public synchronized ServedSnapshot served() {
        return served;
    }

    /** Serves {@code translated}, made from {@code localUsed} at inventory generation {@code translatedAt}. */
    private XdsResources publish(XdsResources translated, ClusterInventory localUsed, long translatedAt) {
        lastTranslated = translated;
        lastLocal = localUsed;
        lastGeneration = translatedAt;
        XdsResources resources = retiring.serve(translated, System.nanoTime());
        scheduleRetirement();
        XdsResources gateway = EastWestGateway.resources(config, localUsed);
        Map<String, XdsResources> sidecarResources = new TreeMap<>();
        sidecars.forEach((sidecarGroup, sidecar) ->
                sidecarResources.put(sidecarGroup, EnvoySidecar.resources(config, sidecar, resources)));
        List<XdsResources> groups = new java.util.ArrayList<>(List.of(resources, gateway));
        groups.addAll(sidecarResources.values());
        Map<String, List<? extends Message>> byType = new LinkedHashMap<>();
        byType.put(Resources.V3.LISTENER_TYPE_URL, concat(groups, XdsResources::listeners));
        byType.put(Resources.V3.ROUTE_TYPE_URL, concat(groups, XdsResources::routes));
        byType.put(Resources.V3.CLUSTER_TYPE_URL, concat(groups, XdsResources::clusters));
        byType.put(Resources.V3.ENDPOINT_TYPE_URL, concat(groups, XdsResources::endpoints));
        byType.put(Resources.V3.SECRET_TYPE_URL, List.of());
        // One digest per type over the proxies', the gateway's and the sidecars' resources: every group
        // is served the same versions, so a proxy's ACK reads the same against any.
        Map<String, String> digests = new LinkedHashMap<>();
        Map<Message, byte[]> digested = new IdentityHashMap<>();
        byType.forEach((type, list) -> digests.put(type, digest(list.stream().map(resource ->
                digested.computeIfAbsent(resource, this::resourceDigest)))));
        resourceDigests = digested;
        // Revision and inventory generation say what the snapshot was built from; the content
        // digest keeps a restarted agent from reusing a version a reconnecting proxy already holds
        // for different content.
        String version = config.getRevision() + "." + translatedAt + "-"
                + digest(digests.values().stream().map(digest -> digest.getBytes(StandardCharsets.US_ASCII)));
        Map<String, String> versions = new LinkedHashMap<>();
        digests.forEach((type, digest) -> {
            TypeVersion previous = typeVersions.get(type);
            TypeVersion current = previous != null && previous.digest().equals(digest) ? previous
                    : new TypeVersion(digest, version);
            typeVersions.put(type, current);
            versions.put(type, current.version());
        });
        this.served = new ServedSnapshot(version, versions);
        cache.setSnapshot(group, snapshot(resources, versions));
        cache.setSnapshot(gatewayGroup(group), snapshot(gateway, versions));
        sidecarResources.forEach((sidecarGroup, sidecar) -> cache.setSnapshot(sidecarGroup, snapshot(sidecar, versions)));
        for (String left : sidecarGroups) {
            if (!sidecarResources.containsKey(left)) {
                cache.clearSnapshot(left);
            }
        }
        sidecarGroups = Set.copyOf(sidecarResources.keySet());
        return resources;
    }

    /** Serves the snapshot again without the clusters whose time to retire has come. */
    private synchronized void retire() {
        if (config != null && lastTranslated != null) {
            Set<String> before = retiring.names();
            publish(lastTranslated, lastLocal, lastGeneration);
            LOG.debug("tenant={} cluster={} clusters no longer routed to retired from {}: snapshot {}", tenant, cluster,
                    before, served.version());
        }
    }

    private void scheduleRetirement() {
        if (nextRetirement != null) {
            nextRetirement.cancel(false);
            nextRetirement = null;
        }
        retiring.nextExpiry().ifPresent(at -> {
            if (!worker.isShutdown()) {
                nextRetirement = worker.schedule(this::retire, Math.max(0, at - System.nanoTime()), TimeUnit.NANOSECONDS);
            }
        });
    }

    /** Stops translating and retiring; the snapshot served stays as it is. */
    @Override
    public void close() {
        worker.shutdownNow();
    }

    /**
     * The snapshot group of the cluster's east-west gateway (an Envoy whose node metadata has
     * {@code fedmesh.role: east-west-gateway}): its SNI-passthrough listener and the local endpoints
     * behind it, never the sidecars' resources, and no sidecar gets its listener.
     */
    public static String gatewayGroup(String group) {
        return group + "/" + EastWestGateway.LISTENER;
    }

    private static Snapshot snapshot(XdsResources resources, Map<String, String> versions) {
        return Snapshot.create(
                resources.clusters(), versions.get(Resources.V3.CLUSTER_TYPE_URL),
                resources.endpoints(), versions.get(Resources.V3.ENDPOINT_TYPE_URL),
                resources.listeners(), versions.get(Resources.V3.LISTENER_TYPE_URL),
                resources.routes(), versions.get(Resources.V3.ROUTE_TYPE_URL),
                List.of(), versions.get(Resources.V3.SECRET_TYPE_URL));
    }

    private static List<Message> concat(List<XdsResources> groups,
                                        java.util.function.Function<XdsResources, List<? extends Message>> type) {
        List<Message> all = new java.util.ArrayList<>();
        groups.forEach(resources -> all.addAll(type.apply(resources)));
        return all;
    }

    private static String digest(Stream<byte[]> parts) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            // Each part's length first, so that no two different lists of parts hash alike.
            parts.forEach(part -> {
                sha.update(ByteBuffer.allocate(Integer.BYTES).putInt(part.length).array());
                sha.update(part);
            });
            return HexFormat.of().formatHex(sha.digest(), 0, 6);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }

    /**
     * The SHA-256 of the resource's deterministic bytes; for a resource served last time (the same
     * instance: the translator reuses the assignments of services that did not change) the digest
     * computed then, so that one changed endpoint does not serialize every assignment of the mesh.
     */
    private byte[] resourceDigest(Message resource) {
        byte[] known = resourceDigests.get(resource);
        if (known != null) {
            return known;
        }
        try {
            return MessageDigest.getInstance("SHA-256").digest(deterministicBytes(resource));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }

    private static byte[] deterministicBytes(Message message) {
        byte[] bytes = new byte[message.getSerializedSize()];
        CodedOutputStream out = CodedOutputStream.newInstance(bytes);
        out.useDeterministicSerialization();
        try {
            message.writeTo(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes;
    }
}
