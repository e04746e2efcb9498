package dev.fedmesh.agent.xds;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import dev.fedmesh.agent.ClusterAgent;
import dev.fedmesh.agent.inventory.AnnouncedEndpoint;
import dev.fedmesh.agent.inventory.EndpointFields;
import dev.fedmesh.agent.inventory.InvalidEndpointException;
import dev.fedmesh.agent.inventory.InvalidEndpointException.FieldProblem;
import dev.fedmesh.agent.trust.WorkloadSvids;
import dev.fedmesh.policy.document.Names;
import dev.fedmesh.policy.xds.SidecarWorkload;
import io.envoyproxy.controlplane.server.DiscoveryServerCallbacks;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Envoy sidecars connected over ADS: a node whose metadata has {@code fedmesh.role: sidecar}
 * announces, besides the endpoint every workload announces ({@code fedmesh.service},
 * {@code fedmesh.port}, {@code fedmesh.labels}, see {@code ConnectedWorkloads}), the port its
 * application listens on at 127.0.0.1 ({@value #APP_PORT}) and the services it calls, each at a
 * local port ({@value #UPSTREAMS}: {@code {"ledger": 9001}}). Each distinct sidecar workload gets
 * its own snapshot group; the set of those connected now is handed on whenever it changes. A sidecar
 * whose metadata cannot be taken is logged once, naming the field, and served as any other proxy.
 */
public final class SidecarNodes implements DiscoveryServerCallbacks {

    /** The value of {@link ClusterAgent#ROLE_METADATA} that marks an Envoy sidecar. */
    public static final String SIDECAR_ROLE = "sidecar";
    public static final String APP_PORT = EndpointFields.NODE_METADATA_PREFIX + "appPort";
    public static final String UPSTREAMS = EndpointFields.NODE_METADATA_PREFIX + "upstreams";

    private static final Logger LOG = LoggerFactory.getLogger(SidecarNodes.class);
    private static final String DEFAULT_NAMESPACE = "default";
    private static final String PORT_FIX = "a TCP port of 127.0.0.1, 1..65535, e.g. 9080";

    private final String tenant;
    private final String cluster;
    private final Consumer<Set<SidecarWorkload>> connectedChanged;
    private final Map<Long, SidecarWorkload> streams = new HashMap<>();
    private final Map<SidecarWorkload, Integer> openStreams = new HashMap<>();
    private final Set<String> warned = new LinkedHashSet<>();

    /** @param connectedChanged told the sidecar workloads connected now, each time the set changes */
    public SidecarNodes(String tenant, String cluster, Consumer<Set<SidecarWorkload>> connectedChanged) {
        this.tenant = tenant;
        this.cluster = cluster;
        this.connectedChanged = connectedChanged;
    }

    /** Whether the node says it is an Envoy sidecar. */
    public static boolean isSidecar(Node node) {
        Value role = node.getMetadata().getFieldsMap().get(ClusterAgent.ROLE_METADATA);
        return role != null && SIDECAR_ROLE.equals(role.getStringValue());
    }

    /** The snapshot group of a sidecar workload within the cluster's group. */
    public static String group(String clusterGroup, SidecarWorkload workload) {
        return clusterGroup + "/sidecar/" + workload.key();
    }

    /** The sidecar workload the node announces; empty for a node that is no sidecar or announces one badly. */
    public static Optional<SidecarWorkload> workload(Node node) {
        if (!isSidecar(node)) {
            return Optional.empty();
        }
        try {
            return Optional.of(read(node.getMetadata()));
        } catch (InvalidEndpointException e) {
            return Optional.empty();
        }
    }

    /** Reads a sidecar's workload from its node metadata; every problem named at once. */
    public static SidecarWorkload read(Struct metadata) throws InvalidEndpointException {
        List<FieldProblem> problems = new ArrayList<>();
        AnnouncedEndpoint endpoint = null;
        try {
            // The host is the inventory's business; the sidecar's resources do not depend on it.
            endpoint = EndpointFields.read(metadata, EndpointFields.NODE_METADATA_PREFIX, Optional.of("127.0.0.1"));
        } catch (InvalidEndpointException e) {
            problems.addAll(e.problems());
        }
        Map<String, Value> fields = metadata.getFieldsMap();
        int appPort = port(fields.get(APP_PORT), APP_PORT, problems);
        Map<String, Integer> upstreams = new TreeMap<>();
        Value declared = fields.get(UPSTREAMS);
        if (declared != null && !declared.hasNullValue()) {
            if (!declared.hasStructValue()) {
                problems.add(new FieldProblem(UPSTREAMS, "must be an object of service names and local ports,"
                        + " e.g. {\"ledger\": 9001}"));
            } else {
                new TreeMap<>(declared.getStructValue().getFieldsMap()).forEach((service, port) -> {
                    String field = UPSTREAMS + "." + service;
                    if (!Names.isValid(service)) {
                        problems.add(new FieldProblem(field, "is not a service name: " + Names.RULE));
                    } else {
                        upstreams.put(service, port(port, field, problems));
                    }
                });
            }
        }
        if (!problems.isEmpty()) {
            throw new InvalidEndpointException(problems);
        }
        Map<String, String> labels = endpoint.endpoint().labels();
        return new SidecarWorkload(endpoint.endpoint().service(), endpoint.endpoint().port(), appPort, labels,
                labels.getOrDefault(WorkloadSvids.NAMESPACE_LABEL, DEFAULT_NAMESPACE), upstreams);
    }

    private static int port(Value value, String field, List<FieldProblem> problems) {
        if (value == null || value.hasNullValue()) {
            problems.add(new FieldProblem(field, "required: " + PORT_FIX));
            return 0;
        }
        if (!value.hasNumberValue()) {
            problems.add(new FieldProblem(field, "must be a number: " + PORT_FIX));
            return 0;
        }
        double number = value.getNumberValue();
        if (number != Math.rint(number) || number < 1 || number > 65535) {
            problems.add(new FieldProblem(field, "is out of range: " + PORT_FIX));
            return 0;
        }
        return (int) number;
    }

    @Override
    public void onV3StreamRequest(long streamId, DiscoveryRequest request) {
        if (!request.hasNode() || !isSidecar(request.getNode())) {
            return;
        }
        Set<SidecarWorkload> now;
        synchronized (this) {
            if (streams.containsKey(streamId)) {
                return;
            }
            SidecarWorkload workload;
            try {
                workload = read(request.getNode().getMetadata());
            } catch (InvalidEndpointException e) {
                warnOnce(request.getNode().getId(), e.getMessage());
                return;
            }
            streams.put(streamId, workload);
            if (openStreams.merge(workload, 1, Integer::sum) > 1) {
                return;
            }
            now = Set.copyOf(openStreams.keySet());
            LOG.info("tenant={} cluster={} Envoy sidecar '{}' of {} connected: serving it inbound port {} to 127.0.0.1:{}"
                            + " and upstreams {}", tenant, cluster, request.getNode().getId(), workload.service(),
                    workload.port(), workload.appPort(), workload.upstreams());
        }
        connectedChanged.accept(now);
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

    private void closed(long streamId) {
        Set<SidecarWorkload> now;
        synchronized (this) {
            SidecarWorkload workload = streams.remove(streamId);
            if (workload == null || openStreams.merge(workload, -1, Integer::sum) > 0) {
                return;
            }
            openStreams.remove(workload);
            now = Set.copyOf(openStreams.keySet());
        }
        connectedChanged.accept(now);
    }

    private void warnOnce(String node, String problem) {
        if (!warned.add(node + "\n" + problem)) {
            return;
        }
        if (warned.size() > 1024) {
            warned.remove(warned.iterator().next());
        }
        LOG.warn("tenant={} cluster={} Envoy sidecar '{}' announces a workload that cannot be taken ({}); it is served"
                + " the cluster's proxyless resources, without its listeners, until its node metadata is fixed",
                tenant, cluster, node, problem);
    }
}
