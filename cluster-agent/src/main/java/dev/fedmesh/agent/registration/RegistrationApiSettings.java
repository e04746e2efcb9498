package dev.fedmesh.agent.registration;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Where the agent's registration API listens ({@code host}, {@code port}, 0 picking a free port) and
 * the file holding the bearer token its callers must present.
 */
public record RegistrationApiSettings(String host, int port, Path tokenFile) {

    /** Loopback: only processes on the agent's machine reach the API unless the operator says otherwise. */
    public static final String DEFAULT_HOST = "127.0.0.1";
    public static final int DEFAULT_PORT = 18001;

    public RegistrationApiSettings {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(tokenFile, "tokenFile");
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be 0..65535, was " + port);
        }
    }
}
