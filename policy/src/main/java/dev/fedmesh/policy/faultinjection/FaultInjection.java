package dev.fedmesh.policy.faultinjection;

import dev.fedmesh.policy.document.PolicySpec;

import java.time.Duration;

/** Delays and aborts injected into a share of the requests to a service; at least one is set. */
public record FaultInjection(Delay delay, Abort abort) implements PolicySpec {

    /** Holds {@code percentage} percent of the requests back for {@code duration}. */
    public record Delay(Duration duration, double percentage) {
    }

    /** Answers {@code percentage} percent of the requests with {@code status} instead of forwarding them. */
    public record Abort(AbortStatus status, double percentage) {
    }

    /** The error an aborted request gets: an HTTP status or a gRPC status. */
    public sealed interface AbortStatus permits HttpStatus, GrpcStatus {
    }

    /** An HTTP status, 200..599. */
    public record HttpStatus(int code) implements AbortStatus {
    }

    /** A gRPC status code other than OK. */
    public record GrpcStatus(GrpcCode code) implements AbortStatus {
    }

    /** gRPC status codes by name, as grpc.io lists them, with their numbers; OK is left out since it is no fault. */
    public enum GrpcCode {
        CANCELLED(1), UNKNOWN(2), INVALID_ARGUMENT(3), DEADLINE_EXCEEDED(4), NOT_FOUND(5), ALREADY_EXISTS(6),
        PERMISSION_DENIED(7), RESOURCE_EXHAUSTED(8), FAILED_PRECONDITION(9), ABORTED(10), OUT_OF_RANGE(11),
        UNIMPLEMENTED(12), INTERNAL(13), UNAVAILABLE(14), DATA_LOSS(15), UNAUTHENTICATED(16);

        private final int number;

        GrpcCode(int number) {
            this.number = number;
        }

        public int number() {
            return number;
        }
    }
}
