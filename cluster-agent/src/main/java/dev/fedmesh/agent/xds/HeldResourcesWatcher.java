package dev.fedmesh.agent.xds;

import io.envoyproxy.controlplane.cache.ConfigWatcher;
import io.envoyproxy.controlplane.cache.DeltaResponse;
import io.envoyproxy.controlplane.cache.DeltaWatch;
import io.envoyproxy.controlplane.cache.DeltaXdsRequest;
import io.envoyproxy.controlplane.cache.Response;
import io.envoyproxy.controlplane.cache.Watch;
import io.envoyproxy.controlplane.cache.XdsRequest;
import io.envoyproxy.controlplane.cache.v3.SimpleCache;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The snapshot cache as the ADS server sees it: every request is answered, from each snapshot whose
 * version the proxy does not hold, with those of the resources it names that the snapshot holds.
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
 */
final class HeldResourcesWatcher implements ConfigWatcher {

    private final SimpleCache<String> cache;

    HeldResourcesWatcher(SimpleCache<String> cache) {
        this.cache = cache;
    }

    @Override
    public Watch createWatch(boolean ads, XdsRequest request, Set<String> knownResourceNames,
                             Consumer<Response> responseConsumer, boolean hasClusterChanged,
                             boolean allowDefaultEmptyEdsUpdate) {
        // The flag decides SimpleCache's all-or-nothing rule alone; the order in which a new snapshot
        // answers open watches (clusters, endpoints, listeners, routes) stays SimpleCache's.
        return cache.createWatch(false, request, knownResourceNames, responseConsumer, hasClusterChanged,
                allowDefaultEmptyEdsUpdate);
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
