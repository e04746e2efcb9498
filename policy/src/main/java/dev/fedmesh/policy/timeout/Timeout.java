package dev.fedmesh.policy.timeout;

import dev.fedmesh.policy.document.PolicySpec;

import java.time.Duration;

/**
 * How long calls to a target may take: to connect to an endpoint, for a whole request, and idle
 * before a connection or stream is closed. Null where not set (the proxy's default applies); at
 * least one is set.
 */
public record Timeout(Duration connect, Duration request, Duration idle) implements PolicySpec {
}
