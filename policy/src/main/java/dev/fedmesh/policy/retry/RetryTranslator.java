package dev.fedmesh.policy.retry;

import com.google.protobuf.UInt32Value;
import dev.fedmesh.api.v1.Policy;
import dev.fedmesh.api.v1.RetrySpec;
import io.envoyproxy.envoy.config.route.v3.RetryPolicy;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Retry's xDS translation: a service's Retry (else the mesh's) becomes the {@code retry_policy} of
 * every route of the service (gRFC A44). {@code attempts} is {@code num_retries}, {@code retryOn}
 * the comma-separated {@code retry_on}, {@code perTryTimeout} {@code per_try_timeout} and
 * {@code backoff} {@code retry_back_off}.
 *
 * <p>Envoy applies all of it. Proxyless gRPC (grpc-java 1.85.1) applies {@code num_retries} (as
 * {@code maxAttempts = num_retries + 1}, capped by the channel at 5 tries in all), the backoff, and
 * of {@code retry_on} only the gRPC status conditions in {@link #GRPC_CONDITIONS}; it drops the
 * others and {@code per_try_timeout} without a word, and a policy left with no gRPC condition
 * retries nothing there.
 */
public final class RetryTranslator {

    /** The {@code retry_on} conditions proxyless gRPC retries on (gRFC A44); it ignores every other. */
    public static final List<String> GRPC_CONDITIONS =
            List.of("cancelled", "deadline-exceeded", "internal", "resource-exhausted", "unavailable");

    /** The most tries gRPC makes of one call, first try included, unless the application raises it. */
    public static final int GRPC_MAX_TRIES = 5;

    private RetryTranslator() {
    }

    /** The retry policy of every route of {@code service}, or empty when no Retry applies to it. */
    public static Optional<RetryPolicy> retryPolicy(String service, List<Policy> policies) {
        return policyFor(service, policies).map(policy -> toEnvoy(policy.getRetry()));
    }

    /**
     * The Retry that decides the service's retries: its own, else the mesh's. The API allows one per
     * target; should stored data hold more, the first by name decides.
     */
    static Optional<Policy> policyFor(String service, List<Policy> policies) {
        List<Policy> retries = policies.stream()
                .filter(p -> RetryKind.NAME.equals(p.getKind()) && p.hasRetry())
                .sorted(Comparator.comparing(Policy::getName))
                .toList();
        return retries.stream()
                .filter(p -> p.getTarget().hasService() && p.getTarget().getService().getService().equals(service))
                .findFirst()
                .or(() -> retries.stream().filter(p -> p.getTarget().getMesh()).findFirst());
    }

    private static RetryPolicy toEnvoy(RetrySpec spec) {
        RetryPolicy.Builder retry = RetryPolicy.newBuilder()
                .setRetryOn(String.join(",", spec.getRetryOnList()))
                .setNumRetries(UInt32Value.of(spec.getAttempts()));
        if (spec.hasPerTryTimeout()) {
            retry.setPerTryTimeout(spec.getPerTryTimeout());
        }
        if (spec.hasBackoff()) {
            RetryPolicy.RetryBackOff.Builder backoff = RetryPolicy.RetryBackOff.newBuilder()
                    .setBaseInterval(spec.getBackoff().getBase());
            if (spec.getBackoff().hasMax()) {
                backoff.setMaxInterval(spec.getBackoff().getMax());
            }
            retry.setRetryBackOff(backoff);
        }
        return retry.build();
    }
}
