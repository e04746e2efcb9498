package dev.fedmesh.agent.xds;

import io.envoyproxy.controlplane.cache.ConfigWatcher;
import io.envoyproxy.controlplane.cache.DeltaResponse;
import io.envoyproxy.controlplane.cache.DeltaWatch;
import io.envoyproxy.controlplane.cache.DeltaXdsRequest;
import io.envoyproxy.controlplane.cache.Response;
import io.envoyproxy.controlplane.cache.Watch;
import io.envoyproxy.controlplane.cache.XdsRequest;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
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
 *
 * <p>One request is answered at once although it names the version the proxy holds: one that newly
 * names resources the snapshot holds (SimpleCache's own rule for ADS, which the rule above turns
 * off). A proxy given a new cluster asks for its endpoints; when the answer to its older endpoints
 * request carried the new version first, its request names that version and would wait for the
 * next snapshot: a route moved back to a subset it had left got no endpoints until then.
 */
final class HeldResourcesWatcher implements ConfigWatcher {

    private final ProxySnapshots cache;

    HeldResourcesWatcher(ProxySnapshots cache) {
        this.cache = cache;
    }

    @Override
    public Watch createWatch(boolean ads, XdsRequest request, Set<String> knownResourceNames,
                             Consumer<Response> responseConsumer, boolean hasClusterChanged,
                             boolean allowDefaultEmptyEdsUpdate) {
        // The flag decides SimpleCache's all-or-nothing rule alone; the order in which a new snapshot
        // answers open watches (clusters, endpoints, listeners, routes) stays SimpleCache's.
        return cache.createWatch(newlyNamesHeldResources(request, knownResourceNames), request, knownResourceNames,
                responseConsumer, hasClusterChanged, allowDefaultEmptyEdsUpdate);
    }

    /**
     * Whether the request names the version the proxy's snapshot has and resources the proxy was not
     * sent, all of which the snapshot holds: SimpleCache then answers at once in its ADS mode, and
     * nothing it names is missing for that mode to discard the request.
     */
    private boolean newlyNamesHeldResources(XdsRequest request, Set<String> knownResourceNames) {
        Snapshot snapshot = cache.snapshotOf(request.v3Request().getNode());
        if (snapshot == null || request.getResourceNamesList().isEmpty()
                || !request.getVersionInfo().equals(snapshot.version(request.getTypeUrl()))) {
            return false;
        }
        Set<String> held = snapshot.resources(request.getResourceType()).keySet();
        return held.containsAll(request.getResourceNamesList())
                && !knownResourceNames.containsAll(request.getResourceNamesList());
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
