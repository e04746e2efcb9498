package dev.fedmesh.agent.inventory;

/** Where the agent learned of a local endpoint; one endpoint may have several. */
public enum EndpointSource {
    /** The {@code fedmesh.agent.endpoints} setting, or a direct {@link LocalInventory#register} call. */
    STATIC,
    /** The agent's registration API, for workloads that never connect (a VM, a database). */
    REGISTERED,
    /** An open ADS stream of the workload itself, announcing the endpoint in its node metadata. */
    CONNECTED,
    /** Connected before the agent restarted, kept while the workload has time to reconnect. */
    RESTORED
}
