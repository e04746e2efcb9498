package dev.fedmesh.agent.status;

import com.google.protobuf.Timestamp;
import dev.fedmesh.api.StatusReportLimits;
import dev.fedmesh.api.v1.ProxyStatus;
import dev.fedmesh.api.v1.ProxySyncState;
import dev.fedmesh.agent.xds.ServedSnapshot;
import dev.fedmesh.api.v1.ResourceTypeStatus;
import io.envoyproxy.controlplane.server.DiscoveryServerCallbacks;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Follows every proxy's ADS stream through java-control-plane's callbacks: which versions were
 * sent, which the proxy ACKed (a request echoing a response's nonce with its version) and which
 * it NACKed (a request carrying error_detail). Tells {@code onChange} after every such event.
 */
public final class ProxyTracker implements DiscoveryServerCallbacks {

    // Nonces of responses not yet answered; a proxy answers each one, so the map stays small.
    private static final int MAX_PENDING_NONCES = 64;

    private final Runnable onChange;
    private final Map<Long, Stream> streams = new HashMap<>();

    public ProxyTracker(Runnable onChange) {
        this.onChange = onChange;
    }

    @Override
    public void onStreamOpen(long streamId, String typeUrl) {
        synchronized (this) {
            streams.put(streamId, new Stream(Instant.now()));
        }
        onChange.run();
    }

    @Override
    public void onV3StreamRequest(long streamId, DiscoveryRequest request) {
        synchronized (this) {
            Stream stream = streams.computeIfAbsent(streamId, id -> new Stream(Instant.now()));
            // Proxies may send their node only on a stream's first request.
            if (request.hasNode() && !request.getNode().getId().isEmpty()) {
                stream.nodeId = StatusReportLimits.text(request.getNode().getId(), StatusReportLimits.MAX_NODE_ID);
            }
            // What a proxy sends is kept bounded: a 2 MB NACK message or a thousand made-up type URLs
            // cost no more memory here, and no more bytes in a report, than a well-behaved proxy's.
            String typeUrl = StatusReportLimits.text(request.getTypeUrl(), StatusReportLimits.MAX_TYPE_URL);
            TypeState type = stream.types.get(typeUrl);
            if (type == null) {
                if (stream.types.size() >= StatusReportLimits.MAX_TYPES) {
                    return;
                }
                type = new TypeState();
                stream.types.put(typeUrl, type);
            }
            String answered = stream.pendingNonces.remove(request.getResponseNonce());
            if (request.hasErrorDetail()) {
                type.nackedVersion = answered != null ? answered : type.sentVersion;
                String message = request.getErrorDetail().getMessage();
                type.error = message.isEmpty() ? "rejected with code " + request.getErrorDetail().getCode()
                        : StatusReportLimits.text(message, StatusReportLimits.MAX_ERROR);
            } else {
                type.nackedVersion = "";
                type.error = "";
            }
            // An ACK echoes the accepted version; a NACK (or a reconnect) names the one still held.
            type.ackedVersion = StatusReportLimits.text(request.getVersionInfo(), StatusReportLimits.MAX_VERSION);
        }
        onChange.run();
    }

    @Override
    public void onV3StreamResponse(long streamId, DiscoveryRequest request, DiscoveryResponse response) {
        synchronized (this) {
            Stream stream = streams.get(streamId);
            if (stream == null) {
                return;
            }
            stream.types.computeIfAbsent(response.getTypeUrl(), url -> new TypeState()).sentVersion =
                    response.getVersionInfo();
            stream.pendingNonces.put(response.getNonce(), response.getVersionInfo());
        }
        onChange.run();
    }

    @Override
    public void onV3StreamDeltaRequest(long streamId, DeltaDiscoveryRequest request) {
        // The agent's proxies use state-of-the-world ADS; incremental streams are not tracked.
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
        synchronized (this) {
            streams.remove(streamId);
        }
        onChange.run();
    }

    /**
     * Every proxy that has named its node, sorted by node id, judged against the snapshot being
     * served ({@code null} before the first config): SYNCED when it ACKed the served version of every
     * type it asked for. A node with several streams is shown by its newest one.
     */
    public synchronized List<ProxyStatus> proxies(ServedSnapshot served) {
        Map<String, Stream> newestByNode = new TreeMap<>();
        for (Stream stream : streams.values()) {
            if (stream.nodeId == null) {
                continue;
            }
            newestByNode.merge(stream.nodeId, stream,
                    (a, b) -> a.openedAt.isAfter(b.openedAt) ? a : b);
        }
        List<ProxyStatus> proxies = new ArrayList<>();
        newestByNode.forEach((node, stream) -> proxies.add(stream.status(node, served)));
        return proxies;
    }

    private static final class Stream {
        private final Instant openedAt;
        private final Map<String, TypeState> types = new TreeMap<>();
        private final Map<String, String> pendingNonces = new LinkedHashMap<>(16, 0.75f, false) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
                return size() > MAX_PENDING_NONCES;
            }
        };
        private String nodeId;

        private Stream(Instant openedAt) {
            this.openedAt = openedAt;
        }

        private ProxyStatus status(String node, ServedSnapshot served) {
            ProxyStatus.Builder proxy = ProxyStatus.newBuilder()
                    .setNodeId(node)
                    .setConnectedAt(timestamp(openedAt));
            boolean synced = served != null && !types.isEmpty();
            String error = "";
            for (Map.Entry<String, TypeState> entry : types.entrySet()) {
                TypeState type = entry.getValue();
                proxy.addTypes(ResourceTypeStatus.newBuilder()
                        .setTypeUrl(entry.getKey())
                        .setAckedVersion(type.ackedVersion)
                        .setSentVersion(type.sentVersion)
                        .setNackedVersion(type.nackedVersion)
                        .setError(type.error));
                if (!type.error.isEmpty() && error.isEmpty()) {
                    error = type.error;
                }
                synced &= served != null && type.ackedVersion.equals(served.versionOf(entry.getKey()));
            }
            ProxySyncState state = !error.isEmpty() ? ProxySyncState.NACKED
                    : synced ? ProxySyncState.SYNCED : ProxySyncState.STALE;
            return proxy.setState(state).setError(error).build();
        }
    }

    private static final class TypeState {
        private String ackedVersion = "";
        private String sentVersion = "";
        private String nackedVersion = "";
        private String error = "";
    }

    static Timestamp timestamp(Instant instant) {
        return Timestamp.newBuilder().setSeconds(instant.getEpochSecond()).setNanos(instant.getNano()).build();
    }
}
