package dev.fedmesh.api;

import dev.fedmesh.api.v1.ProxyCounts;
import dev.fedmesh.api.v1.ProxyStatus;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The proxies one status report lists, and the counts of all of them: NACKED first, then STALE,
 * then SYNCED, each by node id, one entry per node, as many as {@link StatusReportLimits#MAX_PROXIES}
 * and {@link StatusReportLimits#MAX_PROXY_BYTES} allow. However many proxies connect, the report
 * stays small enough for Kafka and for the database, and still says what needs attention.
 */
public record ReportedProxies(List<ProxyStatus> listed, ProxyCounts counts) {

    private static final Comparator<ProxyStatus> ATTENTION_FIRST = Comparator
            .comparingInt((ProxyStatus proxy) -> switch (proxy.getState()) {
                case NACKED -> 0;
                case SYNCED -> 2;
                default -> 1;
            })
            .thenComparing(ProxyStatus::getNodeId);

    public ReportedProxies {
        listed = List.copyOf(listed);
    }

    /** What a report says of {@code proxies}. */
    public static ReportedProxies of(List<ProxyStatus> proxies) {
        ProxyCounts.Builder counts = ProxyCounts.newBuilder().setTotal(proxies.size());
        for (ProxyStatus proxy : proxies) {
            switch (proxy.getState()) {
                case SYNCED -> counts.setSynced(counts.getSynced() + 1);
                case NACKED -> counts.setNacked(counts.getNacked() + 1);
                default -> counts.setStale(counts.getStale() + 1);
            }
        }
        List<ProxyStatus> listed = new ArrayList<>();
        Set<String> nodes = new HashSet<>();
        long bytes = 0;
        for (ProxyStatus proxy : proxies.stream().sorted(ATTENTION_FIRST).toList()) {
            if (listed.size() == StatusReportLimits.MAX_PROXIES) {
                break;
            }
            int size = proxy.getSerializedSize();
            if (bytes + size > StatusReportLimits.MAX_PROXY_BYTES) {
                break;
            }
            if (nodes.add(proxy.getNodeId())) {
                listed.add(proxy);
                bytes += size;
            }
        }
        return new ReportedProxies(listed, counts.build());
    }
}
