package dev.fedmesh.distributor.status;

import com.google.protobuf.Timestamp;
import dev.fedmesh.api.ReportedProxies;
import dev.fedmesh.api.v1.ApplyFailure;
import dev.fedmesh.api.v1.ClusterStatus;
import dev.fedmesh.api.v1.ProxyStatus;
import dev.fedmesh.api.v1.ProxySyncState;
import dev.fedmesh.api.v1.ResourceTypeStatus;

import java.util.function.Consumer;

import static dev.fedmesh.api.StatusReportLimits.MAX_ERROR;
import static dev.fedmesh.api.StatusReportLimits.MAX_NODE_ID;
import static dev.fedmesh.api.StatusReportLimits.MAX_REFUSAL;
import static dev.fedmesh.api.StatusReportLimits.MAX_TYPES;
import static dev.fedmesh.api.StatusReportLimits.MAX_TYPE_URL;
import static dev.fedmesh.api.StatusReportLimits.MAX_VERSION;
import static dev.fedmesh.api.StatusReportLimits.text;

/**
 * What an agent's report may hold once it reaches the database: every text an agent or a proxy
 * chose (node ids, NACK messages, type URLs, versions) without control characters (PostgreSQL
 * refuses NUL in text) and cut to the bounds of {@link dev.fedmesh.api.StatusReportLimits}, the
 * proxies listed as {@link ReportedProxies} lists them, and timestamps within the years 1..9999.
 * A pure function: the same report, the same result. Nothing a proxy sends can make a report the
 * database refuses.
 */
public final class ReportBounds {

    // 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z, the range google.protobuf.Timestamp defines.
    private static final long MIN_SECONDS = -62_135_596_800L;
    private static final long MAX_SECONDS = 253_402_300_799L;

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
        ReportedProxies proxies = ReportedProxies.of(report.getProxiesList().stream().map(ReportBounds::proxy).toList());
        // The agent's own counts when it sent them (it may list fewer proxies than it has), else those of its list.
        boolean ownCounts = report.hasProxyCounts() && report.getProxyCounts().getTotal() >= report.getProxiesCount();
        return bounded.setProxyCounts(ownCounts ? report.getProxyCounts() : proxies.counts())
                .addAllProxies(proxies.listed())
                .build();
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
