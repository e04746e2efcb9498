package dev.fedmesh.agent.xds;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fedmesh.agent.status.ProxyTracker;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.load_stats.v3.LoadReportingServiceGrpc;
import io.envoyproxy.envoy.service.load_stats.v3.LoadStatsRequest;
import io.envoyproxy.envoy.service.load_stats.v3.LoadStatsResponse;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.stub.StreamObserver;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A proxy whose cluster names the agent as its load-report server (a CircuitBreaker's
 * {@code maxRequests} needs it in grpc-java) gets its report stream answered, asking for no load.
 */
class LoadReportSinkTest {

    @Test
    void aLoadReportStreamIsAnsweredOnceAskingForNoClustersLoad() throws Exception {
        try (AdsServer ads = AdsServer.start(new ProxySnapshots(node -> "acme/east"), "127.0.0.1", 0, Optional.empty(),
                new ProxyTracker(() -> { }))) {
            ManagedChannel channel = Grpc.newChannelBuilderForAddress("127.0.0.1", ads.port(),
                    InsecureChannelCredentials.create()).build();
            try {
                CompletableFuture<LoadStatsResponse> answer = new CompletableFuture<>();
                StreamObserver<LoadStatsRequest> reports = LoadReportingServiceGrpc.newStub(channel)
                        .streamLoadStats(new StreamObserver<>() {
                            @Override
                            public void onNext(LoadStatsResponse response) {
                                answer.complete(response);
                            }

                            @Override
                            public void onError(Throwable t) {
                                answer.completeExceptionally(t);
                            }

                            @Override
                            public void onCompleted() {
                                answer.completeExceptionally(new AssertionError("the agent ended the stream"));
                            }
                        });
                reports.onNext(LoadStatsRequest.newBuilder().setNode(Node.newBuilder().setId("greeter-client")).build());

                LoadStatsResponse response = answer.get(20, TimeUnit.SECONDS);
                assertThat(response.getClustersList()).isEmpty();
                assertThat(response.getSendAllClusters()).isFalse();
                assertThat(response.getLoadReportingInterval()).isEqualTo(LoadReportSink.REPORT_INTERVAL);
                reports.onCompleted();
            } finally {
                channel.shutdownNow();
            }
        }
    }
}
