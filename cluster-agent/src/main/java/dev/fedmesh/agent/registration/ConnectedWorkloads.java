package dev.fedmesh.agent.registration;

import com.google.protobuf.Struct;
import dev.fedmesh.agent.inventory.AnnouncedEndpoint;
import dev.fedmesh.agent.inventory.EndpointFields;
import dev.fedmesh.agent.inventory.EndpointSource;
import dev.fedmesh.agent.inventory.InvalidEndpointException;
import dev.fedmesh.agent.inventory.LocalInventory;
import dev.fedmesh.agent.trust.WorkloadSvids;
import dev.fedmesh.agent.xds.AdsServer;
import dev.fedmesh.api.StatusReportLimits;
import dev.fedmesh.api.v1.EndpointDataPlane;
import dev.fedmesh.policy.xds.ServiceEndpoint;
import io.envoyproxy.controlplane.server.DiscoveryServerCallbacks;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import java.net.InetAddress;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Registration by connecting: a workload (a proxyless gRPC server, an Envoy) that opens an ADS
 * stream announcing itself in its node metadata is added to the inventory at once, and removed when
 * its last stream closes. The metadata keys are {@value #SERVICE} (required to register; a node
 * without it, such as a client, registers nothing), {@value #PORT}, {@value #LABELS} (a Struct of
 * strings), {@value #SERVICE_ACCOUNT} and {@value #HOST} (default: the address the stream comes from).
 *
 * <p>Streams announcing the same endpoint (a workload's server and its clients, or a reconnect that
 * overtakes the old stream's close) count once, and the endpoint stays until the last of them closes.
 * Metadata that cannot be taken (a port out of range, a service name that is not a name) is logged
 * once, naming the field, and ignored: the stream is served as any other. So is an announcement that
 * the stream's client certificate does not back ({@link #impersonation}).
 */
public final class ConnectedWorkloads implements DiscoveryServerCallbacks, AutoCloseable {

    public static final String SERVICE = EndpointFields.NODE_METADATA_PREFIX + EndpointFields.SERVICE;
    public static final String PORT = EndpointFields.NODE_METADATA_PREFIX + EndpointFields.PORT;
    public static final String LABELS = EndpointFields.NODE_METADATA_PREFIX + EndpointFields.LABELS;
    public static final String SERVICE_ACCOUNT = EndpointFields.NODE_METADATA_PREFIX + EndpointFields.SERVICE_ACCOUNT;
    public static final String HOST = EndpointFields.NODE_METADATA_PREFIX + EndpointFields.HOST;

    private static final Logger LOG = LoggerFactory.getLogger(ConnectedWorkloads.class);
    // Bad metadata is logged once per node and problem; past this many, the oldest are forgotten.
    private static final int MAX_WARNED = 1024;

    private final String tenant;
    private final String cluster;
    private final LocalInventory inventory;
    private final Map<Long, Stream> streams = new HashMap<>();
    private final Map<ServiceEndpoint, Integer> openStreams = new HashMap<>();
    private final Set<String> warned = new LinkedHashSet<>();
    private boolean closed;

    public ConnectedWorkloads(String tenant, String cluster, LocalInventory inventory) {
        this.tenant = tenant;
        this.cluster = cluster;
        this.inventory = inventory;
    }

    @Override
    public void onStreamOpen(long streamId, String typeUrl) {
        Optional<InetAddress> client = AdsServer.clientAddress();
        Optional<String> identity = AdsServer.clientSpiffeId();
        synchronized (this) {
            Stream stream = streams.computeIfAbsent(streamId, id -> new Stream());
            stream.client = client;
            stream.identity = identity;
        }
    }

    @Override
    public void onV3StreamRequest(long streamId, DiscoveryRequest request) {
        if (!request.hasNode()) {
            return;
        }
        try {
            announced(streamId, request.getNode());
        } catch (RuntimeException e) {
            // A workload's metadata never ends its stream, whatever it holds.
            LOG.warn("tenant={} cluster={} could not take the endpoint announced by node '{}': {}", tenant, cluster,
                    nodeId(request.getNode()), e.toString());
        }
    }

    @Override
    public void onV3StreamDeltaRequest(long streamId, DeltaDiscoveryRequest request) {
        // The agent serves state-of-the-world ADS only.
    }

    @Override
    public void onStreamClose(long streamId, String typeUrl) {
        closed(streamId);
    }

    @Override
    public void onStreamCloseWithError(long streamId, String typeUrl, Throwable error) {
        closed(streamId);
    }

    /**
     * Stops following streams: endpoints stay as they are while the agent stops, so that the state
     * file keeps the connected workloads for the next start.
     */
    public synchronized void close() {
        closed = true;
    }

    /** How many streams announce {@code endpoint} now. */
    public synchronized int streamsOf(ServiceEndpoint endpoint) {
        return openStreams.getOrDefault(endpoint, 0);
    }

    private synchronized void announced(long streamId, Node node) {
        if (closed) {
            return;
        }
        Stream stream = streams.computeIfAbsent(streamId, id -> new Stream());
        // A stream announces once: a node sends its metadata on the first request, and the rest echo it.
        if (stream.nodeSeen) {
            return;
        }
        stream.nodeSeen = true;
        Struct metadata = node.getMetadata();
        if (!metadata.containsFields(SERVICE)) {
            return;
        }
        if (stream.client.isEmpty()) {
            stream.client = AdsServer.clientAddress();
        }
        if (stream.identity.isEmpty()) {
            stream.identity = AdsServer.clientSpiffeId();
        }
        AnnouncedEndpoint announced;
        try {
            announced = EndpointFields.read(metadata, EndpointFields.NODE_METADATA_PREFIX,
                    stream.client.map(InetAddress::getHostAddress));
        } catch (InvalidEndpointException e) {
            warnOnce(nodeId(node), e.getMessage());
            return;
        }
        Optional<String> impersonation = stream.identity.flatMap(id -> impersonation(id, announced));
        if (impersonation.isPresent()) {
            warnOnce(nodeId(node), impersonation.get());
            return;
        }
        stream.endpoint = announced.endpoint();
        int streamsNow = openStreams.merge(announced.endpoint(), 1, Integer::sum);
        inventory.connect(announced, dataPlane(node));
        if (streamsNow == 1) {
            LOG.info("tenant={} cluster={} node '{}' connected: endpoint {} of service {} {} added", tenant, cluster,
                    nodeId(node), announced.endpoint().address(), announced.endpoint().service(),
                    announced.endpoint().labels());
        }
    }

    private void closed(long streamId) {
        synchronized (this) {
            Stream stream = streams.remove(streamId);
            if (closed || stream == null || stream.endpoint == null) {
                return;
            }
            ServiceEndpoint endpoint = stream.endpoint;
            int left = openStreams.merge(endpoint, -1, Integer::sum);
            if (left > 0) {
                return;
            }
            openStreams.remove(endpoint);
            inventory.remove(endpoint, EndpointSource.CONNECTED);
            LOG.info("tenant={} cluster={} the last stream announcing endpoint {} of service {} closed: removed",
                    tenant, cluster, endpoint.address(), endpoint.service());
        }
    }

    /**
     * Why a stream whose client certificate names {@code spiffeId} may not announce {@code announced};
     * empty when it may. A workload announces only the service (and namespace, and service account)
     * of its own identity, {@code spiffe://<trust domain>/ns/<namespace>/sa/<service>}, the identity
     * the agent gives that service's workloads: a certificate of one service cannot put endpoints in
     * another's name. (A certificate naming no SPIFFE id, from an operator's own client CA, is
     * trusted with any service, as a stream on loopback is.)
     */
    static Optional<String> impersonation(String spiffeId, AnnouncedEndpoint announced) {
        ServiceEndpoint endpoint = announced.endpoint();
        String namespace = WorkloadSvids.namespaceOf(endpoint);
        String expected = "/ns/" + namespace + "/sa/" + endpoint.service();
        int path = spiffeId.indexOf('/', "spiffe://".length());
        boolean own = path > 0 && spiffeId.substring(path).equals(expected)
                && (announced.serviceAccount().isEmpty() || announced.serviceAccount().equals(endpoint.service()));
        if (own) {
            return Optional.empty();
        }
        return Optional.of("its client certificate is " + spiffeId + ", but it announces service '" + endpoint.service()
                + "' in namespace '" + namespace + "'" + (announced.serviceAccount().isEmpty() ? ""
                : " with service account '" + announced.serviceAccount() + "'") + ", whose workloads are"
                + " spiffe://<trust domain>" + expected + ": a workload may announce only its own service; announce"
                + " the service its certificate names, or give the workload a certificate of " + expected);
    }

    /**
     * What a connecting node is, by the {@code user_agent_name} its xDS client sets: grpc-java, -go and
     * C-core say {@code gRPC ...}, Envoy says {@code envoy}; anything else is not known.
     */
    static EndpointDataPlane dataPlane(Node node) {
        String agent = node.getUserAgentName().trim();
        if (agent.regionMatches(true, 0, "grpc", 0, 4)) {
            return EndpointDataPlane.ENDPOINT_DATA_PLANE_PROXYLESS_GRPC;
        }
        return agent.equalsIgnoreCase("envoy") ? EndpointDataPlane.ENDPOINT_DATA_PLANE_ENVOY_SIDECAR
                : EndpointDataPlane.ENDPOINT_DATA_PLANE_UNKNOWN;
    }

    private void warnOnce(String node, String problem) {
        if (!warned.add(node + "\n" + problem)) {
            return;
        }
        if (warned.size() > MAX_WARNED) {
            warned.remove(warned.iterator().next());
        }
        LOG.warn("tenant={} cluster={} node '{}' announces an endpoint that cannot be taken ({}); it is served, but"
                        + " registers nothing until its node metadata is fixed", tenant, cluster, node, problem);
    }

    private static String nodeId(Node node) {
        return StatusReportLimits.text(node.getId(), StatusReportLimits.MAX_NODE_ID);
    }

    private static final class Stream {
        private Optional<InetAddress> client = Optional.empty();
        private Optional<String> identity = Optional.empty();
        private boolean nodeSeen;
        private ServiceEndpoint endpoint;
    }
}
