package dev.fedmesh.controlapi.listen;

import io.micronaut.context.exceptions.ConfigurationException;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.UnknownHostException;

/**
 * The address a listening socket of control-api binds to, read from one setting and checked
 * before anything listens: a name that does not resolve, or an address that is not this
 * machine's, stops the start naming the setting, the value and the fix.
 */
public record ListenHost(String value, InetAddress address) {

    /** Resolves {@code value} of {@code property} (set through {@code environmentVariable}) and checks this machine can bind it. */
    public static ListenHost of(String property, String environmentVariable, String value) {
        if (value == null || value.isBlank()) {
            throw refused(property, environmentVariable, value, "which is empty");
        }
        InetAddress address;
        try {
            address = InetAddress.getByName(value.strip());
        } catch (UnknownHostException e) {
            throw refused(property, environmentVariable, value, "which is not an address and not a name that resolves");
        }
        if (!address.isAnyLocalAddress()) {
            // Binding a free port on it is the one sure test that the address is this machine's.
            try (ServerSocket probe = new ServerSocket()) {
                probe.bind(new InetSocketAddress(address, 0));
            } catch (IOException e) {
                throw refused(property, environmentVariable, value, "which is not an address of this machine ("
                        + address.getHostAddress() + ": " + e.getMessage() + ")");
            }
        }
        return new ListenHost(value.strip(), address);
    }

    /** Where to listen on {@code port} of this host. */
    public InetSocketAddress at(int port) {
        return new InetSocketAddress(address, port);
    }

    private static ConfigurationException refused(String property, String environmentVariable, String value, String why) {
        return new ConfigurationException(property + " is '" + value + "', " + why + ": set it (" + environmentVariable
                + " in the environment) to 127.0.0.1 to listen on this machine only (the default), to 0.0.0.0 to listen"
                + " on every interface, or to one of this machine's addresses");
    }
}
