package dev.fedmesh.agent.health;

import java.util.Objects;

/**
 * What one TCP connect probe found: it passed when the connect completed.
 *
 * @param passed whether the connection was established
 * @param detail for people: {@code connected}, {@code connection refused}, {@code timed out after 350 ms},
 *               {@code network unreachable}, ...
 */
public record ProbeResult(boolean passed, String detail) {

    public static final ProbeResult CONNECTED = new ProbeResult(true, "connected");

    public ProbeResult {
        Objects.requireNonNull(detail, "detail");
    }

    public static ProbeResult failed(String detail) {
        return new ProbeResult(false, detail);
    }
}
