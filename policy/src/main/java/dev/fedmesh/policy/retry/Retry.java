package dev.fedmesh.policy.retry;

import dev.fedmesh.policy.document.PolicySpec;

import java.time.Duration;
import java.util.List;

/**
 * How failed calls to a target are retried: up to {@code attempts} retries after the first try
 * (as Istio's {@code attempts}), each try cut off after {@code perTryTimeout} (null: no limit of
 * its own), on the conditions in {@code retryOn} (kept sorted), waiting by {@code backoff} (null:
 * the proxy's default) between tries.
 */
public record Retry(int attempts, Duration perTryTimeout, List<String> retryOn, Backoff backoff) implements PolicySpec {
    public Retry {
        retryOn = retryOn.stream().sorted().distinct().toList();
    }

    /** Exponential backoff from {@code base}, capped at {@code max} (null: 10 times the base). */
    public record Backoff(Duration base, Duration max) {
    }
}
