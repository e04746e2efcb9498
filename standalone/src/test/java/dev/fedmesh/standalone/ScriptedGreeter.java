package dev.fedmesh.standalone;

import dev.fedmesh.sample.v1.GreeterGrpc;
import dev.fedmesh.sample.v1.HelloReply;
import dev.fedmesh.sample.v1.HelloRequest;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A greeter on a loopback port whose behaviour a test scripts: it answers, fails every call with a
 * status, or holds calls open until released. It records each call it gets (by the caller's name)
 * and when it arrived, so a test can tell which calls reached it.
 */
final class ScriptedGreeter implements AutoCloseable {

    private final String name;
    private final Server server;
    private final AtomicInteger received = new AtomicInteger();
    private final Map<String, Long> arrivalNanos = new ConcurrentHashMap<>();
    private final List<StreamObserver<HelloReply>> held = new CopyOnWriteArrayList<>();
    private volatile Status failure;
    private volatile boolean holding;
    private volatile long lastArrivalNanos;

    private ScriptedGreeter(String name) {
        this.name = name;
        this.server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                .addService(new GreeterGrpc.GreeterImplBase() {
                    @Override
                    public void sayHello(HelloRequest request, StreamObserver<HelloReply> replies) {
                        serve(request, replies);
                    }
                })
                .build();
    }

    /** Starts one, answering every call with its {@code name}. */
    static ScriptedGreeter start(String name) {
        ScriptedGreeter greeter = new ScriptedGreeter(name);
        try {
            greeter.server.start();
        } catch (IOException e) {
            throw new UncheckedIOException("the greeter " + name + " could not bind a loopback port", e);
        }
        return greeter;
    }

    private void serve(HelloRequest request, StreamObserver<HelloReply> replies) {
        long now = System.nanoTime();
        received.incrementAndGet();
        lastArrivalNanos = now;
        arrivalNanos.put(request.getName(), now);
        Status fail = failure;
        if (fail != null) {
            replies.onError(fail.withDescription("greeter " + name + " fails on purpose").asRuntimeException());
        } else if (holding) {
            held.add(replies);
        } else {
            answer(replies);
        }
    }

    private void answer(StreamObserver<HelloReply> replies) {
        replies.onNext(HelloReply.newBuilder().setMessage(name).build());
        replies.onCompleted();
    }

    int port() {
        return server.getPort();
    }

    /** From now on, answers every call. */
    void answerAll() {
        failure = null;
        holding = false;
    }

    /** From now on, fails every call with {@code code}. */
    void failAll(Status.Code code) {
        failure = Status.fromCode(code);
    }

    /** From now on, holds every call open until {@link #releaseHeld()}. */
    void holdAll() {
        holding = true;
    }

    /** Answers every call held so far and stops holding new ones. */
    void releaseHeld() {
        holding = false;
        for (StreamObserver<HelloReply> replies : held) {
            answer(replies);
        }
        held.clear();
    }

    /** How many calls reached it. */
    int received() {
        return received.get();
    }

    /** {@link System#nanoTime()} when the latest call reached it; 0 before the first. */
    long lastArrivalNanos() {
        return lastArrivalNanos;
    }

    /** {@link System#nanoTime()} when the call named {@code caller} reached it, or null if it never did. */
    Long arrivalNanosOf(String caller) {
        return arrivalNanos.get(caller);
    }

    @Override
    public void close() {
        server.shutdownNow();
        try {
            server.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
