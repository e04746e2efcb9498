package dev.fedmesh.policy.faultinjection;

import com.google.protobuf.Any;
import dev.fedmesh.api.v1.FaultInjectionSpec;
import dev.fedmesh.api.v1.Policy;
import io.envoyproxy.envoy.extensions.filters.common.fault.v3.FaultDelay;
import io.envoyproxy.envoy.extensions.filters.http.fault.v3.FaultAbort;
import io.envoyproxy.envoy.extensions.filters.http.fault.v3.HTTPFault;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.type.v3.FractionalPercent;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * FaultInjection's xDS translation: Envoy's {@code envoy.filters.http.fault} HTTP filter
 * (gRFC A33), placed before the router in the HttpConnectionManager of the service's client
 * ApiListener (proxyless gRPC) and of an Envoy sidecar's inbound listener.
 *
 * <p>Only a FaultInjection for the whole service and every caller becomes a filter. Every proxy of
 * a cluster gets the same listeners, so a filter cannot tell callers apart ({@code from}), and it
 * runs before routing, so it cannot tell which subset a call will reach: a FaultInjection
 * narrowed by either disturbs nothing rather than every call.
 *
 * <p>Shares are written per million, the finest {@link FractionalPercent} both proxies read. An
 * HTTP status abort reaches a gRPC caller as the gRPC status its HTTP code maps to (grpc-java's
 * {@code GrpcUtil.httpStatusToGrpcStatus}: 503 is UNAVAILABLE, 403 PERMISSION_DENIED, …).
 */
public final class FaultInjectionTranslator {

    /** Name of Envoy's fault HTTP filter; the type of its config tells gRPC which filter it is. */
    public static final String FAULT_FILTER = "envoy.filters.http.fault";

    private static final int PER_MILLION_PER_PERCENT = 10_000;

    private FaultInjectionTranslator() {
    }

    /** The fault filter for the calls to {@code service}, when a FaultInjection disturbs them all. */
    public static Optional<HttpFilter> httpFilter(String service, List<Policy> policies) {
        return fault(service, policies).map(fault -> HttpFilter.newBuilder()
                .setName(FAULT_FILTER)
                .setTypedConfig(Any.pack(fault))
                .build());
    }

    /**
     * The faults of every call to {@code service}: the FaultInjection targeting the whole service
     * with no {@code from} (the API allows one; should stored data hold more, the first by name).
     */
    public static Optional<HTTPFault> fault(String service, List<Policy> policies) {
        return policies.stream()
                .filter(p -> FaultInjectionKind.NAME.equals(p.getKind()) && p.hasFaultInjection())
                .filter(p -> p.getTarget().hasService()
                        && p.getTarget().getService().getService().equals(service)
                        && p.getTarget().getService().getLabelsCount() == 0
                        && p.getFromCount() == 0)
                .min(Comparator.comparing(Policy::getName))
                .map(p -> fault(p.getFaultInjection()));
    }

    private static HTTPFault fault(FaultInjectionSpec spec) {
        HTTPFault.Builder fault = HTTPFault.newBuilder();
        if (spec.hasDelay()) {
            fault.setDelay(FaultDelay.newBuilder()
                    .setFixedDelay(spec.getDelay().getDuration())
                    .setPercentage(perMillion(spec.getDelay().getPercentage())));
        }
        if (spec.hasAbort()) {
            FaultAbort.Builder abort = FaultAbort.newBuilder().setPercentage(perMillion(spec.getAbort().getPercentage()));
            if (spec.getAbort().getStatusCase() == FaultInjectionSpec.Abort.StatusCase.GRPC_STATUS) {
                abort.setGrpcStatus(spec.getAbort().getGrpcStatus());
            } else {
                abort.setHttpStatus(spec.getAbort().getHttpStatus());
            }
            fault.setAbort(abort);
        }
        return fault.build();
    }

    /** A share in percent (0..100, fractions allowed) as parts per million. */
    static FractionalPercent perMillion(double percentage) {
        return FractionalPercent.newBuilder()
                .setNumerator((int) Math.round(percentage * PER_MILLION_PER_PERCENT))
                .setDenominator(FractionalPercent.DenominatorType.MILLION)
                .build();
    }
}
