package dev.fedmesh.policy.compiler;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Where callers on other networks reach a cluster's services: {@code host:port}, the host a DNS name,
 * an IPv4 literal or a bracketed IPv6 literal ({@code [2001:db8::1]:15443}), the port 1..65535.
 *
 * @param host the host as written, without brackets for IPv6
 * @param port 1..65535
 */
public record EastWestGateway(String host, int port) {
    /** What a valid value looks like, for error messages. */
    public static final String RULE = "use host:port, the host a DNS name, an IPv4 address or a bracketed IPv6 address"
            + " (e.g. gw.east.example.com:15443 or [2001:db8::1]:15443), the port 1-65535";
    private static final int MAX_LENGTH = 261;
    private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");
    private static final Pattern IPV4 = Pattern.compile("(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})");
    private static final Pattern IPV6 = Pattern.compile("[0-9a-fA-F:.]+");

    /** The gateway {@code value} names, or what is wrong with it. */
    public static Parsed parse(String value) {
        if (value == null || value.isEmpty()) {
            return new Parsed(Optional.empty(), Optional.of("is empty: " + RULE));
        }
        if (value.length() > MAX_LENGTH) {
            return invalid(value, "is longer than " + MAX_LENGTH + " characters");
        }
        int colon = value.lastIndexOf(':');
        if (colon < 0) {
            return invalid(value, "has no port");
        }
        String host = value.substring(0, colon);
        String port = value.substring(colon + 1);
        Optional<Integer> number = port(port);
        if (number.isEmpty()) {
            return invalid(value, "has port '" + port + "', which is not a number from 1 to 65535");
        }
        if (host.startsWith("[") && host.endsWith("]")) {
            String literal = host.substring(1, host.length() - 1);
            if (!isIpv6(literal)) {
                return invalid(value, "has '" + literal + "' in brackets, which is not an IPv6 address");
            }
            return new Parsed(Optional.of(new EastWestGateway(literal, number.get())), Optional.empty());
        }
        if (host.indexOf(':') >= 0) {
            return invalid(value, "has an IPv6 address without brackets");
        }
        if (!isIpv4(host) && !isDnsName(host)) {
            return invalid(value, "has host '" + host + "', which is neither a DNS name nor an IP address");
        }
        return new Parsed(Optional.of(new EastWestGateway(host, number.get())), Optional.empty());
    }

    /** The outcome of {@link #parse}: the gateway, or the problem (naming the value, ending with the rule). */
    public record Parsed(Optional<EastWestGateway> gateway, Optional<String> problem) {
    }

    /** The gateway as {@code host:port}, IPv6 hosts in brackets. */
    @Override
    public String toString() {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }

    private static Parsed invalid(String value, String why) {
        return new Parsed(Optional.empty(), Optional.of("'" + value + "' " + why + ": " + RULE));
    }

    private static Optional<Integer> port(String text) {
        if (text.isEmpty() || text.length() > 5 || !text.chars().allMatch(Character::isDigit)) {
            return Optional.empty();
        }
        int port = Integer.parseInt(text);
        return port >= 1 && port <= 65535 ? Optional.of(port) : Optional.empty();
    }

    private static boolean isIpv4(String host) {
        var match = IPV4.matcher(host);
        if (!match.matches()) {
            return false;
        }
        for (int i = 1; i <= 4; i++) {
            if (Integer.parseInt(match.group(i)) > 255) {
                return false;
            }
        }
        return true;
    }

    private static boolean isIpv6(String literal) {
        if (literal.indexOf(':') < 0 || !IPV6.matcher(literal).matches()) {
            return false;
        }
        try {
            // Only hex digits, ':' and '.' get here, so no name lookup can happen.
            return InetAddress.getByName(literal).getAddress().length == 16;
        } catch (UnknownHostException e) {
            return false;
        }
    }

    private static boolean isDnsName(String host) {
        String name = host.endsWith(".") ? host.substring(0, host.length() - 1) : host;
        if (name.isEmpty() || name.length() > 253 || name.chars().allMatch(c -> Character.isDigit(c) || c == '.')) {
            return false;
        }
        for (String label : name.toLowerCase(Locale.ROOT).split("\\.", -1)) {
            if (!DNS_LABEL.matcher(label).matches()) {
                return false;
            }
        }
        return true;
    }
}
