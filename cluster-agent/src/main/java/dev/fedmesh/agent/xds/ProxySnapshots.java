package dev.fedmesh.agent.xds;

import io.envoyproxy.controlplane.cache.NodeGroup;
import io.envoyproxy.controlplane.cache.v3.SimpleCache;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.envoy.config.core.v3.Node;

/** The agent's snapshot cache, which can also say which snapshot a proxy's node is served from. */
public final class ProxySnapshots extends SimpleCache<String> {

    private final NodeGroup<String> groups;

    public ProxySnapshots(NodeGroup<String> groups) {
        super(groups);
        this.groups = groups;
    }

    /** The snapshot {@code node} is served from; null before the first one is set. */
    Snapshot snapshotOf(Node node) {
        return getSnapshot(groups.hash(node));
    }
}
