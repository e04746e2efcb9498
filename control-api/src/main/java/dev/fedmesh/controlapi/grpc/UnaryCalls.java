package dev.fedmesh.controlapi.grpc;

import io.grpc.stub.StreamObserver;

import java.util.function.Supplier;

/** Answers a unary call with what {@code work} returns, or with the status for what it threw. */
final class UnaryCalls {
    private UnaryCalls() {
    }

    static <T> void answer(String method, StreamObserver<T> observer, Supplier<T> work) {
        T response;
        try {
            response = work.get();
        } catch (RuntimeException error) {
            observer.onError(RpcErrors.toStatus(error, method));
            return;
        }
        observer.onNext(response);
        observer.onCompleted();
    }
}
