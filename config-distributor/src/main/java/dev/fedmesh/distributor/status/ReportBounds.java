package dev.fedmesh.distributor.status;

import com.google.protobuf.Timestamp;
import dev.fedmesh.api.v1.ApplyFailure;
import dev.fedmesh.api.v1.ClusterStatus;
import dev.fedmesh.api.v1.ProxyCounts;
import dev.fedmesh.api.v1.ProxyStatus;
import dev.fedmesh.api.v1.ProxySyncState;
import dev.fedmesh.api.v1.ResourceTypeStatus;

import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/**
 * What an agent's report may hold once it reaches the database: every text an agent or a proxy
 * chose (node ids, NACK messages, type URLs, versions) without control characters (PostgreSQL
 * refuses NUL in text) and cut to a bound, at most {@link #MAX_PROXIES} proxies (those needing
 * attention first), and timestamps within the years 1..9999. A pure function: the same report,
 * the same result. Nothing a proxy sends can make a report the database refuses.
 */
public final class ReportBounds {

    /** The most proxies stored per report; the report's counts still count them all. */
    public static final int MAX_PROXIES = 1_000;
    static final int MAX_NODE_ID = 256;
    static final int MAX_TYPE_URL = 256;
    static final int MAX_VERSION = 128;
    static final int MAX_ERROR = 1_024;
    static final int MAX_REFUSAL = 2_048;
    /** The resource types xDS has are a handful; a proxy claiming more is cut to this many. */
    static final int MAX_TYPES = 16;
    private static final String CUT = "…";
    // 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z, the range google.protobuf.Timestamp defines.
    private static final long MIN_SECONDS = -62_135_596_800L;
    private static final long MAX_SECONDS = 253_402_300_799L;
    private static final Comparator<ProxyStatus> ATTENTION_FIRST = Comparator
            .comparingInt((ProxyStatus proxy) -> switch (proxy.getState()) {
                case NACKED -> 0;
                case STALE -> 1;
                default -> 2;
            })
            .thenComparing(ProxyStatus::getNodeId);

    private ReportBounds() {
    }

    /** The report as it may be stored. */
    public static ClusterStatus apply(ClusterStatus report) {
        ClusterStatus.Builder bounded = report.toBuilder()
                .setXdsVersion(text(report.getXdsVersion(), MAX_VERSION))
                .setLastRefusal(text(report.getLastRefusal(), MAX_REFUSAL))
                .clearProxies();
        time(report.hasAppliedAt(), report.getAppliedAt(), bounded::setAppliedAt, bounded::clearAppliedAt);
        time(report.hasReportedAt(), report.getReportedAt(), bounded::setReportedAt, bounded::clearReportedAt);
        time(report.hasIntermediateNotAfter(), report.getIntermediateNotAfter(), bounded::setIntermediateNotAfter,
                bounded::clearIntermediateNotAfter);
        if (report.hasApplyFailure()) {
            ApplyFailure failure = report.getApplyFailure();
            ApplyFailure.Builder kept = failure.toBuilder().setError(text(failure.getError(), MAX_ERROR));
            time(failure.hasFailedAt(), failure.getFailedAt(), kept::setFailedAt, kept::clearFailedAt);
            bounded.setApplyFailure(kept);
        }
        List<ProxyStatus> proxies = report.getProxiesList().stream().map(ReportBounds::proxy).toList();
        bounded.setProxyCounts(counts(report, proxies));
        Set<String> listed = new HashSet<>();
        proxies.stream()
                .sorted(ATTENTION_FIRST)
                .filter(proxy -> listed.add(proxy.getNodeId()))
                .limit(MAX_PROXIES)
                .forEach(bounded::addProxies);
        return bounded.build();
    }

    /** The agent's own counts when it sent them (it may list fewer proxies than it has), else those of its list. */
    private static ProxyCounts counts(ClusterStatus report, List<ProxyStatus> proxies) {
        if (report.hasProxyCounts() && report.getProxyCounts().getTotal() >= proxies.size()) {
            return report.getProxyCounts();
        }
        ProxyCounts.Builder counts = ProxyCounts.newBuilder().setTotal(proxies.size());
        for (ProxyStatus proxy : proxies) {
            switch (proxy.getState()) {
                case SYNCED -> counts.setSynced(counts.getSynced() + 1);
                case NACKED -> counts.setNacked(counts.getNacked() + 1);
                default -> counts.setStale(counts.getStale() + 1);
            }
        }
        return counts.build();
    }

    private static ProxyStatus proxy(ProxyStatus proxy) {
        ProxySyncState state = switch (proxy.getState()) {
            case SYNCED, NACKED -> proxy.getState();
            default -> ProxySyncState.STALE;
        };
        ProxyStatus.Builder bounded = proxy.toBuilder()
                .setNodeId(text(proxy.getNodeId(), MAX_NODE_ID))
                .setState(state)
                .setError(text(proxy.getError(), MAX_ERROR))
                .clearTypes();
        time(proxy.hasConnectedAt(), proxy.getConnectedAt(), bounded::setConnectedAt, bounded::clearConnectedAt);
        proxy.getTypesList().stream().limit(MAX_TYPES).forEach(type -> bounded.addTypes(ResourceTypeStatus.newBuilder()
                .setTypeUrl(text(type.getTypeUrl(), MAX_TYPE_URL))
                .setAckedVersion(text(type.getAckedVersion(), MAX_VERSION))
                .setSentVersion(text(type.getSentVersion(), MAX_VERSION))
                .setNackedVersion(text(type.getNackedVersion(), MAX_VERSION))
                .setError(text(type.getError(), MAX_ERROR))));
        return bounded.build();
    }

    /**
     * {@code value} without control characters (each becomes a space, but tab and newline stay)
     * and at most {@code max} characters, a cut one ending in an ellipsis.
     */
    static String text(String value, int max) {
        StringBuilder kept = new StringBuilder(Math.min(value.length(), max));
        int count = 0;
        for (int i = 0; i < value.length(); ) {
            int codePoint = value.codePointAt(i);
            i += Character.charCount(codePoint);
            if (count == max) {
                kept.setLength(kept.length() - Character.charCount(kept.codePointBefore(kept.length())));
                kept.append(CUT);
                return kept.toString();
            }
            boolean control = Character.isISOControl(codePoint) && codePoint != '\n' && codePoint != '\t';
            boolean unpaired = Character.isSurrogate((char) codePoint);
            kept.appendCodePoint(control || unpaired ? ' ' : codePoint);
            count++;
        }
        return kept.toString();
    }

    private static void time(boolean present, Timestamp value, Consumer<Timestamp> keep,
                             Runnable clear) {
        if (!present) {
            return;
        }
        if (value.getSeconds() < MIN_SECONDS || value.getSeconds() > MAX_SECONDS || value.getNanos() < 0
                || value.getNanos() > 999_999_999) {
            clear.run();
        } else {
            keep.accept(value);
        }
    }
}
