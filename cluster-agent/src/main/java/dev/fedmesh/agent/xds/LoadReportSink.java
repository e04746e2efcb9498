package dev.fedmesh.agent.xds;

import com.google.protobuf.Duration;
import io.envoyproxy.envoy.service.load_stats.v3.LoadReportingServiceGrpc;
import io.envoyproxy.envoy.service.load_stats.v3.LoadStatsRequest;
import io.envoyproxy.envoy.service.load_stats.v3.LoadStatsResponse;
import io.grpc.stub.StreamObserver;

/**
 * The load-report (LRS) service a proxy reaches on its agent when a cluster names the management
 * server as its {@code lrs_server}: grpc-java counts a cluster's requests in flight, and so applies
 * a CircuitBreaker's {@code maxRequests}, only while it reports that cluster's load. The agent asks
 * for no cluster's load and keeps nothing: it answers each stream once, so the proxy's report
 * stream stays open instead of failing and being retried with back-off.
 */
final class LoadReportSink extends LoadReportingServiceGrpc.LoadReportingServiceImplBase {

    /** How often a proxy sends its (empty) report; rare, since nothing is asked for. */
    static final Duration REPORT_INTERVAL = Duration.newBuilder().setSeconds(300).build();

    @Override
    public StreamObserver<LoadStatsRequest> streamLoadStats(StreamObserver<LoadStatsResponse> responses) {
        return new StreamObserver<>() {
            private boolean answered;

            @Override
            public void onNext(LoadStatsRequest request) {
                if (!answered) {
                    answered = true;
                    responses.onNext(LoadStatsResponse.newBuilder()
                            .setSendAllClusters(false)
                            .setLoadReportingInterval(REPORT_INTERVAL)
                            .build());
                }
            }

            @Override
            public void onError(Throwable t) {
                // The proxy went away; there is nothing to keep.
            }

            @Override
            public void onCompleted() {
                responses.onCompleted();
            }
        };
    }
}
