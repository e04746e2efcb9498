package dev.fedmesh.agent.sds;

import io.envoyproxy.controlplane.cache.v3.SimpleCache;
import io.envoyproxy.controlplane.server.V3DiscoveryServer;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.ChannelOption;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.Epoll;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's secret discovery service (SDS, xDS v3 state of the world) for the cluster's Envoy
 * proxies, served by java-control-plane from a cache holding only secrets, on a Unix domain socket
 * and never on a TCP port: the secrets hold private keys.
 */
public final class SdsServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(SdsServer.class);
    // sun_path holds 108 bytes, the last one a NUL.
    private static final int MAX_SOCKET_PATH_BYTES = 107;
    private static final String SETTING = "fedmesh.agent.sds.socket";

    private final Server server;
    private final EventLoopGroup eventLoop;
    private final Path path;

    private SdsServer(Server server, EventLoopGroup eventLoop, Path path) {
        this.server = server;
        this.eventLoop = eventLoop;
        this.path = path;
    }

    /**
     * Serves the secrets of {@code cache} on {@code socket}. The socket file gets its mode before
     * it appears at its path (it is bound in a private directory beside it, then renamed into place),
     * so no one else can connect even for a moment. A socket file left by an earlier run is replaced;
     * any other file at the path stops the start.
     */
    public static SdsServer start(SimpleCache<String> cache, SdsSocket socket) {
        if (!Epoll.isAvailable()) {
            throw new IllegalStateException("cannot serve SDS on " + socket.path() + ": Unix domain sockets need Linux"
                    + " with epoll (" + Epoll.unavailabilityCause() + "); unset " + SETTING);
        }
        Path path = socket.path();
        Path staging = null;
        EventLoopGroup eventLoop = new EpollEventLoopGroup(1, runnable -> {
            Thread thread = new Thread(runnable, "fedmesh-sds");
            thread.setDaemon(true);
            return thread;
        });
        Server server = null;
        try {
            prepareDirectory(path);
            removeStaleSocket(path);
            staging = Files.createTempDirectory(path.getParent(), ".sds-",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            Path bound = staging.resolve("s");
            requireShortEnough(bound, path);
            server = NettyServerBuilder.forAddress(new DomainSocketAddress(bound.toString()))
                    .channelType(EpollServerDomainSocketChannel.class)
                    .bossEventLoopGroup(eventLoop)
                    .workerEventLoopGroup(eventLoop)
                    // gRPC asks every connection for TCP keepalive, which a Unix socket has not: Netty would warn at each.
                    .withChildOption(ChannelOption.SO_KEEPALIVE, null)
                    .addService(new V3DiscoveryServer(cache).getSecretDiscoveryServiceImpl())
                    .build()
                    .start();
            Files.setPosixFilePermissions(bound, socket.permissions());
            Files.move(bound, path, StandardCopyOption.ATOMIC_MOVE);
            Files.delete(staging);
            LOG.info("serving SDS to the cluster's proxies on unix socket {} (mode {})", path, socket.mode());
            return new SdsServer(server, eventLoop, path);
        } catch (IOException | RuntimeException e) {
            if (server != null) {
                server.shutdownNow();
            }
            eventLoop.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            deleteQuietly(staging == null ? null : staging.resolve("s"));
            deleteQuietly(staging);
            if (e instanceof IllegalArgumentException invalid) {
                throw invalid;
            }
            throw new IllegalStateException("cannot serve SDS on unix socket " + path + ": " + e.getMessage()
                    + " (set " + SETTING + " to a path in a directory the agent can write)", e);
        }
    }

    /** The socket proxies connect to. */
    public Path path() {
        return path;
    }

    @Override
    public void close() {
        // SDS streams never end by themselves; proxies keep their secrets and reconnect.
        server.shutdownNow();
        try {
            server.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        eventLoop.shutdownGracefully(0, 0, TimeUnit.SECONDS);
        try {
            if (isSocket(path)) {
                Files.delete(path);
            }
        } catch (IOException e) {
            LOG.warn("could not remove the SDS socket {}: {}", path, e.getMessage());
        }
    }

    private static void prepareDirectory(Path path) throws IOException {
        Path directory = path.getParent();
        if (!Files.isDirectory(directory)) {
            // Group members may reach a 0660 socket in it; others may not even look.
            Files.createDirectories(directory,
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-x---")));
        }
    }

    private static void removeStaleSocket(Path path) throws IOException {
        if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        if (!isSocket(path)) {
            throw new IllegalArgumentException("Invalid setting " + SETTING + " = '" + path + "': a file that is not a"
                    + " socket is there; remove it or choose another path");
        }
        Files.delete(path);
    }

    private static boolean isSocket(Path path) throws IOException {
        if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
            return false;
        }
        return Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).isOther();
    }

    private static void requireShortEnough(Path bound, Path path) {
        int longest = Math.max(bytes(bound), bytes(path));
        if (longest > MAX_SOCKET_PATH_BYTES) {
            throw new IllegalArgumentException("Invalid setting " + SETTING + " = '" + path + "': the socket is bound"
                    + " at " + bound + " (" + bytes(bound) + " bytes) before it is moved there, and a Unix socket path"
                    + " must fit in " + MAX_SOCKET_PATH_BYTES + " bytes; choose a shorter path such as"
                    + " /run/fedmesh/sds.sock");
        }
    }

    private static int bytes(Path path) {
        return path.toString().getBytes(StandardCharsets.UTF_8).length;
    }

    private static void deleteQuietly(Path path) {
        if (path == null) {
            return;
        }
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) {
            LOG.debug("could not remove {}: {}", path, e.getMessage());
        }
    }
}
