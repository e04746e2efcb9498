package dev.fedmesh.agent.sds;

import dev.fedmesh.agent.inventory.LocalInventory;
import dev.fedmesh.agent.trust.ClusterTrust;
import java.time.Clock;
import java.util.Optional;

/**
 * SDS in the agent: the local workloads' secrets, replaced whenever the cluster's trust writes
 * identities or the inventory changes, served on the agent's Unix socket; nothing at all when no
 * socket is set.
 */
public final class SecretDiscovery implements AutoCloseable {

    private final Optional<SecretPublisher> secrets;
    private final Optional<SdsServer> server;

    private SecretDiscovery(Optional<SecretPublisher> secrets, Optional<SdsServer> server) {
        this.secrets = secrets;
        this.server = server;
    }

    /** Serves {@code trust}'s identities of {@code inventory}'s workloads on {@code socket}, if one is set. */
    public static SecretDiscovery start(Optional<SdsSocket> socket, LocalInventory inventory, ClusterTrust trust) {
        if (socket.isEmpty()) {
            return new SecretDiscovery(Optional.empty(), Optional.empty());
        }
        SecretPublisher secrets = new SecretPublisher(new LocalWorkloads(inventory::endpoints, trust::material),
                Clock.systemUTC());
        SdsServer server;
        try {
            server = SdsServer.start(secrets.cache(), socket.get());
        } catch (RuntimeException e) {
            secrets.close();
            throw e;
        }
        trust.onIdentitiesWritten(secrets::refresh);
        // A workload gone from the inventory writes no identity: its secret goes here.
        inventory.addListener((endpoints, generation) -> secrets.refresh());
        return new SecretDiscovery(Optional.of(secrets), Optional.of(server));
    }

    @Override
    public void close() {
        server.ifPresent(SdsServer::close);
        secrets.ifPresent(SecretPublisher::close);
    }
}
