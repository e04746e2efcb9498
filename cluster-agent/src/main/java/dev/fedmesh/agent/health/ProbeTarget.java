package dev.fedmesh.agent.health;

import java.util.Objects;

/** One TCP address a probe connects to. {@code host} is a name or an IP literal (IPv6 without brackets). */
public record ProbeTarget(String host, int port) implements Comparable<ProbeTarget> {

    public ProbeTarget {
        Objects.requireNonNull(host, "host");
        if (host.isBlank()) {
            throw new IllegalArgumentException("probe target host must not be blank");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("probe target port must be 1..65535, was " + port + " (host " + host + ")");
        }
    }

    /**
     * Parses {@code host:port} or {@code [ipv6]:port}, as an east-west gateway is written.
     *
     * @throws IllegalArgumentException naming the value and the expected form
     */
    public static ProbeTarget parse(String address) {
        Objects.requireNonNull(address, "address");
        String expected = "'" + address + "' is not host:port or [ipv6]:port, e.g. gw.east.example:15443";
        String trimmed = address.trim();
        int colon = trimmed.lastIndexOf(':');
        if (colon <= 0 || colon == trimmed.length() - 1) {
            throw new IllegalArgumentException(expected);
        }
        String host = trimmed.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        } else if (host.contains(":")) {
            throw new IllegalArgumentException(expected);
        }
        int port;
        try {
            port = Integer.parseInt(trimmed.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(expected);
        }
        if (host.isBlank() || port < 1 || port > 65535) {
            throw new IllegalArgumentException(expected);
        }
        return new ProbeTarget(host, port);
    }

    /** host:port, with brackets around an IPv6 literal. */
    @Override
    public String toString() {
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }

    @Override
    public int compareTo(ProbeTarget other) {
        int byHost = host.compareTo(other.host);
        return byHost != 0 ? byHost : Integer.compare(port, other.port);
    }
}
