package dev.fedmesh.agent.health;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.StandardSocketOptions;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * A real TCP listener on loopback that a test can make answer, go dark or refuse.
 *
 * <p>Dark is a listener whose accept queue is full: the kernel then drops every new SYN, so a connect
 * neither completes nor is refused, exactly as when packets to a cluster vanish. (Documentation
 * addresses such as 192.0.2.1 are no dependable black hole: on some machines 192.0.2.1 is the
 * gateway and refuses, and other unrouted addresses are answered by a transparent proxy.)
 */
public final class TcpServer implements AutoCloseable {

    private static final int BACKLOG = 8;

    private final int port;
    private final List<Socket> fillers = new ArrayList<>();
    private ServerSocketChannel listener;
    private Selector selector;
    private Thread acceptor;
    private final Semaphore accepted = new Semaphore(0);
    private volatile boolean accepting;

    private TcpServer(ServerSocketChannel listener) throws IOException {
        this.listener = listener;
        this.port = ((InetSocketAddress) listener.getLocalAddress()).getPort();
    }

    /** A listener on a free loopback port, accepting (and at once closing) every connection. */
    public static TcpServer answering() {
        try {
            TcpServer server = new TcpServer(bind(0));
            server.startAccepting();
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public int port() {
        return port;
    }

    public ProbeTarget target() {
        return new ProbeTarget("127.0.0.1", port);
    }

    /** Waits (at most 30 s) until {@code count} more connections have been accepted; false if they never were. */
    public boolean awaitAccepted(int count) throws InterruptedException {
        return accepted.tryAcquire(count, 30, TimeUnit.SECONDS);
    }

    /**
     * Stops accepting and fills the accept queue, so new connects hang. Returns {@link System#nanoTime()}
     * at the start of the connect that proved the queue full: the listener was dark from then on.
     */
    public synchronized long goDark() {
        stopAccepting();
        try {
            for (int i = 0; i < 64; i++) {
                Socket filler = new Socket();
                long started = System.nanoTime();
                try {
                    filler.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 300);
                    fillers.add(filler);
                } catch (SocketTimeoutException e) {
                    filler.close();
                    return started;
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        throw new IllegalStateException("the accept queue of port " + port + " never filled up");
    }

    /** Closes the listener: connects are refused. */
    public synchronized void refuse() {
        stopAccepting();
        closeFillers();
        try {
            listener.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Answers again on the same port, after {@link #goDark()} or {@link #refuse()}. */
    public synchronized void answer() {
        try {
            if (!listener.isOpen()) {
                listener = bind(port);
            }
            closeFillers();
            // Emptied here, not by the accepting thread, so a connect made as soon as this returns is not dropped.
            for (SocketChannel queued; (queued = listener.accept()) != null; ) {
                queued.close();
            }
            startAccepting();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public synchronized void close() {
        stopAccepting();
        closeFillers();
        try {
            listener.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static ServerSocketChannel bind(int port) throws IOException {
        ServerSocketChannel channel = ServerSocketChannel.open();
        channel.setOption(StandardSocketOptions.SO_REUSEADDR, true);
        channel.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), BACKLOG);
        channel.configureBlocking(false);
        return channel;
    }

    private void startAccepting() throws IOException {
        if (accepting) {
            return;
        }
        selector = Selector.open();
        listener.register(selector, SelectionKey.OP_ACCEPT);
        accepting = true;
        Selector own = selector;
        acceptor = new Thread(() -> acceptWhileAnswering(own), "test-tcp-server-" + port);
        acceptor.setDaemon(true);
        acceptor.start();
    }

    private void acceptWhileAnswering(Selector own) {
        try (own) {
            while (accepting) {
                own.select();
                own.selectedKeys().clear();
                for (SocketChannel accepted; accepting && (accepted = listener.accept()) != null; ) {
                    accepted.close();
                    this.accepted.release();
                }
            }
        } catch (IOException e) {
            accepting = false;
        }
    }

    private void stopAccepting() {
        if (!accepting) {
            return;
        }
        accepting = false;
        selector.wakeup();
        try {
            acceptor.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void closeFillers() {
        for (Socket filler : fillers) {
            try {
                filler.close();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        fillers.clear();
    }
}
