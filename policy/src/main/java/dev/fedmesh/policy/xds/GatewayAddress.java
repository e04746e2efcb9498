package dev.fedmesh.policy.xds;

import java.util.Optional;

/** Where a cluster's east-west gateway listens: {@code host:port}, an IPv6 host in brackets. */
public record GatewayAddress(String host, int port) {

    /** The address of {@code hostPort}; empty when it is blank or not a host and a port 1..65535. */
    public static Optional<GatewayAddress> parse(String hostPort) {
        int colon = hostPort.lastIndexOf(':');
        if (colon <= 0 || colon == hostPort.length() - 1) {
            return Optional.empty();
        }
        String host = hostPort.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port;
        try {
            port = Integer.parseInt(hostPort.substring(colon + 1));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
        if (host.isBlank() || port < 1 || port > 65535) {
            return Optional.empty();
        }
        return Optional.of(new GatewayAddress(host, port));
    }
}
