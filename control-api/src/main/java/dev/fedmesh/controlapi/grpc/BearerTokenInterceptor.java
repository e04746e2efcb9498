package dev.fedmesh.controlapi.grpc;

import dev.fedmesh.controlapi.auth.Authenticator;
import dev.fedmesh.controlapi.auth.Principal;
import dev.fedmesh.controlapi.http.ApiException;
import dev.fedmesh.controlapi.limits.RequestRateLimiter;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.StatusRuntimeException;
import io.micronaut.http.HttpStatus;
import jakarta.inject.Singleton;

import java.util.List;
import java.util.Optional;

/**
 * Refuses every management call that does not carry {@code authorization: Bearer <token>} with
 * a valid token, counts it against its tenant's request rate (shared with REST), and makes the
 * caller's {@link Principal} available to the call as {@link #principal()}. Runs on the call's
 * executor, never on the event loop: a tenant token is looked up in the database.
 */
@Singleton
final class BearerTokenInterceptor implements ServerInterceptor {
    static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
    private static final Context.Key<Principal> PRINCIPAL = Context.key("fedmesh.principal");
    private static final String PREFIX = "Bearer ";
    private final Authenticator authenticator;
    private final RequestRateLimiter rateLimiter;

    BearerTokenInterceptor(Authenticator authenticator, RequestRateLimiter rateLimiter) {
        this.authenticator = authenticator;
        this.rateLimiter = rateLimiter;
    }

    /** The principal of the call being served. */
    static Principal principal() {
        Principal principal = PRINCIPAL.get();
        if (principal == null) {
            throw new IllegalStateException("a management service was registered without BearerTokenInterceptor");
        }
        return principal;
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        String header = headers.get(AUTHORIZATION);
        if (header == null || !header.regionMatches(true, 0, PREFIX, 0, PREFIX.length())) {
            return refuse(call, unauthenticated(
                    "Send the metadata 'authorization: Bearer <token>' (grpcurl: -H 'authorization: Bearer …')"));
        }
        Principal principal;
        try {
            Optional<Principal> authenticated = authenticator.authenticate(header.substring(PREFIX.length()).trim());
            if (authenticated.isEmpty()) {
                return refuse(call, unauthenticated("The bearer token is not valid (unknown, expired or revoked); "
                        + "check it was copied whole, or ask for a new one"));
            }
            principal = authenticated.get();
            rateLimiter.admit(principal);
        } catch (RuntimeException error) {
            return refuse(call, RpcErrors.toStatus(error, call.getMethodDescriptor().getFullMethodName()));
        }
        return Contexts.interceptCall(Context.current().withValue(PRINCIPAL, principal), call, headers, next);
    }

    private static StatusRuntimeException unauthenticated(String message) {
        return RpcErrors.refused(new ApiException(HttpStatus.UNAUTHORIZED, "unauthenticated", message, List.of()));
    }

    private static <Q, R> ServerCall.Listener<Q> refuse(ServerCall<Q, R> call, StatusRuntimeException refusal) {
        call.close(refusal.getStatus(), refusal.getTrailers());
        return new ServerCall.Listener<>() {
        };
    }
}
