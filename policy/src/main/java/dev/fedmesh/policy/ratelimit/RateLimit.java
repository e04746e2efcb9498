package dev.fedmesh.policy.ratelimit;

import dev.fedmesh.policy.document.PolicySpec;

import java.time.Duration;

/**
 * A local rate limit in front of a service's endpoints: {@code requests} per {@code interval},
 * plus {@code burst} extra, for the policy's sources and, with a match, only the requests it matches.
 */
public record RateLimit(int requests, Duration interval, int burst, RequestMatch match, int httpStatus)
        implements PolicySpec {

    /** The requests a limit counts; a null part matches anything. */
    public record RequestMatch(PathMatch path, String method) {
    }

    /** A request path equal to, or starting with, {@code value}. */
    public record PathMatch(PathMatchType type, String value) {
    }

    /** How a {@link PathMatch} compares the request path. */
    public enum PathMatchType {
        EXACT("exact"),
        PREFIX("prefix");

        private final String field;

        PathMatchType(String field) {
            this.field = field;
        }

        /** The JSON field that holds a path of this type. */
        public String field() {
            return field;
        }
    }
}
