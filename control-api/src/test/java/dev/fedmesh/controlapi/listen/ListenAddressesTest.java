package dev.fedmesh.controlapi.listen;

import dev.fedmesh.controlapi.RunningApi;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Where control-api's sockets listen: the REST port ({@code micronaut.server.host}) and the gRPC
 * management API ({@code fedmesh.api.grpc.host}) are on loopback unless set otherwise, and a
 * value this machine cannot listen on stops the start saying which setting and what to do.
 */
class ListenAddressesTest {
    private static final String LOOPBACK = "127.0.0.1";

    @Test
    void byDefaultTheRestAndGrpcApisAreReachedFromThisMachineOnly() {
        try (RunningApi api = RunningApi.start(getClass(), Map.of())) {
            int rest = api.base().getPort();
            int grpc = api.grpcPort();
            assertThat(accepts(LOOPBACK, rest)).as("REST on loopback").isTrue();
            assertThat(accepts(LOOPBACK, grpc)).as("gRPC on loopback").isTrue();

            String other = otherAddressOfThisMachine();
            assertThat(accepts(other, rest)).as("REST on " + other).isFalse();
            assertThat(accepts(other, grpc)).as("gRPC on " + other).isFalse();
        }
    }

    @Test
    void setToEveryInterfaceBothAreReachedOnTheMachinesOtherAddresses() {
        try (RunningApi api = RunningApi.start(getClass(), Map.of("micronaut.server.host", "0.0.0.0",
                "fedmesh.api.grpc.host", "0.0.0.0"))) {
            String other = otherAddressOfThisMachine();
            assertThat(accepts(other, api.base().getPort())).as("REST on " + other).isTrue();
            assertThat(accepts(other, api.grpcPort())).as("gRPC on " + other).isTrue();
        }
    }

    @Test
    void aHostThisMachineCannotListenOnStopsTheStartNamingTheSetting() {
        for (String setting : List.of("fedmesh.api.grpc.host", "micronaut.server.host")) {
            String variable = setting.toUpperCase().replace('.', '_').replace('-', '_');
            for (String value : List.of("no-such-host.invalid", "203.0.113.7", " ")) {
                assertThatThrownBy(() -> RunningApi.start(getClass(), Map.of(setting, value)).close())
                        .as(setting + "=" + value)
                        .satisfies(failure -> assertThat(messages(failure))
                                .contains(setting + " is '" + value + "'", variable, "127.0.0.1", "0.0.0.0"));
            }
        }
    }

    /** An IPv4 address of this machine that is not loopback; the test is skipped, saying why, on a machine without one. */
    private static String otherAddressOfThisMachine() {
        Optional<String> address = Optional.empty();
        try {
            for (NetworkInterface network : NetworkInterface.networkInterfaces().toList()) {
                if (network.isUp() && !network.isLoopback()) {
                    address = address.or(() -> network.inetAddresses()
                            .filter(candidate -> candidate instanceof Inet4Address && !candidate.isLinkLocalAddress())
                            .map(InetAddress::getHostAddress)
                            .findFirst());
                }
            }
        } catch (SocketException e) {
            throw new IllegalStateException("cannot list this machine's network interfaces", e);
        }
        assumeTrue(address.isPresent(), "this machine has no IPv4 address besides loopback, so whether a socket is"
                + " reached from elsewhere cannot be tried here");
        return address.get();
    }

    private static boolean accepts(String host, int port) {
        try (Socket socket = new Socket()) {
            // Connecting to an address of this machine is answered at once; the timeout only guards a hang.
            socket.connect(new InetSocketAddress(host, port), 5000);
            return true;
        } catch (IOException refused) {
            return false;
        }
    }

    private static String messages(Throwable failure) {
        List<String> messages = new ArrayList<>();
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            messages.add(String.valueOf(cause.getMessage()));
        }
        return String.join(" / ", messages);
    }
}
