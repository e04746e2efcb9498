package dev.fedmesh.agent.xds;

import io.envoyproxy.controlplane.cache.ConfigWatcher;
import io.envoyproxy.controlplane.cache.DeltaResponse;
import io.envoyproxy.controlplane.cache.DeltaWatch;
import io.envoyproxy.controlplane.cache.DeltaXdsRequest;
import io.envoyproxy.controlplane.cache.Resources;
import io.envoyproxy.controlplane.cache.Response;
import io.envoyproxy.controlplane.cache.Watch;
import io.envoyproxy.controlplane.cache.XdsRequest;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.controlplane.server.DiscoveryServerCallbacks;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * The snapshot cache as the ADS server sees it: every request is answered, from each snapshot whose
 * version the proxy does not hold, with those of the resources it names that the snapshot holds; and
 * a request naming a resource the proxy does not hold, which the snapshot holds, is answered at once.
 *
 * <p>Over ADS, java-control-plane's SimpleCache answers a request only when the snapshot holds every
 * resource it names; a new snapshot then discards the request it could not answer
 * (envoyproxy/java-control-plane#219), and so does an immediate answer to newly named resources.
 * A proxy asks again only after an answer, so a discarded request is never answered. Proxyless gRPC
 * clients name their listeners, clusters and endpoints, and met this twice: a client dialing
 * {@code xds:///greeter} while the agent applied revisions without greeter (a tenant's first
 * revisions, read back to back from Kafka) never got its listener ("Timed out waiting for resource
 * greeter"); a client whose route moved to other clusters, which keeps asking for the old clusters
 * and endpoints until the new ones arrive, stalled until gRPC's 15 s does-not-exist timers ran out.
 * Answering with what is held is the protocol's rule for state-of-the-world requests: a listener or
 * cluster missing from an answer does not exist (gRPC believes that of one it never had only once
 * its timer runs out), and a missing route or endpoints are still to come.
 *
 * <p>What the proxy holds is tracked here, per stream and type: the names of the last answer, less
 * every name a later request of the proxy no longer names (it unsubscribed, and dropped the
 * resource). SimpleCache's own notion, the names of the last answer alone, misses the second part: a
 * route that left a subset and came back to it before the subset's cluster retired
 * ({@link RetiringClusters}) changed no cluster, so no answer came between; the proxy's request
 * naming the cluster again equalled the last answer's names, and it waited, with no cluster and no
 * endpoints, for a snapshot that changed clusters.
 *
 * <p>A request naming a resource the proxy does not hold is answered at once although it names the
 * version the proxy holds (SimpleCache's rule for newly named resources); when the snapshot holds
 * all it names, in SimpleCache's ADS mode, otherwise with what is held. A proxy given a new cluster
 * asks for its endpoints; when the answer to its older endpoints request carried the new version
 * first, its request names that version and would otherwise wait for the next snapshot.
 *
 * <p>The stream a watch is created for is known from the request callback, which java-control-plane
 * runs on the same thread right before it asks for the watch.
 */
final class HeldResourcesWatcher implements ConfigWatcher, DiscoveryServerCallbacks {

    private final ProxySnapshots cache;
    /** Per stream, per type URL: the names the proxy holds. Bounded by what was answered. */
    private final Map<Long, Map<String, Set<String>>> held = new ConcurrentHashMap<>();
    private final ThreadLocal<Long> requestingStream = new ThreadLocal<>();

    HeldResourcesWatcher(ProxySnapshots cache) {
        this.cache = cache;
    }

    @Override
    public void onV3StreamRequest(long streamId, DiscoveryRequest request) {
        requestingStream.set(streamId);
        if (request.getResourceNamesCount() == 0) {
            // A wildcard request (all of the type) drops nothing.
            return;
        }
        Map<String, Set<String>> types = held.get(streamId);
        if (types != null) {
            Set<String> named = Set.copyOf(request.getResourceNamesList());
            types.computeIfPresent(request.getTypeUrl(), (type, names) -> names.stream()
                    .filter(named::contains).collect(Collectors.toUnmodifiableSet()));
        }
    }

    @Override
    public void onV3StreamDeltaRequest(long streamId, DeltaDiscoveryRequest request) {
        requestingStream.remove();
    }

    @Override
    public void onStreamClose(long streamId, String typeUrl) {
        held.remove(streamId);
    }

    @Override
    public void onStreamCloseWithError(long streamId, String typeUrl, Throwable error) {
        held.remove(streamId);
    }

    @Override
    public Watch createWatch(boolean ads, XdsRequest request, Set<String> knownResourceNames,
                             Consumer<Response> responseConsumer, boolean hasClusterChanged,
                             boolean allowDefaultEmptyEdsUpdate) {
        Long stream = requestingStream.get();
        requestingStream.remove();
        Set<String> holds = stream == null ? knownResourceNames : holds(stream, request.getTypeUrl());
        Consumer<Response> answer = stream == null ? responseConsumer : response -> {
            answered(stream, request.getTypeUrl(), response);
            responseConsumer.accept(response);
        };
        // The flag decides SimpleCache's all-or-nothing rule alone; the order in which a new snapshot
        // answers open watches (clusters, endpoints, listeners, routes) stays SimpleCache's.
        return cache.createWatch(newlyNamesHeldResources(request, holds), request, holds, answer,
                hasClusterChanged, allowDefaultEmptyEdsUpdate);
    }

    private Set<String> holds(long stream, String typeUrl) {
        Map<String, Set<String>> types = held.get(stream);
        Set<String> names = types == null ? null : types.get(typeUrl);
        return names == null ? Set.of() : names;
    }

    private void answered(long stream, String typeUrl, Response response) {
        Set<String> names = new HashSet<>();
        response.resources().forEach(resource -> names.add(Resources.getResourceName(resource)));
        held.computeIfAbsent(stream, id -> new ConcurrentHashMap<>()).put(typeUrl, Set.copyOf(names));
    }

    /**
     * Whether the request names the version the proxy's snapshot has and resources the proxy does not
     * hold, all of which the snapshot holds: SimpleCache then answers at once in its ADS mode, and
     * nothing it names is missing for that mode to discard the request.
     */
    private boolean newlyNamesHeldResources(XdsRequest request, Set<String> holds) {
        Snapshot snapshot = cache.snapshotOf(request.v3Request().getNode());
        if (snapshot == null || request.getResourceNamesList().isEmpty()
                || !request.getVersionInfo().equals(snapshot.version(request.getTypeUrl()))) {
            return false;
        }
        Set<String> inSnapshot = snapshot.resources(request.getResourceType()).keySet();
        return inSnapshot.containsAll(request.getResourceNamesList())
                && !holds.containsAll(request.getResourceNamesList());
    }

    @Override
    public DeltaWatch createDeltaWatch(DeltaXdsRequest request, String requesterVersion,
                                       Map<String, String> resourceVersions, Set<String> pendingResources,
                                       boolean isWildcard, Consumer<DeltaResponse> responseConsumer,
                                       boolean hasClusterChanged) {
        return cache.createDeltaWatch(request, requesterVersion, resourceVersions, pendingResources, isWildcard,
                responseConsumer, hasClusterChanged);
    }
}
