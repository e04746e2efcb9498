package dev.fedmesh.controlapi.listen;

import io.micronaut.context.annotation.Context;
import io.micronaut.context.annotation.Value;

/**
 * Checks {@code micronaut.server.host}, the address the REST API (and the metrics port, when it
 * has its own) listens on, when the service starts and before the HTTP server binds: Micronaut
 * alone would fail later, with a bind error that names no setting, and would take an empty value
 * for every interface.
 */
@Context
final class RestListenHost {
    static final String PROPERTY = "micronaut.server.host";

    RestListenHost(@Value("${" + PROPERTY + ":}") String host) {
        ListenHost.of(PROPERTY, "MICRONAUT_SERVER_HOST", host);
    }
}
