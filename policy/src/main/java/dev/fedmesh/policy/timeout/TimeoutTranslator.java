package dev.fedmesh.policy.timeout;

import com.google.protobuf.Duration;
import dev.fedmesh.api.v1.Policy;
import dev.fedmesh.api.v1.TimeoutSpec;
import io.envoyproxy.envoy.config.core.v3.HttpProtocolOptions;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * Timeout's xDS translation, field by field: a field the service's Timeout leaves out is taken from
 * the mesh's. {@code request} becomes each route's {@code timeout} (read by Envoy) and
 * {@code max_stream_duration.max_stream_duration} (read by proxyless gRPC, gRFC A31), unless a
 * TrafficRoute rule set the route's own; {@code connect} the cluster's {@code connect_timeout};
 * {@code idle} the {@code idle_timeout} of the cluster's upstream HTTP protocol options, so the
 * caller's connections to the service close after that long without a call.
 *
 * <p>{@code grpc_timeout_header_max} is left unset: grpc-java would read it in place of
 * {@code max_stream_duration}, and Envoy would then take the caller's {@code grpc-timeout} header as
 * the limit; a caller's own shorter deadline already ends its call, in gRPC and through Envoy alike.
 * Proxyless gRPC (grpc-java 1.85.1) reads neither {@code connect_timeout} nor any idle timeout.
 */
public final class TimeoutTranslator {

    /** The name Envoy knows a cluster's upstream HTTP protocol options by, in {@code typed_extension_protocol_options}. */
    public static final String HTTP_PROTOCOL_OPTIONS = "envoy.extensions.upstreams.http.v3.HttpProtocolOptions";

    private TimeoutTranslator() {
    }

    /** The time a whole call to {@code service} may take, or empty when no Timeout sets it. */
    public static Optional<Duration> request(String service, List<Policy> policies) {
        return field(service, policies, TimeoutSpec::hasRequest, TimeoutSpec::getRequest);
    }

    /** The time to open a connection to an endpoint of {@code service}, or empty when no Timeout sets it. */
    public static Optional<Duration> connect(String service, List<Policy> policies) {
        return field(service, policies, TimeoutSpec::hasConnect, TimeoutSpec::getConnect);
    }

    /**
     * The upstream HTTP protocol options of the clusters of {@code service}: its idle timeout, with
     * the protocol of the caller's own call kept (HTTP/2 for gRPC); empty when no Timeout sets idle.
     */
    public static Optional<io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions> upstreamProtocolOptions(
            String service, List<Policy> policies) {
        return field(service, policies, TimeoutSpec::hasIdle, TimeoutSpec::getIdle)
                .map(idle -> io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions.newBuilder()
                        .setCommonHttpProtocolOptions(HttpProtocolOptions.newBuilder().setIdleTimeout(idle))
                        .setUseDownstreamProtocolConfig(io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions
                                .UseDownstreamHttpConfig.getDefaultInstance())
                        .build());
    }

    /**
     * The route action with {@code request} as its limit, unless it has one of its own: a
     * TrafficRoute rule's timeout is more specific than the service's Timeout for the calls it matches.
     */
    public static RouteAction withRequest(RouteAction action, Duration request) {
        if (action.hasMaxStreamDuration() || action.hasTimeout()) {
            return action;
        }
        return action.toBuilder()
                .setTimeout(request)
                .setMaxStreamDuration(RouteAction.MaxStreamDuration.newBuilder().setMaxStreamDuration(request))
                .build();
    }

    /**
     * One field of the Timeouts that apply: the service's own when it sets it, else the mesh's. The
     * API allows one Timeout per target; should stored data hold more, the first by name decides.
     */
    private static Optional<Duration> field(String service, List<Policy> policies, Predicate<TimeoutSpec> has,
                                            Function<TimeoutSpec, Duration> get) {
        List<Policy> timeouts = policies.stream()
                .filter(p -> TimeoutKind.NAME.equals(p.getKind()) && p.hasTimeout())
                .sorted(Comparator.comparing(Policy::getName))
                .toList();
        Optional<TimeoutSpec> own = timeouts.stream()
                .filter(p -> p.getTarget().hasService() && p.getTarget().getService().getService().equals(service))
                .findFirst()
                .map(Policy::getTimeout)
                .filter(has);
        return own.or(() -> timeouts.stream()
                        .filter(p -> p.getTarget().getMesh())
                        .findFirst()
                        .map(Policy::getTimeout)
                        .filter(has))
                .map(get);
    }
}
